/**
 * A page's problems, collected for the end of the test: console errors, failed requests, and
 * HTTP answers >= 400 except the ones a screen expects (listed per test).
 */
import type { Page } from '@playwright/test';

export class Problems {
  readonly seen: string[] = [];

  constructor(private readonly expected: RegExp[] = []) {}

  watch(page: Page, who: string): void {
    page.on('console', (message) => {
      // The browser also logs each HTTP error as "Failed to load resource": the response
      // listener below judges those (expected or not), so they are not counted twice.
      if (message.type() !== 'error' || message.text().startsWith('Failed to load resource')) return;
      this.seen.push(`${who} console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.seen.push(`${who} page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      const failure = request.failure()?.errorText ?? '';
      if (failure.includes('ERR_ABORTED') && request.url().includes('/live/')) return; // socket closed by us
      this.seen.push(`${who} request failed: ${request.method()} ${request.url()} ${failure}`);
    });
    page.on('response', (response) => {
      const line = `${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`;
      if (response.status() >= 400 && !this.expected.some((e) => e.test(line))) this.seen.push(`${who} HTTP ${line}`);
    });
  }
}
