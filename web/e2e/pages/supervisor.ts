/** The supervisor's job on the wallboard at `/wallboard`. */
import { expect, type Page } from '@playwright/test';

export class Supervisor {
  constructor(readonly page: Page) {}

  async open(base: string, lang: string, wall = false): Promise<void> {
    await this.page.goto(`${base}/wallboard?lang=${lang}${wall ? '&wall=1' : ''}`);
  }

  async logIn(user: string, password: string): Promise<void> {
    await this.page.locator('input[autocomplete="username"]').fill(user);
    await this.page.locator('input[autocomplete="current-password"]').fill(password);
    await this.page.keyboard.press('Enter');
    await expect(this.page.getByTestId('feed-status')).toHaveAttribute('data-status', 'live');
    await expect(this.page.getByTestId('seat-grid').locator('li')).toHaveCount(20);
  }

  async callsWaiting(): Promise<number> {
    return Number(await this.page.getByTestId('tile-waiting-value').innerText());
  }

  /** Watches the burn-rate forecast until it leaves "ok"; returns the first other status
   * and the 15 s figure the tile showed at that moment. */
  async firstBurnAlert(timeoutMs: number): Promise<{ status: string; measured: string }> {
    const banner = this.page.getByTestId('burn-rate');
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const status = (await banner.getAttribute('data-status')) ?? 'unknown';
      if (status !== 'ok' && status !== 'unknown') {
        return { status, measured: await this.page.getByTestId('tile-within-value').innerText() };
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error('the burn-rate alert never fired');
  }

  /** The last caller in the queue, moved up with a reason; returns its call id. */
  async reprioritiseTheLastCaller(reason: string): Promise<string> {
    const rows = this.page.getByTestId('waiting-calls').locator('tbody tr');
    const last = rows.last();
    const id = ((await last.getAttribute('data-testid')) ?? '').replace(/^waiting-/, '');
    expect(Number(await last.getAttribute('data-position'))).toBeGreaterThan(1);
    await this.page.getByTestId(`reprioritise-${id}`).click();
    await expect(this.page.getByTestId('new-priority')).toBeFocused();
    await this.page.getByTestId('priority-reason').fill(reason);
    await this.page.keyboard.press('Enter');
    return id;
  }

  async seesAtTheTop(id: string): Promise<void> {
    await expect(this.page.getByTestId(`waiting-${id}`)).toHaveAttribute('data-position', '1', { timeout: 15_000 });
  }

  /** Force-pause a seat with a reason from the list (the keyboard picks it), then see it
   * paused (or paused after its call: Asterisk lets a call in progress go on). */
  async forcePause(seat: string, reasonDown: number): Promise<void> {
    await this.page.getByRole('button', { name: new RegExp(`${seat}`) }).filter({ hasText: /Pause|استراحة/ }).first().click();
    const reason = this.page.getByTestId('force-pause-reason');
    await expect(reason).toBeFocused();
    for (let i = 0; i < reasonDown; i += 1) await this.page.keyboard.press('ArrowDown');
    await this.page.getByTestId('seat-action-confirm').click();
    await expect(this.page.getByTestId(`seat-${seat}`)).toHaveAttribute('data-paused', 'true', { timeout: 20_000 });
  }

  async logOut(seat: string): Promise<void> {
    await this.page.getByTestId(`seat-${seat}`).getByRole('button').last().click();
    await this.page.getByTestId('seat-action-confirm').click();
    await expect(this.page.getByTestId(`seat-${seat}`)).toHaveAttribute('data-state', 'logged_out', { timeout: 20_000 });
  }
}
