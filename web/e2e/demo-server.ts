/**
 * Global setup: starts `callcenter demo --seat "Seat 01"` on free ports with its data in a
 * temporary directory, waits until the API answers, and stops it (SIGINT) after the tests.
 * The tests find it at process.env.CALLCENTER_E2E_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

const REPO = resolve(HERE, '..', '..');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

function command(): { bin: string; args: string[] } {
  const venv = process.env.CALLCENTER_VENV ?? join(REPO, '.venv');
  const cli = join(venv, 'bin', 'callcenter');
  if (existsSync(cli)) return { bin: cli, args: [] };
  return { bin: existsSync(join(venv, 'bin', 'python')) ? join(venv, 'bin', 'python') : 'python3', args: ['-m', 'callcenter'] };
}

async function waitUntilUp(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`callcenter demo exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`callcenter demo did not answer on ${url} in time`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'callcenter-e2e-'));
  const [api, ami, agi, control] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${api}`;
  const { bin, args } = command();
  mkdirSync(join(HERE, '..', 'test-results'), { recursive: true });
  const log = createWriteStream(join(HERE, '..', 'test-results', 'demo.log'));
  // The demo on embedded defaults: no Redis, no PostgreSQL from the caller's environment.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CALLCENTER_REDIS__') && !k.startsWith('CALLCENTER_DATABASE__')),
  );
  // A busy room: callers always wait, so Seat 01 is offered the next one as soon as it is free.
  const scenario = process.env.CALLCENTER_E2E_SCENARIO ?? 'saturation';
  const child = spawn(bin, [...args, 'demo', '--seat', 'Seat 01', '--scenario', scenario], {
    cwd: REPO,
    env: {
      ...inherited,
      CALLCENTER_DATA_DIR: dataDir,
      CALLCENTER_API__HOST: '127.0.0.1',
      CALLCENTER_API__PORT: String(api),
      CALLCENTER_AMI__HOST: '127.0.0.1',
      CALLCENTER_AMI__PORT: String(ami),
      CALLCENTER_AGI__HOST: '127.0.0.1',
      CALLCENTER_AGI__PORT: String(agi),
      CALLCENTER_SIM__CONTROL_PORT: String(control),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  try {
    await waitUntilUp(url, child, 90_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  process.env.CALLCENTER_E2E_URL = url;
  return async () => {
    child.kill('SIGINT');
    await new Promise<void>((done) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      if (child.exitCode !== null) done();
    });
    rmSync(dataDir, { recursive: true, force: true });
  };
}
