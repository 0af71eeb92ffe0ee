import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Entry } from '@liveticker/schemas';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';

/**
 * A CMS includes the server-rendered fragment in its article (server side), and the SDK script in
 * it turns the rendered entries into the live widget: without asking for the first page again, and
 * live from the revision the fragment was rendered at.
 */
describe('the widget takes over a server-rendered ticker (hydration)', () => {
  let t: TestSetup;
  let browser: Browser;
  let host: http.Server;
  let hostUrl: string;
  let article = '';
  let api: ReturnType<typeof opsApi>;
  const flow: Entry[] = [];

  beforeAll(async () => {
    host = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(article));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', () => resolve()));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    t = await setup('sqlite', 'memory', { corsOrigins: [hostUrl] });
    browser = await launchBrowser();
    api = opsApi(t.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t.close();
    await new Promise((r) => host.close(r));
  });

  /** A ticker of its own for each test (tests run in any order). */
  const makeTicker = async (id: string) => {
    await api.createTicker({ id, title: 'Election night', status: 'live', locale: 'en' });
    await api.post(id, { title: 'Welcome', body: '<p>We report live all night.</p>', pinned: true });
    await api.post(id, { kind: 'key-event', title: 'Polls closed', body: '<p>The polls have closed.</p>' });
    flow.length = 0;
    for (let i = 1; i <= 25; i++) flow.push(await api.post(id, { body: `<p>Update ${i} from the count.</p>` }));
  };
  const fragment = async (id: string) => (await fetch(`${t.url}/api/v1/tickers/${id}/fragment`)).text();
  const articleAround = (html: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Article</title>
<style>body{font:18px/1.6 Georgia,serif;max-width:46rem;margin:1rem auto}</style></head><body><h1>Our article</h1><p>Text of the article.</p>${html}</body></html>`;

  /** The widget's rendered entries (its shadow root), as text. */
  const shown = (page: Page) =>
    page.evaluate(() => {
      const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
      return {
        list: Array.from(root.querySelectorAll('.lt-list .lt-entry .lt-body'), (b) => b.textContent!),
        pinned: Array.from(root.querySelectorAll('.lt-pinned .lt-entry h3'), (b) => b.textContent!),
        keys: Array.from(root.querySelectorAll('.lt-keys li'), (b) => b.textContent!),
        title: root.querySelector('.lt-title')?.textContent,
      };
    });

  it('no request for the first page, the ticker or its key events; what changed between render and load arrives exactly once; then it is live', async () => {
    await makeTicker('hyd');
    const rendered = await fragment('hyd');
    // Between the CMS's render and the reader's browser: a new entry, an edit, a delete.
    await api.post('hyd', { body: '<p>Posted between render and load.</p>' });
    await api.edit('hyd', flow[24]!.id, { version: flow[24]!.version, body: '<p>Update 25, corrected.</p>' });
    await api.remove('hyd', flow[23]!.id);

    article = articleAround(rendered);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(`${hostUrl}/article`);
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')?.shadowRoot?.textContent?.includes('Posted between render and load.'));

    const s = await shown(page);
    expect(s.title).toBe('Election night');
    expect(s.pinned).toEqual(['Welcome']);
    expect(s.keys.join()).toContain('Polls closed');
    // Newest first: the entry posted meanwhile once, the edit in place, the deleted one gone.
    expect(s.list.filter((b) => b === 'Posted between render and load.')).toHaveLength(1);
    expect(s.list.slice(0, 3)).toEqual(['Posted between render and load.', 'Update 25, corrected.', 'Update 23 from the count.']);
    expect(s.list).not.toContain('Update 24 from the count.');
    expect(new Set(s.list).size).toBe(s.list.length);
    // What was rendered was not asked for again: only the script and the socket went out.
    const api_ = asked.filter((p) => p.startsWith('/api/'));
    expect(api_).toEqual([]);
    expect(asked).toContain('/sdk/liveticker.js');

    // Live from here on, and "older entries" continues where the rendered page ended.
    await api.post('hyd', { body: '<p>Live after load.</p>' });
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-list .lt-body')?.textContent === 'Live after load.');
    await page.evaluate(() => (document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-more') as HTMLElement).click());
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')!.shadowRoot!.textContent!.includes('Update 1 from the count.'));
    const all = (await shown(page)).list;
    // The key event, 24 updates (one was deleted) and the two posted since, each once.
    expect(all).toHaveLength(27);
    expect(new Set(all).size).toBe(all.length);
    expect(all.slice(-2)).toEqual(['Update 1 from the count.', 'The polls have closed.']);
    await page.screenshot({ path: path.join(SHOTS, 'hydrated-1280.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('the server\'s own page (/html) goes live the same way under its Content-Security-Policy', async () => {
    await makeTicker('hyd-page');
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await page.goto(`${t.url}/api/v1/tickers/hyd-page/html`);
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')?.shadowRoot?.querySelector('.lt-list .lt-entry'));
    await api.post('hyd-page', { body: '<p>Live on the page.</p>' });
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-list .lt-body')?.textContent === 'Live on the page.');
    await page.screenshot({ path: path.join(SHOTS, 'rendered-page-hydrated-390.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('without JavaScript the rendered entries are what the reader sees', async () => {
    await makeTicker('hyd-nojs');
    article = articleAround(await fragment('hyd-nojs'));
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${hostUrl}/article`);
    const visible = await page.locator('liveticker-ticker article.lt-entry:visible').count();
    expect(visible).toBe(21); // the pinned entry and the first page of 20
    expect(await page.locator('text=Update 25 from the count.').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'rendered-nojs-390.png') });
    await context.close();
  }, 60_000);

  it('a rendering from another history (the database was restored since) is dropped: the widget loads the stream as it now is', async () => {
    await makeTicker('hyd-epoch');
    const rendered = (await fragment('hyd-epoch')).replace(/("epoch":")[^"]+"/, '$10123456789abcdef"');
    await api.post('hyd-epoch', { body: '<p>After the restore.</p>' });
    article = articleAround(rendered);
    const page = await browser.newPage();
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(`${hostUrl}/article`);
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')?.shadowRoot?.textContent?.includes('After the restore.'));
    const s = await shown(page);
    expect(s.list.filter((b) => b === 'After the restore.')).toHaveLength(1);
    expect(new Set(s.list).size).toBe(s.list.length);
    // It started over: the first page was asked for.
    expect(asked).toContain('/api/v1/tickers/hyd-epoch/entries');
    await page.close();

    // A state the host page mangled (no epoch a server gives) is ignored: the widget loads as usual.
    article = articleAround((await fragment('hyd-epoch')).replace(/("epoch":")[^"]+"/, '$1</not hex>"'));
    const mangled = await browser.newPage();
    await mangled.goto(`${hostUrl}/article`);
    await mangled.waitForFunction(() => document.querySelector('liveticker-ticker')?.shadowRoot?.textContent?.includes('After the restore.'));
    expect((await shown(mangled)).list.filter((b) => b === 'After the restore.')).toHaveLength(1);
    await mangled.close();
  }, 60_000);
});
