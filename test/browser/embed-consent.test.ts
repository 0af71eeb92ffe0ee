import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { makeUser } from '../helpers/cluster';
import { raw } from '../helpers/api';

const AXE = require.resolve('axe-core/axe.min.js');

type AxeResult = { violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> };

/** The providers' hosts: no request may go to any of them before the reader agrees. */
const PROVIDER = /youtube|ytimg|googlevideo|twitter|twimg|x\.com|instagram|facebook|fbcdn|tiktok|bsky|mastodon|chaos\.social|threads|spotify|scdn|soundcloud|sndcdn|vimeo/;

/** A TCF v2 CMP stub answering purpose 1 (and every vendor) with `yes`. */
const tcfStub = (yes: boolean) => `<script>window.__tcfapi = function (cmd, v, cb) {
  if (cmd === 'addEventListener') setTimeout(function () { cb({ eventStatus: 'tcloaded', gdprApplies: true, purpose: { consents: { 1: ${yes} } }, vendor: { consents: { 755: ${yes} } } }, true); }, 50);
};</script>`;

describe('embeds behind the consent gate, on a news page of another origin', () => {
  let t: TestSetup;
  let browser: Browser;
  let host: http.Server;
  let hostUrl: string;
  let head = '';
  let body = '';

  beforeAll(async () => {
    host = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Example News</title>${head}</head><body><main><h1>Election night</h1>${body}</main>
<script src="${t.url}/sdk/liveticker.js" async></script></body></html>`),
    );
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', () => resolve()));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    t = await setup('sqlite', 'memory', { corsOrigins: [hostUrl] });
    browser = await launchBrowser();
    const api = opsApi(t.url);
    await api.createTicker({ id: 'consent', title: 'Election night live', status: 'live', locale: 'en' });
    await api.post('consent', { body: '<p>An analysis, on our partner site.</p>', embed: { url: 'https://www.example.org/analysis' } });
    await api.post('consent', { embed: { url: 'https://chaos.social/@ccc/113512345678901234', caption: 'The club comments' } });
    await api.post('consent', { body: '<p>What the candidate wrote.</p>', embed: { url: 'https://x.com/jack/status/20' } });
    await api.post('consent', { title: 'The speech', embed: { url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', caption: 'The speech in full', credit: 'Video: Phoenix' } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t.close();
    await new Promise((r) => host.close(r));
  });

  /**
   * Opens the article; every request the page makes is recorded, and any to a host other than
   * the loopback ones (the providers: there is no internet here anyway) is aborted.
   */
  async function open(opts: { width?: number; head?: string; body?: string; storage?: Record<string, string> } = {}) {
    head = opts.head ?? '';
    body = opts.body ?? '<liveticker-ticker ticker="consent" lang="en"></liveticker-ticker>';
    const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => route.abort());
    if (opts.storage) {
      await page.goto(`${hostUrl}/blank`);
      await page.evaluate((s) => Object.entries(s).forEach(([k, v]) => localStorage.setItem(k, v)), opts.storage);
    }
    await page.goto(`${hostUrl}/article`);
    await page.waitForSelector('liveticker-ticker .lt-embed[data-provider=youtube]');
    const third = () => requests.filter((u) => !u.startsWith('http://127.0.0.1') && PROVIDER.test(new URL(u).hostname));
    return { page, context, requests, third };
  }

  const gateOf = (page: Page, provider: string) => page.locator(`liveticker-ticker .lt-embed[data-provider=${provider}]`);

  it('every third-party embed is a placeholder: provider, the link, what loading sends to whom, Show and Always show; nothing requested from any provider', async () => {
    for (const width of [1280, 390]) {
      const { page, context, requests, third } = await open({ width });
      for (const [provider, name, company] of [['youtube', 'YouTube', 'Google'], ['x', 'X', 'X Corp.'], ['mastodon', 'Mastodon', 'chaos.social']] as const) {
        const gate = gateOf(page, provider);
        await expect(gate.locator('.lt-embed-name').textContent()).resolves.toBe(name);
        await expect(gate.locator('.lt-embed-gate').textContent()).resolves.toContain(`sends your IP address and details of your browser to ${company}`);
        await expect(gate.locator('button.lt-embed-show').textContent()).resolves.toBe('Show');
        await expect(gate.locator('button.lt-embed-always').textContent()).resolves.toBe(`Always show ${name}`);
      }
      await expect(gateOf(page, 'youtube').locator('a.lt-embed-url').getAttribute('href')).resolves.toBe('https://www.youtube.com/watch?v=dQw4w9WgXcQ');
      // The link card: a plain link, no gate.
      await expect(gateOf(page, 'link').locator('a').getAttribute('href')).resolves.toBe('https://www.example.org/analysis');
      expect(await page.locator('liveticker-ticker iframe').count()).toBe(0);
      // The video's placeholder already has the player's shape (16:9).
      const box = await gateOf(page, 'youtube').locator('.lt-embed-box').boundingBox();
      expect(box!.width / box!.height).toBeLessThanOrEqual(16 / 9 + 0.01);
      await page.waitForTimeout(300);
      expect(third()).toEqual([]);
      expect(requests.length).toBeGreaterThan(0);
      await gateOf(page, 'youtube').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, `embed-placeholder-${width}.png`) });
      await page.addScriptTag({ path: AXE });
      const result = (await page.evaluate(() => (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as AxeResult;
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`)).toEqual([]);
      await context.close();
    }
  }, 60_000);

  /** The ticker's embed consents in its reach once two reads a beacon's flush apart agree (other tests' beacons may be on their way). */
  const readConsents = async () => ((await raw(t.url, 'GET', '/tickers/consent/analytics', undefined, { authorization: `Bearer ${OPS_KEY}` })).body as { engagement: { embedConsents: number } }).engagement.embedConsents;
  async function consentsCounted(): Promise<number> {
    const read = readConsents;
    return (await waitFor(async () => {
      const first = await read();
      await new Promise((r) => setTimeout(r, 600));
      return first === (await read()) ? { n: first } : undefined;
    }, 'the reach settled'))!.n;
  }

  it('"Show" loads that one video through youtube-nocookie.com, lazily, sandboxed, in the place its placeholder held; the others stay gated', async () => {
    const consentsBefore = await consentsCounted();
    let shown = 0;
    for (const width of [1280, 390]) {
      const { page, context, third } = await open({ width });
      const gate = gateOf(page, 'youtube');
      const before = (await gate.locator('.lt-embed-box').boundingBox())!;
      await gate.locator('button.lt-embed-show').click();
      const frame = gate.locator('iframe');
      await frame.waitFor({ state: 'attached' });
      expect(await frame.getAttribute('src')).toBe('https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0');
      expect(await frame.getAttribute('loading')).toBe('lazy');
      expect((await frame.getAttribute('sandbox'))!.split(' ').sort()).toEqual(['allow-popups', 'allow-popups-to-escape-sandbox', 'allow-presentation', 'allow-same-origin', 'allow-scripts']);
      const after = (await gate.locator('.lt-embed-box').boundingBox())!;
      // No layout jump: the frame has the placeholder's size.
      expect(Math.abs(after.height - before.height)).toBeLessThanOrEqual(1);
      expect(Math.abs(after.width - before.width)).toBeLessThanOrEqual(1);
            await waitFor(() => third().some((u) => u.startsWith('https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ')), 'the frame requested');
      expect(third().every((u) => new URL(u).hostname === 'www.youtube-nocookie.com')).toBe(true);
      // Shown once is not "always": nothing kept.
      expect(await page.evaluate(() => localStorage.getItem('liveticker.consent'))).toBeNull();
      await page.screenshot({ path: path.join(SHOTS, `embed-consented-${width}.png`) });
      // The page's reach leaves when it is hidden: each reader's "Show" counts once.
      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      shown++;
      await waitFor(async () => (await readConsents()) >= consentsBefore + shown, 'the consent counted');
      await context.close();
    }
    expect(await consentsCounted()).toBe(consentsBefore + 2);
  }, 60_000);

  it('"Always show X" is remembered in the widget\'s own key, loads X at once on the next visit, and is withdrawn from the same place', async () => {
    const first = await open();
    await gateOf(first.page, 'x').locator('button.lt-embed-always').click();
    await gateOf(first.page, 'x').locator('iframe').waitFor({ state: 'attached' });
    expect(await gateOf(first.page, 'x').locator('iframe').getAttribute('src')).toBe('https://platform.twitter.com/embed/Tweet.html?id=20&dnt=true');
    const kept = await first.page.evaluate(() => localStorage.getItem('liveticker.consent'));
    expect(JSON.parse(kept!)).toEqual({ x: true });
    await first.context.close();

    const again = await open({ storage: { 'liveticker.consent': kept! } });
    await gateOf(again.page, 'x').locator('iframe').waitFor({ state: 'attached' });
    await waitFor(() => again.third().some((u) => u.startsWith('https://platform.twitter.com/')), 'the frame requested');
    // Only X: YouTube and Mastodon still wait.
    expect(again.third().every((u) => new URL(u).hostname === 'platform.twitter.com')).toBe(true);
    expect(await gateOf(again.page, 'youtube').locator('iframe').count()).toBe(0);
    const withdraw = gateOf(again.page, 'x').locator('button.lt-embed-withdraw');
    expect(await withdraw.textContent()).toBe('Stop showing X without asking');
    await withdraw.click();
    await gateOf(again.page, 'x').locator('button.lt-embed-show').waitFor();
    expect(await gateOf(again.page, 'x').locator('iframe').count()).toBe(0);
    expect(await again.page.evaluate(() => localStorage.getItem('liveticker.consent'))).toBeNull();
    await again.context.close();

    const after = await open({ storage: {} });
    await after.page.waitForTimeout(300);
    expect(after.third()).toEqual([]);
    await after.context.close();
  }, 60_000);

  it('a TCF CMP on the page is asked first: consent loads the embeds without asking, a refusal leaves the gate and requests nothing', async () => {
    const yes = await open({ head: tcfStub(true) });
    await gateOf(yes.page, 'youtube').locator('iframe').waitFor({ state: 'attached' });
    await gateOf(yes.page, 'x').locator('iframe').waitFor({ state: 'attached' });
    await waitFor(() => yes.third().some((u) => u.startsWith('https://www.youtube-nocookie.com/')), 'the frame requested');
    await yes.context.close();

    const no = await open({ head: tcfStub(false) });
    await no.page.waitForTimeout(500);
    expect(await no.page.locator('liveticker-ticker iframe').count()).toBe(0);
    expect(await gateOf(no.page, 'youtube').locator('button.lt-embed-show').count()).toBe(1);
    expect(no.third()).toEqual([]);
    await no.context.close();
  }, 60_000);

  it('the host page decides instead: Liveticker.consent.set(provider, true) loads, false keeps the gate without its buttons', async () => {
    const { page, context, third } = await open();
    await page.evaluate(() => (window as unknown as { Liveticker: { consent: { set(p: string, v: boolean): void } } }).Liveticker.consent.set('mastodon', true));
    const frame = gateOf(page, 'mastodon').locator('iframe');
    await frame.waitFor({ state: 'attached' });
    expect(await frame.getAttribute('src')).toBe('https://chaos.social/@ccc/113512345678901234/embed');
    expect(await frame.getAttribute('sandbox')).not.toMatch(/allow-top-navigation|allow-forms/);
    // The reader showed a video once; the page's "no" takes it away again, and leaves no buttons.
    await gateOf(page, 'youtube').locator('button.lt-embed-show').click();
    await gateOf(page, 'youtube').locator('iframe').waitFor({ state: 'attached' });
    await page.evaluate(() => (window as unknown as { Liveticker: { consent: { set(p: string, v: boolean): void } } }).Liveticker.consent.set('youtube', false));
    expect(await gateOf(page, 'youtube').locator('iframe').count()).toBe(0);
    expect(await gateOf(page, 'youtube').locator('.lt-embed-gate button').count()).toBe(0);
    expect(await gateOf(page, 'youtube').locator('a.lt-embed-url').count()).toBe(1);
    await page.waitForTimeout(200);
    expect(third().every((u) => ['chaos.social', 'www.youtube-nocookie.com'].includes(new URL(u).hostname))).toBe(true);
    // X was never consented to: nothing of it.
    expect(third().some((u) => /twitter|x\.com/.test(u))).toBe(false);
    // The page's decision is not the reader's: nothing kept.
    expect(await page.evaluate(() => localStorage.getItem('liveticker.consent'))).toBeNull();
    await context.close();
  }, 60_000);
  it('the console\'s preview shows the placeholder of the embed being written (nothing requested), and the entry goes out with it', async () => {
    const editor = await makeUser(t.url, 'editor', 'Embed Editor');
    await raw(t.url, 'PATCH', '/me', { locale: 'en' }, { authorization: `Bearer ${editor.token}` });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => route.abort());
    await page.addInitScript((tk) => sessionStorage.setItem('liveticker.console.session', tk), editor.token);
    await page.goto(`${t.url}/console.html?ticker=consent`);
    await page.waitForSelector('.ltx-editor');
    await page.click('summary >> text=Post or video from another site');
    await page.fill('input[name=embedUrl]', 'https://www.tiktok.com/@bbcnews/video/7329176473848138017');
    await page.fill('input[name=embedCaption]', 'The count, filmed');
    await page.waitForSelector('.lt-embed[data-provider=tiktok] .lt-embed-show');
    expect(await page.locator('.lt-embed[data-provider=tiktok] .lt-embed-gate').textContent()).toContain('to TikTok');
    await page.waitForTimeout(200);
    expect(requests.filter((u) => PROVIDER.test(new URL(u).hostname))).toEqual([]);
    await page.locator('.lt-embed[data-provider=tiktok]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'embed-console-preview-1280.png') });
    await page.click('button[data-action=submit]');
    await waitFor(async () => {
      const list = (await raw(t.url, 'GET', '/tickers/consent/entries?limit=1')).body as { items: Array<{ embed?: { provider: string; caption?: string } }> };
      return list.items[0]?.embed?.provider === 'tiktok' && list.items[0].embed.caption === 'The count, filmed';
    }, 'the entry published with its embed');
    await context.close();
  }, 60_000);
  it('the server\'s own pages (the rendered page, taken over by the widget, and the widget page) gate the same way, and their CSP lets a consented frame load', async () => {
    for (const address of [`${t.url}/api/v1/tickers/consent/html`, `${t.url}/widgets/ticker.html?ticker=consent&lang=en`]) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const requests: string[] = [];
      const blocked: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => /Content Security Policy/.test(m.text()) && blocked.push(m.text()));
      await page.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => route.abort());
      await page.goto(address);
      const youtube = page.locator('.lt-embed[data-provider=youtube]').last();
      await youtube.locator('button.lt-embed-show').waitFor();
      await page.waitForTimeout(200);
      expect({ address, third: requests.filter((u) => PROVIDER.test(new URL(u).hostname)) }).toEqual({ address, third: [] });
      await youtube.locator('button.lt-embed-show').click();
      await page.locator('.lt-embed[data-provider=mastodon]').last().locator('button.lt-embed-show').click();
      // Requested (and aborted here): the page's frame-src let both through, the Mastodon server being one of the ticker's.
      await waitFor(() => requests.some((u) => u.startsWith('https://www.youtube-nocookie.com/embed/')) && requests.some((u) => u.startsWith('https://chaos.social/')), `both frames requested on ${address}`);
      expect(blocked).toEqual([]);
      if (address.includes('/widgets/')) {
        // A Mastodon server that came with a live entry after the page was served is not in its
        // CSP: the frame is refused, and the reader gets the link instead of an empty box.
        // Back at the live edge (the clicks above scrolled down), where a new entry shows at once.
        await page.evaluate(() => window.scrollTo(0, 0));
        const late = await opsApi(t.url).post('consent', { embed: { url: 'https://fosstodon.org/@late/112233445566778899' } });
        const gate = page.locator(`#entry-${late.id} .lt-embed[data-provider=mastodon]`);
        await gate.locator('button.lt-embed-show').click();
        await waitFor(async () => (await gate.locator('iframe').count()) === 0 && (await gate.locator('a.lt-embed-url').count()) === 1, 'the link instead of the refused frame');
        expect(requests.some((u) => u.includes('fosstodon.org'))).toBe(false);
        await opsApi(t.url).remove('consent', late.id);
      }
      await context.close();
    }
  }, 60_000);
  it('the rendered page without JavaScript: the placeholder with the link, in the player\'s shape, and nothing of any provider', async () => {
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false });
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => route.abort());
      await page.goto(`${t.url}/api/v1/tickers/consent/html`);
      const youtube = page.locator('section.liveticker .lt-embed[data-provider=youtube]');
      expect(await youtube.locator('a.lt-embed-url').getAttribute('href')).toBe('https://www.youtube.com/watch?v=dQw4w9WgXcQ');
      expect(await youtube.textContent()).toContain('Loading this YouTube content sends your IP address');
      const box = (await youtube.locator('.lt-embed-gate').boundingBox())!;
      expect(box.width / box.height).toBeLessThanOrEqual(16 / 9 + 0.01);
      expect(await page.locator('iframe').count()).toBe(0);
      expect(requests.filter((u) => PROVIDER.test(new URL(u).hostname))).toEqual([]);
      await youtube.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, `embed-rendered-nojs-${width}.png`) });
      await context.close();
    }
  }, 60_000);
});
