/** The auditor's job at `/audit`: find a call, open it, replay it. */
import { expect, type Page } from '@playwright/test';

export class Auditor {
  constructor(readonly page: Page) {}

  async open(base: string, lang: string): Promise<void> {
    await this.page.goto(`${base}/audit?lang=${lang}`);
  }

  async logIn(user: string, password: string): Promise<void> {
    await this.page.locator('input[autocomplete="username"]').fill(user);
    await this.page.locator('input[autocomplete="current-password"]').fill(password);
    await this.page.keyboard.press('Enter');
    await expect(this.page.getByTestId('audit-filter')).toBeVisible();
  }

  async search(filter: { seat?: string; outcome?: string }): Promise<void> {
    if (filter.seat) await this.page.getByTestId('filter-seat').fill(filter.seat);
    if (filter.outcome) await this.page.getByTestId('filter-outcome').selectOption(filter.outcome);
    await this.page.getByTestId('filter-submit').click();
    await expect(this.page.getByTestId('audit-results')).toBeVisible();
  }

  async openCall(id: string): Promise<void> {
    await this.page.getByTestId(`result-${id}`).getByRole('link').click();
    await expect(this.page.getByTestId('call-page')).toBeVisible();
  }

  /** The FastAGI's entry decision on the timeline says why in the auditor's language: with
   * `priorityWord`, and in Arabic without a Latin letter left (no backend English). */
  async readsWhyTheCallCameIn(lang: string, priorityWord: string): Promise<void> {
    const detail = this.page.getByTestId('timeline').locator('li[data-kind="entry_decision"] .cc-dim');
    await expect(detail).toContainText(priorityWord);
    if (lang === 'ar') expect(await detail.innerText()).not.toMatch(/[A-Za-z]/);
  }

  /** Plays the call at 16× and returns the step kinds in the order the replay reached them. */
  async replayAt16x(): Promise<string[]> {
    await this.page.getByTestId('replay-speed').getByText('16×').click();
    const steps = this.page.getByTestId('timeline').locator('li');
    const count = await steps.count();
    await this.page.getByTestId('replay-play').click();
    const reached: string[] = [];
    const moment = this.page.getByTestId('replay-moment');
    const until = Date.now() + 120_000;
    let seen = -1;
    while (seen < count - 1 && Date.now() < until) {
      const index = Number(await moment.getAttribute('data-index'));
      for (let i = seen + 1; i <= index; i += 1) reached.push((await steps.nth(i).getAttribute('data-kind')) ?? '');
      seen = Math.max(seen, index);
      await this.page.waitForTimeout(50);
    }
    return reached;
  }
}
