/**
 * The call from the ring to the radio, in each language: the operator logs in, the offer
 * rings, they answer, qualify with the keyboard only and hand off; the dispatcher sees the
 * ticket appear without reloading and acknowledges it with the nearest unit; the operator sees
 * "acknowledged by <unit>". Arabic checks the page is right to left. A console error or an
 * unexpected failed request fails the test. Screenshots: test-results/screens/<lang>-*.png.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dispatcher } from './pages/dispatcher';
import { expectAccessible } from './pages/a11y';
import { Operator } from './pages/operator';
import { Problems } from './pages/watch';

const PASSWORD = 'demo-password';
const SCREENS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'screens');

const LANGS = [
  { lang: 'fr', dir: 'ltr', acknowledged: 'Pris en charge par', address: 'Bd Mohammed V, Casablanca', pause: ['Formation', 'En pause : Formation'] },
  { lang: 'ar', dir: 'rtl', acknowledged: 'تكفّلت بها', address: 'شارع محمد الخامس، الدار البيضاء', pause: null },
  { lang: 'en', dir: 'ltr', acknowledged: 'Acknowledged by', address: 'Place Mohammed V, Casablanca', pause: null },
] as const;

for (const { lang, dir, acknowledged, address, pause } of LANGS) {
  test(`${lang}: answer, qualify with the keyboard, hand off, acknowledged by the nearest unit`, async ({ browser }) => {
    const base = process.env.CALLCENTER_E2E_URL!;
    mkdirSync(SCREENS, { recursive: true });
    // Expected refusals: a /me/call read, answer or hang-up racing the caller's hang-up: 409.
    const problems = new Problems([/^GET \/me\/call 409$/, /^POST \/me\/call\/(answer|hangup) 409$/]);
    const opContext = await browser.newContext();
    const dispContext = await browser.newContext();
    const opPage = await opContext.newPage();
    const dispPage = await dispContext.newPage();
    problems.watch(opPage, 'operator');
    problems.watch(dispPage, 'dispatcher');
    // Each screen is photographed and, in French and Arabic (English has French's layout),
    // checked against WCAG 2.1 A/AA with axe-core: contrast, labels, roles, names.
    const shot = (page: typeof opPage) => async (name: string) => {
      await page.screenshot({ path: join(SCREENS, `${lang}-${name}.png`), fullPage: true, animations: 'disabled' });
      if (lang !== 'en') await expectAccessible(page, `${lang}-${name}`);
    };
    const operator = new Operator(opPage, shot(opPage));
    const dispatcher = new Dispatcher(dispPage, shot(dispPage));

    await operator.open(base, lang);
    await expect(opPage.locator('html')).toHaveAttribute('dir', dir);
    await expect(opPage.locator('html')).toHaveAttribute('lang', lang);
    await shot(opPage)('operator-login');
    await operator.logIn('op01', PASSWORD);
    await operator.makeReady();
    await shot(opPage)('operator-waiting');
    if (pause) await operator.pauseAndResume(pause[0], pause[1]);

    await dispatcher.open(base, lang);
    await expect(dispPage.locator('html')).toHaveAttribute('dir', dir);
    await dispatcher.logIn('dispatcher', PASSWORD);

    // The demo's callers may hang up before the hand-off (a quarter end the conversation
    // themselves): then the call is gone from the seat, and the operator takes the next one.
    let ticket: string | null = null;
    for (let attempt = 1; attempt <= 4 && ticket === null; attempt += 1) {
      await operator.waitForTheRing();
      if (lang === 'ar') {
        // Right to left, but a phone number still reads left to right.
        const number = opPage.getByTestId('caller-number');
        expect(await number.evaluate((e) => getComputedStyle(e).direction)).toBe('ltr');
      }
      if (!(await operator.answer())) continue;
      const filled = await operator.qualifyWithTheKeyboard({
        incidentDown: 3, // theft
        priorityDown: 1, // P1
        address,
        latitude: '33.5950',
        longitude: '-7.6190',
        notes: lang === 'ar' ? 'مشتبه بهما على دراجة نارية' : 'two suspects on a scooter',
      });
      if (!filled) {
        test.info().annotations.push({ type: 'caller hung up', description: `attempt ${attempt}, while qualifying` });
        continue;
      }
      if (lang === 'en' && (await opPage.getByTestId('qualification').isVisible())) {
        await operator.reloadKeepsTheDraft(address);
        await opPage.getByTestId('address').focus();
        ticket = await operator.handOff('Enter');
      } else {
        ticket = await operator.handOff();
      }
      if (ticket === null) test.info().annotations.push({ type: 'caller hung up', description: `attempt ${attempt}` });
    }
    expect(ticket, 'a call handed off').not.toBeNull();
    if (ticket === null) return;
    await shot(opPage)('operator-handed-off');

    await dispatcher.seesTicket(ticket);
    const unit = await dispatcher.acknowledgeWithTheNearestUnit(ticket);

    await operator.seesAcknowledgedBy(ticket, unit, acknowledged);
    await shot(opPage)('operator-acknowledged');
    if (await operator.hangUp()) {
      await operator.seesTheWrapUp();
      await shot(opPage)('operator-wrap-up');
    }

    expect(problems.seen).toEqual([]);
    await opContext.close();
    await dispContext.close();
  });
}
