import path from 'node:path';
import type { Browser } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { OPS_KEY } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';

/** What a reader in Chromium ends up with when logins end or the socket is blocked. */
describe('reader faults in a real browser', () => {
  let t: TestSetup;
  let browser: Browser;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 } });
    browser = await launchBrowser();
    await opsApi(t.url).createTicker({ id: 'night', title: 'Election night', status: 'live', locale: 'en' });
    await opsApi(t.url).post('night', { body: '<p>Polls closed.</p>' });
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  const entries = (page: import('playwright-core').Page) => page.$$eval('.lt-list .lt-body', (els) => els.map((e) => e.textContent));

  it('a stale token left in the page shows the ticker and the chat (as an anonymous reader)', async () => {
    const user = await makeUser(t.url);
    await raw(t.url, 'POST', '/auth/logout', undefined, { authorization: `Bearer ${user.token}` });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript((token) => sessionStorage.setItem('liveticker.token', token), user.token);
    // The chat's script arrives after the shared connection was refused the stale token (as on a
    // slow network): the chat must not take the dead token up again.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/sdk/liveticker-chat.js', async (route) => {
      await held;
      await route.continue();
    });
    // (The held script holds the load event too.)
    await page.goto(`${t.url}/widgets/live.html?ticker=night&lang=en`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.lt-list .lt-body');
    expect(await page.textContent('.lt-title')).toBe('Election night');
    await new Promise((r) => setTimeout(r, 500));
    release();
    await page.waitForSelector('.ltc-join');
    expect(await page.evaluate(() => sessionStorage.getItem('liveticker.token'))).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a ban while reading: the chat says so, the ticker keeps going live', async () => {
    const user = await makeUser(t.url);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.addInitScript((token) => sessionStorage.setItem('liveticker.token', token), user.token);
    await page.goto(`${t.url}/widgets/live.html?ticker=night&lang=en`);
    await page.waitForSelector('.ltc-box textarea');
    expect((await raw(t.url, 'PATCH', `/users/${user.id}`, { banned: true }, { authorization: `Bearer ${OPS_KEY}` })).status).toBe(200);
    await page.waitForFunction(() => /banned from the discussion/.test(document.querySelector('.ltc-note.err')?.textContent ?? ''));
    // No invitation to log in again beside it, and no message box.
    expect(await page.$$('.ltc-join, .ltc-box input, .ltc-box textarea')).toHaveLength(0);
    await opsApi(t.url).post('night', { body: '<p>After the ban.</p>' });
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.lt-list .lt-body')).some((e) => e.textContent === 'After the ban.'));
    await page.screenshot({ path: path.join(SHOTS, 'live-banned.png') });
    await page.close();
  });

  it('WebSocket blocked: the ticker is kept current over REST and says so', async () => {
    const page = await browser.newPage();
    // A network that refuses WebSockets (as some corporate proxies do); REST passes.
    await page.routeWebSocket(/\/socket\.io\//, (ws) => ws.close({ code: 1008, reason: 'blocked' }));
    await page.goto(`${t.url}/widgets/ticker.html?ticker=night&lang=en&order=oldest`);
    await page.waitForSelector('.lt-list .lt-body', { timeout: 30_000 });
    await page.waitForFunction(() => /refreshes regularly/.test(document.querySelector('.lt-offline:not([hidden])')?.textContent ?? ''), undefined, { timeout: 30_000 });
    const before = (await entries(page)).length;
    await opsApi(t.url).post('night', { body: '<p>Seen by polling.</p>' });
    await page.waitForFunction((n) => document.querySelectorAll('.lt-list .lt-body').length === n + 1, before, { timeout: 20_000 });
    expect((await entries(page)).at(-1)).toBe('Seen by polling.');
    await page.close();
  });
});
