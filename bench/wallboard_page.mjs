// The browser side of bench/wallboard_freshness.py: Debian's chromium opens the wallboard as
// the supervisor, collects for `seconds` what the page recorded in window.__ccFreshness (the
// time each call event changed the calls-waiting tile on screen) and writes it as JSON.
// Usage: node bench/wallboard_page.mjs <base-url> <seconds> <out.json>
import { writeFileSync } from 'node:fs';

const { chromium } = await import(new URL('../web/node_modules/playwright-core/index.mjs', import.meta.url).href);
const [base, seconds, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CALLCENTER_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
await page.addInitScript(() => {
  window.__ccFreshness = [];
});
await page.goto(`${base}/wallboard?wall=1`);
await page.locator('input[autocomplete="username"]').fill('supervisor');
await page.locator('input[autocomplete="current-password"]').fill('demo-password');
await page.keyboard.press('Enter');
await page.getByTestId('feed-status').and(page.locator('[data-status=live]')).waitFor({ timeout: 60_000 });
const readyAt = Date.now();
process.stdout.write('ready\n');
await page.waitForTimeout(Number(seconds) * 1000);
const shown = await page.evaluate(() => window.__ccFreshness);
writeFileSync(out, JSON.stringify({ readyAt, shown, errors }));
await browser.close();
