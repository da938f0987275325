/**
 * A second `callcenter demo`, for the specs that need their own scenario (the wallboard's
 * mass casualty): started in `beforeAll` on free ports with its data in a temporary
 * directory, stopped (SIGINT) in `afterAll`. The shared demo of demo-server.ts plays the
 * steady evening for the operator's and dispatcher's specs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');

function listen(port: number): Promise<number | null> {
  return new Promise((ok) => {
    const server = createServer();
    server.unref();
    server.once('error', () => ok(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : null;
      server.close(() => ok(got));
    });
  });
}

async function freePort(): Promise<number> {
  const port = await listen(0);
  if (port === null) throw new Error('no free port');
  return port;
}

/** The simulator's control port is the AMI port + 1: both must be free. */
async function freePair(): Promise<number> {
  for (let i = 0; i < 50; i += 1) {
    const port = await freePort();
    if (port < 65535 && (await listen(port + 1)) !== null) return port;
  }
  throw new Error('no two consecutive free ports');
}

export interface RunningDemo {
  url: string;
  /** Stops the room and starts it again on the same ports and data (a server restart). */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
}

// A configured signing secret (the demo draws a random one per process otherwise): tokens
// survive a restart, as in a real room.
const JWT_SECRET = 'e2e-secret-for-the-restart-test-0123456789';

export async function startDemo(scenario: string, seats: string[], logName: string): Promise<RunningDemo> {
  const dataDir = mkdtempSync(join(tmpdir(), 'callcenter-e2e-'));
  const [api, ami, agi] = [await freePort(), await freePair(), await freePort()];
  const url = `http://127.0.0.1:${api}`;
  const venv = process.env.CALLCENTER_VENV ?? join(REPO, '.venv');
  const cli = join(venv, 'bin', 'callcenter');
  const [bin, pre] = existsSync(cli) ? [cli, []] : ['python3', ['-m', 'callcenter']];
  mkdirSync(join(HERE, '..', 'test-results'), { recursive: true });
  const log = createWriteStream(join(HERE, '..', 'test-results', logName));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CALLCENTER_REDIS__') && !k.startsWith('CALLCENTER_DATABASE__')));
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(bin, [...pre, 'demo', '--scenario', scenario, ...seats.flatMap((s) => ['--seat', s])], {
      cwd: REPO,
      env: {
        ...env,
        CALLCENTER_DATA_DIR: dataDir,
        CALLCENTER_API__HOST: '127.0.0.1',
        CALLCENTER_API__PORT: String(api),
        CALLCENTER_API__JWT_SECRET: JWT_SECRET,
        CALLCENTER_AMI__HOST: '127.0.0.1',
        CALLCENTER_AMI__PORT: String(ami),
        CALLCENTER_AGI__HOST: '127.0.0.1',
        CALLCENTER_AGI__PORT: String(agi),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const until = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`callcenter demo exited with ${child.exitCode}`);
      if (Date.now() > until) {
        child.kill('SIGKILL');
        throw new Error(`callcenter demo did not answer on ${url} in time`);
      }
      try {
        if ((await fetch(`${url}/readyz`)).ok) return child;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const halt = async (child: ChildProcess) => {
    if (child.exitCode !== null) return;
    child.kill('SIGINT');
    await new Promise<void>((done) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        done();
      });
    });
  };
  let child = await launch();
  return {
    url,
    restart: async () => {
      await halt(child);
      child = await launch();
    },
    stop: async () => {
      await halt(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
