import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { AnalyticsReport } from '@liveticker/schemas';
import { launchBrowser } from '../helpers/browser';
import { testConfig } from '@liveticker/server';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { makeUser } from '../helpers/cluster';
import { waitFor } from '../helpers/wait';

/**
 * The widget's reach counting in Chromium, on an article page of another origin: a page view with
 * its referrer's host, entries seen, an outbound link's host, all in a beacon when the reader
 * leaves; nothing at all where the browser sends Global Privacy Control or Do Not Track, or where
 * the newsroom wrote `analytics="off"`.
 */
describe('reach counting in the ticker widget, in a real browser', () => {
  let t: TestSetup;
  let browser: Browser;
  let host: http.Server;
  let hostUrl: string;
  let html = '';
  let editor: Awaited<ReturnType<typeof makeUser>>;

  beforeAll(async () => {
    host = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', () => resolve()));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    t = await setup('sqlite', 'memory', { corsOrigins: [hostUrl], scrypt: { logN: 10, r: 8, p: 1 } });
    editor = await makeUser(t.url, 'editor');
    browser = await launchBrowser();
    const api = opsApi(t.url);
    for (const id of ['reach', 'private', 'off', 'pushed', 'links']) await api.createTicker({ id, title: `Reach ${id}`, status: 'live', locale: 'en' });
    // The source the entry links to: a page of its own (another host than the article's in name only).
    await api.post('reach', { title: 'Polls close', body: `<p>Read the <a href="http://localhost:${new URL(hostUrl).port}/report">official report</a>.</p>` });
    for (const id of ['private', 'off', 'pushed']) await api.post(id, { body: '<p>An entry.</p>' });
    await api.post('links', { body: `<p>See <a href="${hostUrl}/another-article">our other story</a> and <a href="https://source.example/doc">the source</a>.</p>` });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((r) => host.close(r));
  });

  const RECORD_BEACONS = `(() => {
    window.__beacons = [];
    const send = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url, data) => { window.__beacons.push(String(data)); return send(url, data); };
  })();`;
  const page = (ticker: string, attrs = '', server = t.url) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article</title></head><body><h1>Article</h1>
<liveticker-ticker ticker="${ticker}" lang="en" server="${server}" ${attrs}></liveticker-ticker><script src="${server}/sdk/liveticker.js" async></script></body></html>`;

  /** Opens the article in a fresh context, with `init` run before the page's scripts; collects the beacons it sends. */
  async function open(ticker: string, opts: { attrs?: string; init?: string; referer?: string; server?: string } = {}): Promise<Page> {
    html = page(ticker, opts.attrs, opts.server);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    if (opts.init) await context.addInitScript(opts.init);
    // Every beacon the page sends, kept in the page (DevTools does not report one sent as a page is left).
    await context.addInitScript(RECORD_BEACONS);
    const p = await context.newPage();
    await p.goto(`${hostUrl}/article`, opts.referer ? { referer: opts.referer } : undefined);
    await p.waitForSelector('liveticker-ticker .lt-list .lt-entry');
    return p;
  }
  /** The page goes into the background (another tab): what was counted leaves now; the beacons sent so far. */
  const hide = async (p: Page): Promise<string[]> =>
    p.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
      return (window as unknown as { __beacons: string[] }).__beacons;
    });
  const report = async (ticker: string) => (await raw(t.url, 'GET', `/tickers/${ticker}/analytics`, undefined, { authorization: `Bearer ${editor.token}` })).body as AnalyticsReport;

  it('counts the page view with its referrer, the entry the reader saw and the link they followed, in a beacon as they leave', async () => {
    const p = await open('reach', { referer: 'https://search.example/results?q=election' });
    // An entry counts as seen after a second in view: the reader reads for a moment, then looks at another tab.
    await p.waitForTimeout(2000);
    const beacons = await hide(p);
    expect(beacons).toHaveLength(1);
    const sent = JSON.parse(beacons[0]!) as { batchId: string; tickerId: string; events: Array<{ type: string; host?: string; entryId?: string; seconds?: number }> };
    expect(sent.tickerId).toBe('reach');
    expect(sent.batchId).toMatch(/^[0-9a-f]{24}$/);
    expect(sent.events).toEqual([{ type: 'page.view', host: 'search.example' }, { type: 'entry.view', entryId: expect.any(String) }, { type: 'entry.time', entryId: expect.any(String), seconds: expect.any(Number) }]);
    // Back, the reader follows the entry's link: the page is left, and the click leaves with it.
    await p.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await p.locator('liveticker-ticker .lt-list .lt-entry a[href*="/report"]').click();
    const r = (await waitFor(async () => {
      const got = await report('reach');
      return got.entries[0]?.clicks === 1 ? got : undefined;
    }, 'the counts on the server'))!;
    expect(r.sources).toEqual([{ host: 'search.example', pageViews: 1 }]);
    expect(r.totals.pageViews).toBe(1);
    expect(r.entries[0]).toMatchObject({ title: 'Polls close', views: 1, clicks: 1 });
    expect(r.totals.uniqueReaders).toBe(1);
    await p.context().close();
  });

  it('counts a page opened from a push notification as opened from a push', async () => {
    html = page('pushed');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(RECORD_BEACONS);
    const p = await context.newPage();
    await p.goto(`${hostUrl}/article?utm_source=liveticker&utm_medium=push`);
    await p.waitForSelector('liveticker-ticker .lt-list .lt-entry');
    const [sent] = await hide(p);
    expect(JSON.parse(sent!).events[0]).toEqual({ type: 'page.view', fromPush: true });
    await waitFor(async () => (await report('pushed')).push.clicked === 1, 'the push click counted');
    await context.close();
  });

  it('sends nothing where the browser asks not to be tracked (Global Privacy Control, Do Not Track), or the newsroom turned it off', async () => {
    const cases = [
      { ticker: 'private', init: "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })" },
      { ticker: 'private', init: "Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })" },
      { ticker: 'off', attrs: 'analytics="off"' },
    ];
    for (const c of cases) {
      const p = await open(c.ticker, c);
      await p.waitForTimeout(1200);
      expect(await hide(p)).toEqual([]);
      await p.context().close();
    }
    expect((await report('private')).totals.pageViews).toBe(0);
    expect((await report('off')).totals.pageViews).toBe(0);
  });

  it('sends nothing where the server has analytics off (ANALYTICS=off): the ticker it loads says so', async () => {
    const off = await setup('sqlite', 'memory', { corsOrigins: [hostUrl], analytics: { ...testConfig().analytics, enabled: false } });
    try {
      await opsApi(off.url).createTicker({ id: 'quiet', title: 'Quiet', status: 'live', locale: 'en' });
      await opsApi(off.url).post('quiet', { body: '<p>An entry.</p>' });
      const p = await open('quiet', { server: off.url, referer: 'https://search.example/' });
      // Long enough for an entry to count as seen: had anything been queued, hiding would send it.
      await p.waitForTimeout(1200);
      expect(await hide(p)).toEqual([]);
      await p.context().close();
    } finally {
      await off.close();
    }
  });

  it('counts a click on an outbound link only, not one to the page\'s own host', async () => {
    const p = await open('links');
    // The reader clicks both links; the article stays (the host page stops the navigation) so the batch can be read.
    await p.evaluate(() => document.addEventListener('click', (ev) => ev.preventDefault()));
    await p.locator('liveticker-ticker .lt-list .lt-entry a[href$="/another-article"]').click();
    await p.locator('liveticker-ticker .lt-list .lt-entry a[href^="https://source.example"]').click();
    const sent = (await hide(p)).flatMap((b) => (JSON.parse(b) as { events: Array<{ type: string; host?: string }> }).events);
    expect(sent.filter((e) => e.type === 'link.click')).toEqual([{ type: 'link.click', entryId: expect.any(String), host: 'source.example' }]);
    await p.context().close();
  });
});
