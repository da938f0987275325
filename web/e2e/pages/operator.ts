/** The operator's job on the panel at `/`, as a person does it (keyboard where it matters). */
import { expect, type Page } from '@playwright/test';

export interface Qualification {
  incidentDown: number; // ArrowDown presses from "Choose…" in the incident list
  priorityDown: number;
  address: string;
  latitude: string;
  longitude: string;
  notes: string;
}

export class Operator {
  constructor(
    readonly page: Page,
    private readonly shots: (name: string) => Promise<void>,
  ) {}

  async open(base: string, lang: string): Promise<void> {
    await this.page.goto(`${base}/?lang=${lang}`);
  }

  async logIn(user: string, password: string): Promise<void> {
    await this.page.locator('input[autocomplete="username"]').fill(user);
    await this.page.locator('input[autocomplete="current-password"]').fill(password);
    await this.page.keyboard.press('Enter');
    await expect(this.page.getByTestId('signed-in')).toContainText(user);
    await expect(this.page.getByTestId('feed-status')).toHaveAttribute('data-status', 'live');
    await expect(this.page.getByTestId('seat-state')).toBeVisible();
  }

  /** Makes sure the seat takes calls (an earlier run may have left it paused or logged out). */
  async makeReady(): Promise<void> {
    const resume = this.page.getByRole('button', { name: /^(Reprendre|Resume|استئناف)$/ });
    const login = this.page.getByRole('button', { name: /^(Ouvrir le poste|Log the seat in|فتح المركز)$/ });
    if (await resume.isVisible()) await resume.click();
    if (await login.isVisible()) await login.click();
    await expect(resume).toHaveCount(0);
    await expect(login).toHaveCount(0);
  }

  /** Pause with a reason from the configured list (by its shown label), then resume. */
  async pauseAndResume(reasonLabel: string, pausedText: string): Promise<void> {
    await this.page.getByLabel(/Motif de pause|Pause reason|سبب الاستراحة/).selectOption({ label: reasonLabel });
    await this.page.getByRole('button', { name: /^(Pause|استراحة)$/ }).click();
    // In a busy room the seat may already ring: it keeps its call, and shows the pause.
    await expect(this.page.getByText(pausedText)).toBeVisible();
    await this.shots('operator-paused');
    await this.page.getByRole('button', { name: /^(Reprendre|Resume|استئناف)$/ }).click();
    await expect(this.page.getByText(pausedText)).toHaveCount(0);
  }

  /** A reload (or a network drop, or an expired session) loses nothing typed: the draft stays. */
  async reloadKeepsTheDraft(address: string): Promise<void> {
    await this.page.reload();
    await expect(this.page.getByTestId('address')).toHaveValue(address);
    await expect(this.page.getByTestId('incident_type')).toBeFocused();
  }

  /** Waits for the seat to ring (up to a few minutes: the demo's callers arrive at random). */
  async waitForTheRing(): Promise<void> {
    await expect(this.page.getByTestId('call-card')).toHaveAttribute('data-ringing', 'true', { timeout: 180_000 });
    await expect(this.page.getByTestId('ring-announcement')).not.toBeEmpty();
    await expect(this.page.getByTestId('caller-number')).toBeVisible();
  }

  /** The card says why the call was routed so (the FastAGI's entry decision) in the panel's
   * language, not the backend's English: `priorityWord` is the catalogue's word for priority;
   * in Arabic no Latin letter is left in the reason, and it reads right to left. */
  async seesWhyTheCallCameIn(lang: string, priorityWord: string): Promise<void> {
    const reason = this.page.getByTestId('decision-reason');
    await expect(reason).toHaveAttribute('data-translated', 'true');
    await expect(reason).toContainText(priorityWord);
    if (lang === 'ar') {
      expect(await reason.innerText()).not.toMatch(/[A-Za-z]/);
      expect(await reason.evaluate((e) => getComputedStyle(e).direction)).toBe('rtl');
    }
  }

  /** Answers; false when the caller gave up before (the ringing stopped). */
  async answer(): Promise<boolean> {
    await this.shots('operator-ringing');
    return this.unlessTheCallerHangsUp(async () => {
      await this.page.getByTestId('answer').click({ timeout: 10_000 });
      await expect(this.page.getByTestId('qualification')).toBeVisible();
    });
  }

  /** Runs a step of the call; false (not an error) when the call left the seat meanwhile. */
  private async unlessTheCallerHangsUp(step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (error) {
      const card = this.page.getByTestId('call-card');
      const gone = !(await this.page.getByTestId('qualification').isVisible()) && (await card.getAttribute('data-ringing')) !== 'true';
      if (gone) return false;
      throw error;
    }
  }

  /** Fills the form with the keyboard only: the incident list has the focus once answered.
   * The caller hanging up meanwhile changes nothing: the form stays until the hand-off. */
  async qualifyWithTheKeyboard(q: Qualification): Promise<void> {
    await this.fill(q);
  }

