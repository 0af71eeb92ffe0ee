import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';

const AXE = require.resolve('axe-core/axe.min.js');

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown; failureSummary?: string }> }>;
}

/**
 * axe-core over the ticker and the chat as a reader gets them (the <liveticker-live> element on
 * an article page of another origin), in every language, at desktop and phone widths.
 */
describe('accessibility of the widgets (axe-core)', () => {
  let t: TestSetup;
  let browser: Browser;
  let host: http.Server;
  let hostUrl: string;
  let lang = 'en';

  beforeAll(async () => {
    host = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Article</title></head>
<body><main><h1>Article</h1><liveticker-live ticker="a11y" lang="${lang}"></liveticker-live></main>
<script src="${t.url}/sdk/liveticker.js" async></script></body></html>`),
    );
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', () => resolve()));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    t = await setup('sqlite', 'memory', { corsOrigins: [hostUrl] });
    browser = await launchBrowser();
    const api = opsApi(t.url);
    await api.createTicker({ id: 'a11y', title: 'Election night', status: 'live' });
    await api.post('a11y', { kind: 'text', title: 'Welcome', body: '<p>We report live.</p>', pinned: true });
    await api.post('a11y', { kind: 'key-event', title: 'Polls closed', body: '<p>Voting has ended.</p>' });
    await api.post('a11y', { kind: 'quote', body: '<blockquote><p>We are confident.</p></blockquote><p>— a candidate</p>' });
    await api.post('a11y', {
      kind: 'image',
      body: '<p>The count begins.</p>',
      image: { url: `${t.url}/demo/polling-station.svg`, caption: 'Counting votes', credit: 'Photo: Agency', creditUrl: 'https://example.org/photos', width: 640, height: 360 },
      teaser: { url: 'https://www.example.org/analysis', title: 'Analysis: what the numbers mean', image: `${t.url}/demo/polling-station.svg`, publishedAt: new Date(Date.now() - 86_400_000 * 2).toISOString() },
    });
    for (let i = 1; i <= 5; i++) await api.post('a11y', { body: `<p>Update ${i} from the count.</p>` });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t.close();
    await new Promise((r) => host.close(r));
  });

  for (const l of ['de', 'en', 'ru']) {
    for (const width of [1280, 390]) {
      it(`no serious or critical violation in ${l} at ${width} px`, async () => {
        lang = l;
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        await page.goto(`${hostUrl}/article`);
        await page.waitForSelector('liveticker-live .lt-list .lt-entry');
        await page.waitForSelector('liveticker-live .ltc-join');
        await page.addScriptTag({ path: AXE });
        const result = (await page.evaluate(() => (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as AxeResult;
        const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(bad.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`)).toEqual([]);
        await page.screenshot({ path: path.join(SHOTS, `widgets-${l}-${width}.png`), fullPage: true });
        await page.close();
      }, 30_000);
    }
  }
});
