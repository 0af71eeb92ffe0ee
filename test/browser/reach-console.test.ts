import fs from 'node:fs';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Browser, Page } from 'playwright-core';
import { testConfig } from '@liveticker/server';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The console's Reach tab as an editor reads it, at a desk's width and a phone's: the totals, the
 * readers-online chart with the entries marked, the charts' numbers as a table, the entries by
 * readers (sortable), the sources; what it shows comes from real beacons and real reader sockets.
 */
describe.each([1280, 390])('the Reach tab at %i px', (width) => {
  let t: TestSetup;
  let browser: Browser;
  let editor: Awaited<ReturnType<typeof makeUser>>;
  const sockets: Socket[] = [];
  const entries: string[] = [];

  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 }, analytics: { ...testConfig().analytics, sampleMs: 200 } });
    browser = await launchBrowser();
    editor = await makeUser(t.url, 'editor');
    await raw(t.url, 'PATCH', '/me', { locale: 'en' }, { authorization: `Bearer ${editor.token}` });
    const api = opsApi(t.url);
    await api.createTicker({ id: 'night', title: 'Election night', status: 'live', locale: 'en' });
    // More entries than one page of the list (100): every one published in the chart's range is marked.
    for (let i = 0; i < 101; i++) await api.post('night', { body: `<p>Early note ${i}.</p>` });
    for (const title of ['Polls close', 'First projection', 'The winner speaks']) entries.push((await api.post('night', { title, body: `<p>${title}.</p>` })).id as string);
    // Three readers' page views from two places, what they saw and for how long, and a click.
    const beacon = (ua: string, events: unknown[]) =>
      raw(t.url, 'POST', '/analytics/events', JSON.stringify({ batchId: `b-${Math.random().toString(36).slice(2)}`, tickerId: 'night', events }), { 'content-type': 'text/plain', 'user-agent': ua, origin: 'https://news.example' });
    await beacon('A', [{ type: 'page.view', host: 'search.example' }, { type: 'entry.view', entryId: entries[0] }, { type: 'entry.time', entryId: entries[0], seconds: 4 }]);
    await beacon('B', [{ type: 'page.view', host: 'search.example' }, { type: 'entry.view', entryId: entries[0] }, { type: 'entry.view', entryId: entries[1] }, { type: 'entry.time', entryId: entries[1], seconds: 30 }]);
    await beacon('C', [{ type: 'page.view', host: 'social.example' }, { type: 'entry.view', entryId: entries[0] }, { type: 'entry.view', entryId: entries[1] }, { type: 'entry.view', entryId: entries[2] }, { type: 'link.click', entryId: entries[2], host: 'source.example' }]);
    for (let i = 0; i < 2; i++) {
      const s = connect(t.url, { transports: ['websocket'], reconnection: false, auth: { readerId: `reach-reader-${width}-${i}` } });
      sockets.push(s);
      await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:night' });
    }
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await browser?.close();
    await t.close();
  });

  async function open(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, isMobile: width < 600, locale: 'en-US' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript((tk) => sessionStorage.setItem('liveticker.console.session', tk), editor.token);
    await page.goto(`${t.url}/console.html?ticker=night&tab=reach`);
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  }

  it('shows an editor who read the ticker, what they read, and where they came from', async () => {
    const page = await open();
    await page.waitForSelector('[data-testid=reach-totals] dd');
    // Readers online come from the sockets every 10 s on a live node (here 200 ms); the tab asks again by itself.
    await page.locator('[data-testid=reach] [data-span=all]').click();
    await waitFor(async () => (await page.textContent('[data-total=peak]')) === '2', 'two readers online on the page', 20_000);
    expect(await page.textContent('[data-total=pageViews]')).toBe('3');
    expect(await page.textContent('[data-total=uniques]')).toBe('3');
    // Two charts drawn, with the entries' publish times marked on the first: all 104 published since the ticker was made.
    expect(await page.locator('[data-testid=reach] canvas').count()).toBe(2);
    await waitFor(async () => (await page.getAttribute('[data-testid=reach] .ltx-chart [data-marks]', 'data-marks')) === '104', 'every entry in the range marked');
    // The entries by readers, then by time in view.
    const rows = () => page.locator('[data-testid=reach-entries] tbody tr th').allTextContents();
    expect(await rows()).toEqual(['Polls close', 'First projection', 'The winner speaks']);
    await page.locator('[data-testid=reach-entries] [data-sort=avgSecondsInView]').click();
    expect(await rows()).toEqual(['First projection', 'Polls close', 'The winner speaks']);
    expect(await page.locator('[data-testid=reach-entries] th[aria-sort=descending] [data-sort=avgSecondsInView]').count()).toBe(1);
    expect(await page.locator('.ltx-reach-sources li').allTextContents()).toEqual(['search.example: 2', 'social.example: 1']);
    // The charts' numbers as a table, for screen readers.
    await page.locator('.ltx-reach-table summary').click();
    expect(await page.locator('.ltx-reach-table tbody tr').count()).toBeGreaterThan(0);

    // Nothing wider than the screen; no serious or critical axe finding.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.evaluate(AXE);
    const found = (await page.evaluate(() => (window as any).axe.run(document, { resultTypes: ['violations'] }))) as { violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> };
    expect(found.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} ${JSON.stringify(v.nodes.map((n) => n.target))}`)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, `console-reach-${width}.png`), fullPage: true });
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.context().close();
  });
});