  private async fill(q: Qualification): Promise<void> {
    const incident = this.page.getByTestId('incident_type');
    await expect(incident).toBeFocused();
    const kb = this.page.keyboard;
    for (let i = 0; i < q.incidentDown; i += 1) await kb.press('ArrowDown');
    await kb.press('Tab');
    for (let i = 0; i < q.priorityDown; i += 1) await kb.press('ArrowDown');
    await kb.press('Tab');
    await kb.type(q.address);
    await kb.press('Tab');
    await kb.type(q.latitude);
    await kb.press('Tab');
    await kb.type(q.longitude);
    await kb.press('Tab'); // the call-back number, filled with the caller's
    await kb.press('Tab');
    await expect(this.page.getByTestId('notes')).toBeFocused();
    await kb.type(q.notes);
    await this.shots('operator-qualification');
  }

  /** Ctrl+Enter hands off (Enter from a one-line field does too); returns the ticket id shown,
   * or null when the form is gone (the call left the seat some other way than a hang-up). */
  async handOff(key = 'Control+Enter'): Promise<string | null> {
    const form = this.page.getByTestId('qualification');
    if (!(await form.isVisible())) return null;
    const before = await this.page.getByTestId('tickets').locator('li').count();
    await this.page.keyboard.press(key);
    const ticket = this.page.getByTestId('tickets').locator('li').first();
    await expect(async () => {
      const gone = !(await form.isVisible());
      const sent = (await this.page.getByTestId('tickets').locator('li').count()) > before;
      expect(gone || sent).toBe(true);
    }).toPass({ timeout: 15_000 });
    if ((await this.page.getByTestId('tickets').locator('li').count()) <= before) return null;
    await expect(ticket).toHaveAttribute('data-state', /sent|escalated|acknowledged/);
    return (await ticket.getAttribute('data-testid'))!.replace(/^ticket-/, '');
  }

  /** The caller hung up: the card says so, and the form is still there with what was typed. */
  async seesTheCallerHungUp(address: string): Promise<void> {
    await expect(this.page.getByTestId('caller-hung-up')).toBeVisible({ timeout: 15_000 });
    await expect(this.page.getByTestId('qualification')).toBeVisible();
    await expect(this.page.getByTestId('address')).toHaveValue(address);
    await expect(this.page.getByTestId('hangup')).toHaveCount(0);
    await this.shots('operator-hung-up');
  }

  async keepsTheHungUpFormWhileTheNextCallRings(address: string): Promise<void> {
    await this.waitForTheRing();
    await expect(this.page.getByTestId('form-caller-hung-up')).toBeVisible();
    await expect(this.page.getByTestId('address')).toHaveValue(address);
    await this.shots('operator-hung-up-next-ringing');
  }

  /** The open incidents this call may report are suggested while the form is filled, the
   * expected one first, with why. */
  async seesTheSuggestedIncident(incident: string, reasons: string[]): Promise<void> {
    const first = this.page.getByTestId('suggestion-0');
    await expect(first).toHaveAttribute('data-incident', incident, { timeout: 15_000 });
    for (const reason of reasons) await expect(first.locator(`[data-reason="${reason}"]`)).toBeVisible();
    await this.shots('operator-incident-suggested');
  }

  /** One key, F8, attaches the call to the first suggestion and hands it off with its
   * qualification: the form goes, and the seat's hand-offs show the incident's ticket (the
   * one the first caller's hand-off opened: no second ticket). */
  async attachToTheFirstSuggestion(ticket: string): Promise<void> {
    await this.page.keyboard.press('F8');
    await expect(this.page.getByTestId('qualification')).toHaveCount(0, { timeout: 15_000 });
    await expect(this.page.getByTestId(`ticket-${ticket}`)).toBeVisible();
    await this.shots('operator-incident-attached');
  }

  async seesAcknowledgedBy(ticket: string, unit: string, text: string): Promise<void> {
    const row = this.page.getByTestId(`ticket-${ticket}`);
    await expect(row).toHaveAttribute('data-state', 'acknowledged');
    await expect(row).toContainText(text);
    await expect(row).toContainText(unit);
  }

  /** Hangs up, unless the caller already did; then the seat is in wrap-up for the queue's
   * wrapuptime, with a countdown. False when there was nothing to hang up. */
  async hangUp(): Promise<boolean> {
    const button = this.page.getByTestId('hangup');
    if (!(await button.isVisible())) return false;
    await button.focus().catch(() => {});
    await this.page.keyboard.press('Enter');
    // The call is over when its hang-up button is gone, or when the next caller already rings
    // (a ringing call has its own hang-up button: reject).
    const card = this.page.getByTestId('call-card');
    await expect
      .poll(async () => (await this.page.getByTestId('hangup').count()) === 0 || (await card.getAttribute('data-ringing')) === 'true', { timeout: 30_000 })
      .toBe(true);
    return true;
  }

  async seesTheWrapUp(): Promise<void> {
    await expect(this.page.getByTestId('seat-state')).toHaveAttribute('data-state', 'wrap_up', { timeout: 5_000 });
    await expect(this.page.getByTestId('wrap-up')).toBeVisible();
  }
}
