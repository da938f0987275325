/** The radio dispatcher's job on the console at `/dispatch`. */
import { expect, type Page } from '@playwright/test';

export class Dispatcher {
  constructor(
    readonly page: Page,
    private readonly shots: (name: string) => Promise<void>,
  ) {}

  async open(base: string, lang: string): Promise<void> {
    await this.page.goto(`${base}/dispatch?lang=${lang}`);
  }

  async logIn(user: string, password: string): Promise<void> {
    await this.page.locator('input[autocomplete="username"]').fill(user);
    await this.page.locator('input[autocomplete="current-password"]').fill(password);
    await this.page.keyboard.press('Enter');
    await expect(this.page.getByTestId('feed-status')).toHaveAttribute('data-status', 'live');
  }

  /** The ticket appears by itself (the live feed), no reload. */
  async seesTicket(ticket: string): Promise<void> {
    await expect(this.page.getByTestId(`ticket-${ticket}`)).toBeVisible({ timeout: 30_000 });
  }

  /** One ticket for the incident, however many call about it: its row counts the callers. */
  async seesCallers(ticket: string, count: number, text: string): Promise<void> {
    await expect(this.page.getByTestId(`callers-${ticket}`)).toContainText(text, { timeout: 30_000 });
    await expect(this.page.getByTestId(`callers-${ticket}`)).toContainText(String(count));
    await this.shots('dispatch-incident-callers');
  }

  async ticketCount(): Promise<number> {
    return this.page.getByTestId('tickets').getByRole('option').count();
  }

  /** Arrow keys to the ticket, then two keystrokes: 1 (the nearest unit) and Enter. */
  async acknowledgeWithTheNearestUnit(ticket: string): Promise<string> {
    const rows = this.page.getByTestId('tickets').getByRole('option');
    const row = this.page.getByTestId(`ticket-${ticket}`);
    for (let i = 0; i < 50 && (await row.getAttribute('aria-selected')) !== 'true'; i += 1) {
      const ids = await rows.evaluateAll((els) => els.map((e) => [e.id, e.getAttribute('aria-selected')]));
      const at = ids.findIndex(([, selected]) => selected === 'true');
      const want = ids.findIndex(([id]) => id === `ticket-${ticket}`);
      await this.page.keyboard.press(want > at ? 'ArrowDown' : 'ArrowUp');
    }
    await expect(row).toHaveAttribute('aria-selected', 'true');
    const first = this.page.getByTestId('candidates').getByRole('button').first();
    const unit = ((await first.getAttribute('data-testid')) ?? '').replace(/^candidate-/, '');
    expect(unit).not.toBe('');
    await this.page.keyboard.press('1');
    await expect(this.page.getByTestId('confirm-hint')).toContainText(unit);
    await this.shots('dispatch-console');
    await this.page.keyboard.press('Enter');
    await expect(row).toHaveCount(0);
    await expect(this.page.getByTestId('acknowledged')).toContainText(unit);
    await this.shots('dispatch-acknowledged');
    return unit;
  }
}
