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
  { lang: 'fr', dir: 'ltr', acknowledged: 'Pris en charge par', address: 'Bd Mohammed V, Casablanca', pause: ['Formation', 'En pause : Formation'], priority: 'priorité' },
  { lang: 'ar', dir: 'rtl', acknowledged: 'تكفّلت بها', address: 'شارع محمد الخامس، الدار البيضاء', pause: null, priority: 'الأولوية' },
  { lang: 'en', dir: 'ltr', acknowledged: 'Acknowledged by', address: 'Place Mohammed V, Casablanca', pause: null, priority: 'priority' },
] as const;

for (const { lang, dir, acknowledged, address, pause, priority } of LANGS) {
  test(`${lang}: answer, qualify with the keyboard, hand off, acknowledged by the nearest unit`, async ({ browser }) => {
    const base = process.env.CALLCENTER_E2E_URL!;
    mkdirSync(SCREENS, { recursive: true });
    // Expected refusals: a /me/call read with no call to show (409), an answer or hang-up
    // racing the caller's hang-up (409).
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

    // A caller may give up while the seat rings: the operator answers the next one. Once
    // answered, the call is handed off even if the caller hangs up meanwhile.
    let answered = false;
    for (let attempt = 1; attempt <= 4 && !answered; attempt += 1) {
      await operator.waitForTheRing();
      if (lang === 'ar') {
        // Right to left, but a phone number still reads left to right.
        const number = opPage.getByTestId('caller-number');
        expect(await number.evaluate((e) => getComputedStyle(e).direction)).toBe('ltr');
      }
      answered = await operator.answer();
      if (!answered) test.info().annotations.push({ type: 'caller gave up while ringing', description: `attempt ${attempt}` });
    }
    expect(answered, 'a call answered').toBe(true);
    // Why the call came in (the FastAGI's decision), in the operator's language.
    await operator.seesWhyTheCallCameIn(lang, priority);
    await opPage.getByTestId('call-card').screenshot({ path: join(SCREENS, `${lang}-operator-call-card.png`), animations: 'disabled' });
    await operator.qualifyWithTheKeyboard({
      incidentDown: 3, // theft
      priorityDown: 1, // P1
      address,
      latitude: '33.5950',
      longitude: '-7.6190',
      notes: lang === 'ar' ? 'مشتبه بهما على دراجة نارية' : 'two suspects on a scooter',
    });
    let ticket: string | null;
    if (lang === 'en') {
      await operator.reloadKeepsTheDraft(address);
      await opPage.getByTestId('address').focus();
      ticket = await operator.handOff('Enter');
    } else {
      ticket = await operator.handOff();
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

const HUNG_UP = [
  { lang: 'fr', acknowledged: 'Pris en charge par', address: 'Rue Ibn Batouta, Casablanca' },
  { lang: 'ar', acknowledged: 'تكفّلت بها', address: 'زنقة ابن بطوطة، الدار البيضاء' },
] as const;

for (const { lang, acknowledged, address } of HUNG_UP) {
  test(`${lang}: the caller hangs up before the hand-off, the operator still hands the call off`, async ({ browser, request }) => {
    const base = process.env.CALLCENTER_E2E_URL!;
    const control = process.env.CALLCENTER_E2E_CONTROL!;
    mkdirSync(SCREENS, { recursive: true });
    const problems = new Problems([/^GET \/me\/call 409$/, /^POST \/me\/call\/(answer|hangup) 409$/]);
    const opContext = await browser.newContext();
    const dispContext = await browser.newContext();
    const opPage = await opContext.newPage();
    const dispPage = await dispContext.newPage();
    problems.watch(opPage, 'operator');
    problems.watch(dispPage, 'dispatcher');
    const shot = (page: typeof opPage) => async (name: string) => {
      await page.screenshot({ path: join(SCREENS, `${lang}-${name}.png`), fullPage: true, animations: 'disabled' });
      if (name.startsWith('operator-hung-up')) await expectAccessible(page, `${lang}-${name}`);
    };
    const operator = new Operator(opPage, shot(opPage));
    const dispatcher = new Dispatcher(dispPage, shot(dispPage));
    await operator.open(base, lang);
    await operator.logIn('op01', PASSWORD);
    await operator.makeReady();
    await dispatcher.open(base, lang);
    await dispatcher.logIn('dispatcher', PASSWORD);

    let answered = false;
    for (let attempt = 1; attempt <= 4 && !answered; attempt += 1) {
      await operator.waitForTheRing();
      answered = await operator.answer();
    }
    expect(answered, 'a call answered').toBe(true);
    await operator.qualifyWithTheKeyboard({ incidentDown: 1, priorityDown: 1, address, latitude: '33.5890', longitude: '-7.6040', notes: 'fire' });
    // The line ends before the hand-off (the simulator ends the call, as when the caller
    // hangs up): the seat has no call any more, the form stays and can still be sent.
    const ended = await request.post(`${control}/_seats/seat01/hangup`);
    expect(ended.ok(), await ended.text()).toBe(true);
    await operator.seesTheCallerHungUp(address);
    // The busy room's next caller rings once the wrap-up is over: the hung-up call's form
    // stays first, says whose it is, and still goes (the panel names the call it was for).
    await operator.keepsTheHungUpFormWhileTheNextCallRings(address);
    await opPage.getByTestId('notes').focus();
    const ticket = await operator.handOff();
    expect(ticket, 'the hung-up call handed off').not.toBeNull();
    if (ticket === null) return;
    await expect(opPage.getByTestId('caller-hung-up')).toHaveCount(0); // nothing left to do with it
    await expect(opPage.getByTestId('orphan-draft')).toHaveCount(0);

    await dispatcher.seesTicket(ticket);
    const unit = await dispatcher.acknowledgeWithTheNearestUnit(ticket);
    await operator.seesAcknowledgedBy(ticket, unit, acknowledged);

    expect(problems.seen).toEqual([]);
    await opContext.close();
    await dispContext.close();
  });
}

const SAME_FIRE = [
  { lang: 'fr', callers: 'appelants', where: '12 rue Tahar Sebti, Casablanca', again: 'Tahar Sebti n°12', lat: '33.5731', lon: '-7.5898' },
  { lang: 'ar', callers: 'متصلين', where: '40 Bd Rahal El Meskini, Casablanca', again: 'Rahal Meskini n°40', lat: '33.5905', lon: '-7.6115' },
] as const;

for (const { lang, callers, where, again, lat, lon } of SAME_FIRE) {
  test(`${lang}: a second caller reports the same fire: attached by one key, one ticket with 2 callers`, async ({ browser }) => {
    const base = process.env.CALLCENTER_E2E_URL!;
    mkdirSync(SCREENS, { recursive: true });
    const problems = new Problems([/^GET \/me\/call 409$/, /^POST \/me\/call\/(answer|hangup) 409$/]);
    const opContext = await browser.newContext();
    const dispContext = await browser.newContext();
    const audContext = await browser.newContext();
    const opPage = await opContext.newPage();
    const dispPage = await dispContext.newPage();
    const audPage = await audContext.newPage();
    problems.watch(opPage, 'operator');
    problems.watch(dispPage, 'dispatcher');
    problems.watch(audPage, 'auditor');
    const shot = (page: typeof opPage) => async (name: string) => {
      await page.screenshot({ path: join(SCREENS, `${lang}-${name}.png`), fullPage: true, animations: 'disabled' });
      if (name.includes('incident')) await expectAccessible(page, `${lang}-${name}`);
    };
    const operator = new Operator(opPage, shot(opPage));
    const dispatcher = new Dispatcher(dispPage, shot(dispPage));
    await operator.open(base, lang);
    await operator.logIn('op01', PASSWORD);
    await operator.makeReady();
    await dispatcher.open(base, lang);
    await dispatcher.logIn('dispatcher', PASSWORD);

    const answerNext = async () => {
      let answered = false;
      for (let attempt = 1; attempt <= 4 && !answered; attempt += 1) {
        await operator.waitForTheRing();
        answered = await operator.answer();
      }
      expect(answered, 'a call answered').toBe(true);
    };
    const fire = { incidentDown: 5, priorityDown: 1, latitude: lat, longitude: lon }; // fire, P1

    // The first caller: the fire is qualified and handed off (it opens the incident).
    await answerNext();
    await operator.qualifyWithTheKeyboard({ ...fire, address: where, notes: 'fumée au 3e étage' });
    const ticket = await operator.handOff();
    expect(ticket, 'the first caller handed off').not.toBeNull();
    if (ticket === null) return;
    await dispatcher.seesTicket(ticket);
    const tickets = await dispatcher.ticketCount();
    await operator.hangUp();

    // The next caller reports the same fire: it is suggested first, with why; F8 attaches it.
    await answerNext();
    await operator.qualifyWithTheKeyboard({ ...fire, latitude: (Number(lat) + 0.0002).toFixed(4), longitude: (Number(lon) + 0.0002).toFixed(4), address: again, notes: 'des gens aux fenêtres' });
    await operator.seesTheSuggestedIncident(`I-${await callOfTicket(dispPage, ticket)}`, ['near', 'same_address', 'same_type']);
    await operator.attachToTheFirstSuggestion(ticket);

    // The dispatcher: still one ticket for the fire, reported by 2 callers.
    await dispatcher.seesCallers(ticket, 2, callers);
    expect(await dispatcher.ticketCount()).toBe(tickets);
    await dispPage.getByTestId(`ticket-${ticket}`).click();
    await expect(dispPage.getByTestId('detail-callers')).toContainText('2');

    // The auditor: the incident with both calls, the attachment on the second one's timeline.
    const incident = `I-${await callOfTicket(dispPage, ticket)}`;
    await audPage.goto(`${base}/audit?lang=${lang}`);
    await audPage.locator('input[autocomplete="username"]').fill('auditor');
    await audPage.locator('input[autocomplete="current-password"]').fill(PASSWORD);
    await audPage.keyboard.press('Enter');
    await expect(audPage.getByTestId('audit-filter')).toBeVisible();
    await audPage.goto(`${base}/audit/incident/${encodeURIComponent(incident)}?lang=${lang}`);
    await expect(audPage.getByTestId('incident-callers')).toContainText('2');
    await expect(audPage.locator('[data-testid^="incident-call-"]')).toHaveCount(2);
    await expect(audPage.locator('li[data-kind="attached"]')).toHaveCount(1);
    await expect(audPage.locator('li[data-kind="incident_report"]')).toHaveCount(1);
    await shot(audPage)('audit-incident');
    await operator.hangUp(); // the seat is free for the next test's caller

    expect(problems.seen).toEqual([]);
    await opContext.close();
    await dispContext.close();
    await audContext.close();
  });
}

/** The call a ticket was opened for (its incident is named after it). */
async function callOfTicket(page: import('@playwright/test').Page, ticket: string): Promise<string> {
  const token = await page.evaluate(() => {
    for (let i = 0; i < sessionStorage.length; i += 1) {
      const value = sessionStorage.getItem(sessionStorage.key(i)!) ?? '';
      const match = /"token":"([^"]+)"/.exec(value);
      if (match) return match[1]!;
    }
    return null;
  });
  const response = await page.request.get(`${process.env.CALLCENTER_E2E_URL!}/dispatch/tickets`, { headers: { Authorization: `Bearer ${token}` } });
  const found = ((await response.json()) as { id: string; call_id: string }[]).find((t) => t.id === ticket);
  return found!.call_id;
}
