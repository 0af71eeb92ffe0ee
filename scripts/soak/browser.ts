// Readers in a real browser: Debian's Chromium (through playwright-core) on a news page served
// from a loopback HTTP server of the soak's own (a page of another origin, as a news site is: not
// `route.fulfill`, whose pages Chromium does not let open sockets to 127.0.0.1), embedding the
// ticker widget through nginx by its script tag. At the end the checker reads what the widget
// shows out of its shadow root, every page loaded.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** One entry as the widget shows it. */
export interface ShownEntry {
  id: string;
  /** The entry's text (`.lt-body`), whitespace as rendered. */
  text: string;
  /** A poll's counts as its bars say them (option id → votes), when it shows them. */
  counts?: Record<string, number>;
}

/** The news page: its own markup around the widget's element, the SDK's script from the ticker's server. */
function newsPage(server: string, ticker: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Soak News</title><style>body{font:16px Georgia,serif;margin:2rem} .lt{display:none}</style></head><body>
<h1>Live: ${ticker}</h1><p class="lt">The host page's own paragraph.</p>
<article><liveticker-ticker ticker="${ticker}" lang="en"></liveticker-ticker></article>
<script src="${server}/sdk/liveticker.js" async></script></body></html>`;
}

/** The news site: a loopback HTTP server answering `/article/<ticker>` with the page above. */
export class NewsSite {
  private server?: http.Server;
  url = '';

  constructor(private readonly tickerServer: string) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      if (req.url === '/favicon.ico') return void res.writeHead(204).end();
      const ticker = /^\/article\/([\w-]+)$/.exec(req.url ?? '')?.[1];
      if (!ticker) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(newsPage(this.tickerServer, ticker));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

/**
 * One Chromium for the soak; each reader a context of its own (its own cookies and connections).
 * playwright-core ends the browser when the soak's process exits (its pipe closes).
 */
export class SoakBrowser {
  private browser?: Browser;

  static available(): boolean {
    return fs.existsSync(CHROMIUM);
  }

  async start(): Promise<this> {
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update'] });
    return this;
  }

  async context(): Promise<BrowserContext> {
    return this.browser!.newContext({ viewport: { width: 1000, height: 900 } });
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
  }
}

export class BrowserReader {
  readonly kind = 'browser';
  private page?: Page;
  private context?: BrowserContext;
  /** Errors the page threw, and its console's errors (the widget's own failures). */
  readonly errors: string[] = [];

  constructor(
    readonly id: number,
    private readonly browser: SoakBrowser,
    private readonly site: NewsSite,
    readonly ticker: string,
  ) {}

  async start(): Promise<void> {
    this.context = await this.browser.context();
    const page = await this.context.newPage();
    this.page = page;
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message.slice(0, 200)}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console: ${m.text().slice(0, 200)}`);
    });
    await page.goto(`${this.site.url}/article/${this.ticker}`);
    await page.waitForSelector('liveticker-ticker .lt-list .lt-entry, liveticker-ticker .lt-list .lt-empty', { timeout: 60_000 }).catch((err: Error) => {
      throw new Error(`browser ${this.id}: no widget (${err.message.split('\n')[0]}); page errors: ${this.errors.join(' | ') || 'none'}`);
    });
  }

  /**
   * What the widget shows, newest first, after bringing in held updates and loading every older
   * page (as a reader scrolling to the end would); at most `ms`.
   */
  async shown(ms = 60_000): Promise<ShownEntry[]> {
    const page = this.page!;
    const until = Date.now() + ms;
    for (;;) {
      const state = await page.evaluate(() => {
        const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
        const fresh = root.querySelector<HTMLElement>('.lt-new');
        if (fresh && !fresh.hidden) fresh.click();
        const more = root.querySelector<HTMLElement>('.lt-more');
        const n = root.querySelectorAll('.lt-list .lt-entry').length;
        if (more && !more.hidden) {
          more.click();
          return { more: true, n };
        }
        return { more: false, n };
      });
      if (!state.more || Date.now() > until) break;
      await page.waitForFunction((n) => {
        const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
        return root.querySelectorAll('.lt-list .lt-entry').length > n || !!root.querySelector<HTMLElement>('.lt-more')?.hidden;
      }, state.n, { timeout: Math.max(1000, until - Date.now()) }).catch(() => undefined);
    }
    return page.evaluate(() => {
      const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
      return Array.from(root.querySelectorAll<HTMLElement>('.lt-list .lt-entry')).map((li) => {
        const counts: Record<string, number> = {};
        for (const o of li.querySelectorAll<HTMLElement>('.lt-poll-bars li[data-option]')) {
          const n = /\((\d+)/.exec(o.querySelector('.lt-poll-num')?.textContent ?? '');
          if (n) counts[o.dataset.option!] = Number(n[1]);
        }
        return { id: li.dataset.id!, text: li.querySelector('.lt-body')?.textContent ?? '', counts: Object.keys(counts).length ? counts : undefined };
      });
    });
  }

  close(): void {
    void this.context?.close().catch(() => undefined);
  }
}
