import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';
import { waitFor } from '../helpers/wait';

/** Rules a real news page has, and worse: none of them may reach into the widget. */
const HOSTILE_CSS = `
* { box-sizing: content-box; line-height: 3; letter-spacing: .2em; }
body { font: 9px/1 Impact, fantasy; color: #0f0; text-align: center; text-transform: uppercase; }
li::before { content: '»»'; display: inline-block; width: 200px; }
ul { padding-left: 300px; list-style: square; }
button { width: 100%; background: #f0f; font-size: 30px; }
img { border: 12px solid red; float: left; }
h2, h3 { text-transform: uppercase; font-size: 50px; }
div { max-width: 70px; }
p { font-size: 40px; margin: 50px; }
.live, .pinned, .secondary, .lt, .lt-entry, .lt-body { display: none !important; }
time { display: none; }
`;

/** A news page of another origin, with its own CSS, embedding the widgets by script tag. */
function hostPage(server: string, element: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Example News</title><style>${HOSTILE_CSS}</style></head><body>
<h1>Election night</h1><p class="lt">The host page's own paragraph with a class the widget uses.</p>
<article style="max-width:none">${element}</article>
<div style="height:2000px">footer</div>
<script src="${server}/sdk/liveticker.js" async></script></body></html>`;
}

describe('the widgets embedded on a page of another origin', () => {
  let t: TestSetup;
  let browser: Browser;
  let host: http.Server;
  let hostUrl: string;
  let html = '';

  beforeAll(async () => {
    host = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', () => resolve()));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    t = await setup('sqlite', 'memory', { corsOrigins: [hostUrl] });
    browser = await launchBrowser();
    const api = opsApi(t.url);
    await api.createTicker({ id: 'host', title: 'Election night live', status: 'live', locale: 'en' });
    await api.post('host', { kind: 'text', title: 'Welcome', body: '<p>We report live all night.</p>', pinned: true });
    for (let i = 1; i <= 30; i++) await api.post('host', { body: `<p>Update ${i}: the count goes on in district ${i}, and the turnout is higher than four years ago.</p>` });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t.close();
    await new Promise((r) => host.close(r));
  });

  const open = async (width: number, element = '<liveticker-ticker ticker="host" lang="en"></liveticker-ticker>'): Promise<Page> => {
    html = hostPage(t.url, element);
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${hostUrl}/article`);
    await page.waitForSelector('liveticker-ticker .lt-list .lt-entry');
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  };

  it('the host page\'s CSS does not reach into the widget, and the widget\'s does not leak out', async () => {
    for (const width of [1280, 390]) {
      const page = await open(width);
      const layout = await page.evaluate(() => {
        const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
        const body = root.querySelector('.lt-list .lt-body') as HTMLElement;
        const title = root.querySelector('.lt-title') as HTMLElement;
        const button = root.querySelector('.lt-order button') as HTMLElement;
        const li = root.querySelector('.lt-list .lt-entry') as HTMLElement;
        const host = document.querySelector('p.lt') as HTMLElement;
        return {
          bodyWidth: body.getBoundingClientRect().width,
          bodyVisible: getComputedStyle(body).display !== 'none',
          // Inherited through the host element unless the widget resets it (:host{all:initial}).
          bodySpacing: getComputedStyle(body).letterSpacing,
          bodyAlign: getComputedStyle(body).textAlign,
          titleTransform: getComputedStyle(title).textTransform,
          titleSize: parseFloat(getComputedStyle(title).fontSize),
          buttonWidth: button.getBoundingClientRect().width,
          before: getComputedStyle(li, '::before').content,
          listPadding: getComputedStyle(li.parentElement!).paddingLeft,
          hostFont: getComputedStyle(host).fontFamily,
          hostMaxWidth: getComputedStyle(host).maxWidth,
        };
      });
      expect(layout.bodyVisible).toBe(true);
      expect(layout.bodyWidth).toBeGreaterThanOrEqual(width === 1280 ? 300 : 250);
      expect(layout.titleTransform).toBe('none');
      expect(layout.bodySpacing).toBe('normal');
      expect(layout.bodyAlign).not.toBe('center');
      expect(layout.titleSize).toBeLessThan(30);
      expect(layout.buttonWidth).toBeLessThan(200);
      expect(['none', 'normal']).toContain(layout.before);
      expect(layout.listPadding).toBe('0px');
      // The widget's `.lt` rules stay inside: the host's own `.lt` paragraph keeps the host's font.
      expect(layout.hostFont).toMatch(/Impact/);
      expect(layout.hostMaxWidth).toBe('none');
      await page.screenshot({ path: path.join(SHOTS, `embed-hostile-${width}.png`) });
      expect((page as Page & { errors?: string[] }).errors).toEqual([]);
      await page.close();
    }
  }, 60_000);

  it('a reader scrolled down keeps their place while 30 entries arrive; "30 new updates" brings them in', async () => {
    const page = await open(1280);
    const top = () =>
      page.evaluate(() => {
        const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
        const entry = Array.from(root.querySelectorAll('.lt-list .lt-entry')).find((e) => e.textContent!.includes('Update 20:'))!;
        return entry.getBoundingClientRect().top;
      });
    await page.evaluate(() => {
      const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
      const entry = Array.from(root.querySelectorAll('.lt-list .lt-entry')).find((e) => e.textContent!.includes('Update 20:')) as HTMLElement & { mark?: number };
      entry.mark = 1;
      entry.scrollIntoView({ block: 'center' });
    });
    const before = await top();
    const api = opsApi(t.url);
    for (let i = 1; i <= 30; i++) await api.post('host', { body: `<p>Breaking ${i}</p>` });
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-new:not([hidden])')?.textContent === '30 new updates');
    expect(Math.abs((await top()) - before)).toBeLessThanOrEqual(1);
    // The very same node: unchanged entries are never rendered again.
    expect(
      await page.evaluate(() => {
        const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
        return (Array.from(root.querySelectorAll('.lt-list .lt-entry')).find((e) => e.textContent!.includes('Update 20:')) as HTMLElement & { mark?: number }).mark;
      }),
    ).toBe(1);
    // None of the new entries is in the list yet; the heading says how many wait.
    expect(await page.evaluate(() => document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-list')!.textContent!.includes('Breaking'))).toBe(false);
    expect(await page.evaluate(() => document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-count')!.textContent)).toBe('(+30)');
    await page.screenshot({ path: path.join(SHOTS, 'embed-new-updates-1280.png') });

    await page.evaluate(() => (document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-new') as HTMLElement).click());
    const after = await page.evaluate(() => {
      const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
      return {
        first: root.querySelector('.lt-list .lt-body')!.textContent,
        hidden: (root.querySelector('.lt-new') as HTMLElement).hidden,
        focused: (root.activeElement as HTMLElement | null)?.textContent ?? '',
      };
    });
    expect(after.first).toBe('Breaking 30');
    expect(after.hidden).toBe(true);
    expect(after.focused).toContain('Breaking 30');
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('the iframe embed: allowed for the CORS_ORIGINS sites, sized to its content by postMessage; refused elsewhere', async () => {
    const frame = `<iframe id="lt" src="${t.url}/widgets/ticker.html?ticker=host&lang=en" title="Live ticker" style="width:100%;border:0"></iframe>
<script>addEventListener('message', (e) => { if (e.origin === ${JSON.stringify(t.url)} && e.data && e.data.type === 'liveticker:size') document.getElementById('lt').style.height = e.data.height + 'px'; });</script>`;
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><style>${HOSTILE_CSS}</style></head><body><h1>News</h1>${frame}</body></html>`;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${hostUrl}/framed`);
    const widget = page.frameLocator('#lt');
    await widget.locator('.lt-list .lt-entry').first().waitFor();
    // Sized to the widget (far taller than a frame's default 150 px), and following it.
    await page.waitForFunction(() => document.getElementById('lt')!.getBoundingClientRect().height > 1000);
    const sizes = await page.evaluate(() => document.getElementById('lt')!.getBoundingClientRect().height);
    const content = await widget.locator('body').evaluate((b) => b.getBoundingClientRect().height + 32);
    expect(Math.abs(sizes - content)).toBeLessThanOrEqual(2);
    await page.close();

    // The headers behind it: the widget pages name their framers; every other page refuses framing.
    const widgetPage = await fetch(`${t.url}/widgets/ticker.html?ticker=host`);
    expect(widgetPage.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${hostUrl}`);
    expect(widgetPage.headers.get('x-frame-options')).toBeNull();
    const consolePage = await fetch(`${t.url}/console.html`);
    expect(consolePage.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(consolePage.headers.get('x-frame-options')).toBe('SAMEORIGIN');

    // The same page from an origin CORS_ORIGINS does not name (localhost is not 127.0.0.1): no widget.
    const other = await browser.newPage();
    const res = await other.goto(`${hostUrl.replace('127.0.0.1', 'localhost')}/framed`);
    expect(res?.ok()).toBe(true);
    // Chromium shows its error page in the frame instead of the widget.
    await waitFor(() => other.frames().some((f) => f.url().startsWith('chrome-error:')), 'the frame refused');
    expect(await other.frameLocator('#lt').locator('.lt-entry').count()).toBe(0);
    await other.close();
  }, 60_000);

  it('the chat element: a token from the newsroom\'s own login (getToken), a login request event, and its own login kept out of the page\'s storage', async () => {
    const created = await opsApi(t.url).rest.post<{ id: string }>('/users', { email: 'nora@example.org', password: 'a long secret', displayName: 'Nora', role: 'reader' });
    expect(created.id).toBeTruthy();
    const login = await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nora@example.org', password: 'a long secret' }) });
    const { token } = (await login.json()) as { token: string };

    // Set before the (async) script defines the element: the upgrade takes it over.
    html = hostPage(t.url, `<liveticker-chat ticker="host" lang="en"></liveticker-chat><script>document.querySelector('liveticker-chat').getToken = async () => ${JSON.stringify(token)};</script>`);
    const page = await browser.newPage();
    await page.goto(`${hostUrl}/cms`);
    await page.waitForSelector('liveticker-chat .ltc-box textarea');
    await page.fill('liveticker-chat .ltc-box textarea', 'Hello from the newsroom account');
    await page.press('liveticker-chat .ltc-box textarea', 'Enter');
    await page.waitForSelector('liveticker-chat .ltc-list .ltc-body >> text=Hello from the newsroom account');
    await page.close();

    html = hostPage(t.url, `<liveticker-chat ticker="host" lang="en"></liveticker-chat><script>addEventListener('liveticker-login', () => { window.asked = (window.asked || 0) + 1; }); customElements.whenDefined('liveticker-chat').then(() => { document.querySelector('liveticker-chat').getToken = () => undefined; });</script>`);
    const asking = await browser.newPage();
    await asking.goto(`${hostUrl}/cms`);
    await asking.waitForSelector('liveticker-chat .ltc-join');
    expect(await asking.$$('liveticker-chat .ltc-box input')).toHaveLength(0);
    await asking.click('liveticker-chat .ltc-primary');
    await asking.waitForFunction(() => (window as unknown as { asked?: number }).asked === 1);
    await asking.close();

    // The widget's own login on a host page: the token stays in memory, not in the page's storage.
    html = hostPage(t.url, '<liveticker-chat ticker="host" lang="en"></liveticker-chat>');
    const own = await browser.newPage();
    await own.goto(`${hostUrl}/article`);
    await own.fill('liveticker-chat input[name=email]', 'nora@example.org');
    await own.fill('liveticker-chat input[name=password]', 'a long secret');
    await own.click('liveticker-chat .ltc-primary');
    await own.waitForSelector('liveticker-chat .ltc-box textarea');
    expect(await own.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    await own.close();
  }, 60_000);

  it('the chat comes as a script of its own: a ticker-only page never loads it, a chat loads it once, and a failed load says so and is tried again', async () => {
    const chatScripts = (page: Page) => {
      const seen: string[] = [];
      page.on('request', (r) => /\/sdk\/liveticker-chat\.js/.test(r.url()) && seen.push(r.url()));
      return seen;
    };
    const tickerOnly = await open(1280);
    const none = chatScripts(tickerOnly);
    await tickerOnly.reload();
    await tickerOnly.waitForSelector('liveticker-ticker .lt-list .lt-entry');
    expect(none).toEqual([]);
    await tickerOnly.close();

    html = hostPage(t.url, '<liveticker-live ticker="host" lang="de"></liveticker-live><liveticker-chat ticker="host" lang="en"></liveticker-chat>');
    const both = await browser.newPage();
    const loaded = chatScripts(both);
    await both.goto(`${hostUrl}/article`);
    // Two chats, one script; the strings come with it (German and English both).
    await both.waitForSelector('liveticker-live .ltc-join >> text=melden Sie sich an');
    await both.waitForSelector('liveticker-chat .ltc-join >> text=log in or register');
    expect(loaded).toEqual([`${t.url}/sdk/liveticker-chat.js`]);
    await both.close();

    const failing = await browser.newPage();
    let refuse = true;
    await failing.route('**/sdk/liveticker-chat.js', (route) => (refuse ? route.abort() : route.continue()));
    html = hostPage(t.url, '<liveticker-chat ticker="host" lang="en"></liveticker-chat>');
    await failing.goto(`${hostUrl}/article`);
    await failing.waitForSelector('liveticker-chat [role=status] >> text=cannot be loaded');
    // Mounted again (a changed attribute), the chat loads once the network is back.
    refuse = false;
    await failing.evaluate(() => document.querySelector('liveticker-chat')!.setAttribute('lang', 'en-GB'));
    await failing.waitForSelector('liveticker-chat .ltc-join >> text=log in or register');
    await failing.close();
  }, 60_000);

  it('a permalink to an entry pages deep loads it, scrolls to it and focuses it', async () => {
    const page1 = await opsApi(t.url).rest.get<{ items: Array<{ id: string; body: string }> }>('/tickers/host/entries?order=oldest&limit=5');
    const target = page1.items.find((e) => e.body.includes('Update 3:'))!;
    html = hostPage(t.url, '<liveticker-ticker ticker="host" lang="en" page-size="5"></liveticker-ticker>');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${hostUrl}/article#entry-${target.id}`);
    await page.waitForFunction((id) => document.querySelector('liveticker-ticker')?.shadowRoot?.activeElement?.id === `entry-${id}`, target.id);
    const top = await page.evaluate((id) => document.querySelector('liveticker-ticker')!.shadowRoot!.getElementById(`entry-${id}`)!.getBoundingClientRect().top, target.id);
    expect(top).toBeGreaterThanOrEqual(-1);
    expect(top).toBeLessThan(800);
    // Pages deep: with 5 a page, Update 3 needed several pages of newer ones first.
    expect(await page.evaluate(() => document.querySelector('liveticker-ticker')!.shadowRoot!.querySelectorAll('.lt-list .lt-entry').length)).toBeGreaterThan(20);
    await page.close();
  }, 60_000);

  it('the key events box lists the key events newest first, jumps to one pages deep, and follows new and deleted ones live', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'keys', title: 'Key events', status: 'live', locale: 'en' });
    const deep = await api.post('keys', { kind: 'key-event', title: 'Polls close', body: '<p>Voting has ended.</p>' });
    for (let i = 1; i <= 12; i++) await api.post('keys', { body: `<p>Count ${i}</p>` });
    await api.post('keys', { kind: 'key-event', title: 'First projection', body: '<p>The first projection is in.</p>' });
    html = hostPage(t.url, '<liveticker-ticker ticker="keys" lang="en" page-size="5"></liveticker-ticker>');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${hostUrl}/article`);
    const links = () =>
      page.evaluate(() => Array.from(document.querySelector('liveticker-ticker')!.shadowRoot!.querySelectorAll('.lt-keys a')).map((a) => Array.from(a.childNodes).filter((n) => n.nodeName !== 'TIME').map((n) => n.textContent).join('')));
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')?.shadowRoot?.querySelectorAll('.lt-keys a').length === 2);
    expect(await links()).toEqual(['First projection', 'Polls close']);
    // "Polls close" is three pages down: the link loads them and lands on it.
    await page.evaluate(() => (document.querySelector('liveticker-ticker')!.shadowRoot!.querySelectorAll('.lt-keys a')[1] as HTMLElement).click());
    await page.waitForFunction((id) => document.querySelector('liveticker-ticker')?.shadowRoot?.activeElement?.id === `entry-${id}`, deep.id);
    expect(new URL(page.url()).hash).toBe(`#entry-${deep.id}`);
    const live = await api.post('keys', { kind: 'key-event', title: 'Turnout record', body: '<p>Highest since 1990.</p>' });
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')?.shadowRoot?.querySelectorAll('.lt-keys a').length === 3);
    expect((await links())[0]).toBe('Turnout record');
    await api.remove('keys', live.id);
    await api.edit('keys', deep.id, { version: 1, kind: 'text' });
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')?.shadowRoot?.querySelectorAll('.lt-keys a').length === 1);
    expect(await links()).toEqual(['First projection']);
    await page.close();
  }, 60_000);

  it('a long pinned entry is collapsed on a phone behind "Read more", and whole on a desktop', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'longpin', title: 'Long pin', status: 'live', locale: 'en' });
    const long = Array.from({ length: 8 }, (_, i) => `<p>Paragraph ${i + 1} of the editors' note on how we count the votes tonight and where the results come from.</p>`).join('');
    await api.post('longpin', { kind: 'text', title: 'How we report tonight', body: long, pinned: true });
    await api.post('longpin', { body: '<p>First update.</p>' });
    html = hostPage(t.url, '<liveticker-ticker ticker="longpin" lang="en"></liveticker-ticker>');
    const measure = (page: Page) =>
      page.evaluate(() => {
        const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
        const body = root.querySelector('.lt-pinned .lt-body') as HTMLElement;
        const toggle = root.querySelector('.lt-pinned .lt-expand') as HTMLElement;
        return { height: body.getBoundingClientRect().height, toggle: getComputedStyle(toggle).display !== 'none', expanded: toggle.getAttribute('aria-expanded') };
      });
    const phone = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await phone.goto(`${hostUrl}/article`);
    await phone.waitForSelector('liveticker-ticker .lt-pinned .lt-entry');
    const collapsed = await measure(phone);
    expect(collapsed.toggle).toBe(true);
    expect(collapsed.expanded).toBe('false');
    expect(collapsed.height).toBeLessThan(150);
    await phone.screenshot({ path: path.join(SHOTS, 'embed-long-pinned-390.png') });
    await phone.evaluate(() => (document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-pinned .lt-expand') as HTMLElement).click());
    const open = await measure(phone);
    expect(open.expanded).toBe('true');
    expect(open.height).toBeGreaterThan(collapsed.height * 3);
    await phone.close();
    const desktop = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await desktop.goto(`${hostUrl}/article`);
    await desktop.waitForSelector('liveticker-ticker .lt-pinned .lt-entry');
    const wide = await measure(desktop);
    expect(wide.toggle).toBe(false);
    expect(wide.height).toBeGreaterThan(collapsed.height * 2);
    await desktop.close();
  }, 60_000);

  it('at the live edge new entries appear at once, announced once in a polite live region', async () => {
    const page = await open(1280);
    await new Promise((r) => setTimeout(r, 200));
    await opsApi(t.url).post('host', { title: 'Polls closed', body: '<p>The first projection is due at six.</p>' });
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')!.shadowRoot!.querySelector('.lt-list h3')?.textContent === 'Polls closed');
    const live = await page.evaluate(() => {
      const root = document.querySelector('liveticker-ticker')!.shadowRoot!;
      return {
        region: root.querySelector('[aria-live=polite]')!.textContent,
        listLive: root.querySelector('.lt-list')!.closest('[aria-live]') !== null,
        time: root.querySelector('.lt-list time')!.getAttribute('datetime'),
        button: (root.querySelector('.lt-new') as HTMLElement).hidden,
      };
    });
    expect(live.region).toBe('New entry: Polls closed');
    expect(live.listLive).toBe(false);
    expect(live.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(live.button).toBe(true);
    await page.close();
  });
  it('the framework API is as safe as the elements: mountTicker attaches a shadow root (or uses the one there), mountChat keeps its own login in memory on another origin', async () => {
    // A reader of this test's own (the chat element's test makes Nora; either may run first).
    await opsApi(t.url).rest.post('/users', { email: 'nina@example.org', password: 'a long secret', displayName: 'Nina', role: 'reader' }).catch(() => undefined);
    // The page sizes its own containers (a page's \`div { max-width: 70px }\` is its business for
    // the element itself); what is inside is the widget's.
    const mount = (target: string) => `<div id="t" style="max-width:none"></div><div id="own" style="max-width:none"></div><div id="c" style="max-width:none"></div><script>
addEventListener('load', () => {
  const own = document.getElementById('own').attachShadow({ mode: 'open' });
  window.mounted = {
    ticker: Liveticker.mountTicker(${target}, { url: ${JSON.stringify(t.url)}, ticker: 'host', lang: 'en', follow: false }),
    own: Liveticker.mountTicker(document.getElementById('own'), { url: ${JSON.stringify(t.url)}, ticker: 'host', lang: 'en', follow: false }),
    chat: Liveticker.mountChat(document.getElementById('c'), { url: ${JSON.stringify(t.url)}, ticker: 'host', lang: 'en' }),
  };
});</script>`;
    for (const [how, target] of [
      ['an element', "document.getElementById('t')"],
      ['a shadow root passed in', "document.getElementById('t').attachShadow({ mode: 'open' })"],
    ]) {
      html = hostPage(t.url, mount(target!));
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${hostUrl}/framework`);
      await page.waitForSelector('#t .lt-list .lt-entry');
      const layout = await page.evaluate(() => {
        const t = document.getElementById('t')!;
        const own = document.getElementById('own')!;
        const body = t.shadowRoot!.querySelector('.lt-list .lt-body') as HTMLElement;
        return {
          inLight: t.querySelectorAll('.lt-entry').length,
          // The element's own shadow root: the one it had (nothing else attached, nothing in the light DOM).
          ownUsed: own.shadowRoot!.querySelectorAll('.lt-entry').length > 0 && own.children.length === 0,
          bodyWidth: body.getBoundingClientRect().width,
          bodyVisible: getComputedStyle(body).display !== 'none',
          titleTransform: getComputedStyle(t.shadowRoot!.querySelector('.lt-title')!).textTransform,
        };
      });
      expect({ how, ...layout }).toEqual({ how, inLight: 0, ownUsed: true, bodyWidth: expect.any(Number), bodyVisible: true, titleTransform: 'none' });
      // `div { max-width: 70px }` squeezed the entries to 70 px when the widget drew into the page's DOM.
      expect(layout.bodyWidth).toBeGreaterThanOrEqual(300);
      if (how === 'an element') {
        // The chat's own login on another origin: in memory, never in the page's storage.
        await page.waitForSelector('#c input[name=email]');
        expect(await page.evaluate(() => Boolean(document.getElementById('c')!.shadowRoot))).toBe(true);
        await page.fill('#c input[name=email]', 'nina@example.org');
        await page.fill('#c input[name=password]', 'a long secret');
        await page.click('#c .ltc-primary');
        await page.waitForSelector('#c .ltc-box textarea');
        expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
        await page.screenshot({ path: path.join(SHOTS, 'embed-framework-api-1280.png') });
      }
      expect(errors).toEqual([]);
      await page.close();
    }
  }, 60_000);
});
