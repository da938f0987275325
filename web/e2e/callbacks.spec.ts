/**
 * Call-backs, against their own `callcenter demo --scenario e2e/callbacks.toml --seat
 * "Seat 01"` (60 callers in 6 s who give up within 4 s, then a quiet room): the operator of
 * Seat 01 sees the call-back card ("Call back 06…, waited …, n calls in 24 h"), calls back with
 * Alt+R, picks up their own phone (demo phone mode), sees the simulated caller reached, and the
 * supervisor finds the result on the task. Screenshots (test-results/screens/*-callback-*.png)
 * are checked with axe-core. A console error or an unexpected failed request fails the test.
 */
import { expect, request, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectAccessible } from './pages/a11y';
import { Operator } from './pages/operator';
import { Problems } from './pages/watch';
import { startDemo, type RunningDemo } from './scenario-demo';

const PASSWORD = 'demo-password';
const HERE = dirname(fileURLToPath(import.meta.url));
const SCREENS = join(HERE, '..', 'test-results', 'screens');

test.describe.configure({ mode: 'serial' });

let demo: RunningDemo;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(SCREENS, { recursive: true });
  demo = await startDemo(join(HERE, 'callbacks.toml'), ['Seat 01'], 'demo-callbacks.log');
});

test.afterAll(async () => {
  await demo?.stop();
});

for (const lang of ['fr', 'ar'] as const) {
  test(`${lang}: an abandoned caller is offered for call-back, called back and reached`, async ({ browser }) => {
    // Expected refusals: /me/call with no call to show (409).
    const problems = new Problems([/^GET \/me\/call 409$/, /^GET \/me\/callback 409$/]);
    const context = await browser.newContext();
    const page = await context.newPage();
    problems.watch(page, 'operator');
    const shot = async (name: string) => {
      await page.screenshot({ path: join(SCREENS, `${lang}-callback-${name}.png`), fullPage: true, animations: 'disabled' });
      await expectAccessible(page, `${lang}-callback-${name}`);
    };
    const operator = new Operator(page, shot);
    await operator.open(demo.url, lang);
    await operator.logIn('op01', PASSWORD);
    await operator.makeReady();

    const card = page.getByTestId('callback-card');
    const call = page.getByTestId('callback-call');
    await expect(call).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId('callback-offer')).toContainText(/0[5-7] \d\d \d\d \d\d \d\d/);
    await expect(page.getByTestId('callback-facts')).not.toBeEmpty();
    await shot('offered');

    await page.keyboard.press('Alt+r'); // the shortcut the button announces
    await expect(page.getByTestId('callback-calling')).toBeVisible();
    const pickUp = page.getByTestId('callback-pickup');
    await expect(pickUp).toBeVisible();
    await shot('ringing');
    await pickUp.click();
    // the number answers (3 s later in the simulator): the PBX's DialEnd ANSWER is the result
    const last = page.getByTestId('callback-last');
    await expect(last).toHaveAttribute('data-result', 'reached', { timeout: 30_000 });
    await shot('reached');
    await expect(card).toBeVisible();
    // the conversation with the caller ends from the card: the seat is free again
    await page.getByTestId('callback-hangup').click();
    await expect(page.getByTestId('callback-hangup')).toHaveCount(0, { timeout: 15_000 });

    const api = await request.newContext({ baseURL: demo.url });
    const form = { username: 'supervisor', password: PASSWORD };
    const sup = { Authorization: `Bearer ${String((await (await api.post('/auth/token', { form })).json()).access_token)}` };
    const tasks = (await (await api.get('/callbacks', { headers: sup })).json()) as { status: string; seat: string | null; not_callable: string | null }[];
    expect(tasks.filter((t) => t.status === 'reached' && t.seat === 'Seat 01').length).toBeGreaterThan(0);
    expect(tasks.some((t) => t.not_callable === 'withheld')).toBe(true); // shown to supervisors only

    expect(problems.seen).toEqual([]);
    await context.close();
  });
}
