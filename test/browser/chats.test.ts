import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

type User = Awaited<ReturnType<typeof makeUser>>;
const AXE = require.resolve('axe-core/axe.min.js');
let n = 0;

/** Every axe-core violation on the page, whatever its impact. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(() => (window as any).axe.run(document, { resultTypes: ['violations'] }))) as { violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }> };
  return result.violations.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((x) => x.target))}`);
}

/**
 * The reader's "Chats" (issue 27) as a reader gets it: `<liveticker-chats>` and `<liveticker-live>`
 * on an article page of another origin, the real server, a second reader answering live.
 */
describe("the reader's Chats panel in a real browser", () => {
  let t: TestSetup;
  let browser: Browser;
  let host: http.Server;
  let hostUrl: string;
  let element = '';

  beforeAll(async () => {
    host = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Article</title></head>
<body style="margin:8px"><main><h1>Article</h1>${element}</main><script src="${t.url}/sdk/liveticker.js" async></script></body></html>`),
    );
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', () => resolve()));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    t = await setup('sqlite', 'memory', { corsOrigins: [hostUrl], scrypt: { logN: 10, r: 8, p: 1 } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((r) => host?.close(r));
  });

  async function ticker(title: string): Promise<string> {
    const id = `chats-${++n}`;
    const api = opsApi(t.url);
    await api.createTicker({ id, title, status: 'live', locale: 'en' });
    // Ben writes a dozen messages in a row here: no slowing down.
    await api.rest.patch(`/tickers/${id}/chat-settings`, { rateLimit: { burst: 1000, perMinute: 6000 } });
    return id;
  }
  async function post(who: User, tickerId: string, body: string, replyTo?: string) {
    const res = await raw(t.url, 'POST', `/tickers/${tickerId}/messages`, { body, clientId: `client-${++n}-abcdef`, ...(replyTo && { replyTo }) }, { authorization: `Bearer ${who.token}` });
    if (res.status !== 201) throw new Error(`post: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; seq: number };
  }
  const serverItems = async (who: User) => (await raw(t.url, 'GET', '/me/chats', undefined, { authorization: `Bearer ${who.token}` })).body.items as Array<{ tickerId: string; unread: number; repliesToMe: number }>;

  /** The article page with `html` in it, at `width` px; page errors are collected. */
  async function open(html: string, width: number, before?: (page: Page) => Promise<void>): Promise<Page & { errors: string[]; scripts: string[]; reads: unknown[] }> {
    element = html;
    const page = (await browser.newPage({ viewport: { width, height: 900 } })) as Page & { errors: string[]; scripts: string[]; reads: unknown[] };
    await before?.(page);
    page.errors = [];
    page.scripts = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    page.on('request', (r) => /\/sdk\/liveticker-chats?\.js$/.test(r.url()) && page.scripts.push(path.basename(r.url())));
    page.reads = [];
    page.on('request', (r) => r.method() === 'PUT' && page.reads.push(JSON.parse(r.postData() ?? 'null')));
    await page.goto(`${hostUrl}/article`);
    return page;
  }
  async function logIn(page: Page, who: User) {
    await page.fill('input[name=email]', who.email);
    await page.fill('input[name=password]', 'a long secret');
    await page.click('.ltc-primary');
  }
  /** In the panel's shadow root: the titles of the rows, top to bottom. */
  const rowTitles = (page: Page) => page.locator('.ltcs-item .ltcs-title').allTextContents();
  const row = (page: Page, title: string) => page.locator('.ltcs-item', { has: page.locator('.ltcs-title', { hasText: title }) });
  /** The panel's focused element (inside its shadow root). */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const a = document.querySelector('liveticker-chats')!.shadowRoot!.activeElement as HTMLElement | null;
      return a ? { cls: a.className, row: (a.closest('.ltcs-item') as HTMLElement | null)?.dataset.id } : null;
    });
  /** Whether nothing is wider than the viewport (no sideways scrolling at 390 px). */
  const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

  it('a reader with chats in two tickers: a live reply moves its chat to the top with its counts, opening it shows the first unread and reads it, leaving takes a chat out', async () => {
    const [anna, ben] = [await makeUser(t.url, 'reader', 'Anna'), await makeUser(t.url, 'reader', 'Ben')];
    const election = await ticker('Election night: the count');
    const final = await ticker('Cup final');
    const hers = await post(anna, election, 'Who is ahead in the north?');
    const bens: string[] = [];
    for (let i = 1; i <= 12; i++) bens.push((await post(ben, election, `Count update ${i}: district ${i} is in, turnout is up again.`)).id);
    await post(anna, final, 'What a goal!');

    const page = await open('<liveticker-chats lang="en"></liveticker-chats>', 1280);
    await page.waitForSelector('.ltcs .ltc-join');
    expect(await page.textContent('.ltcs .ltc-join')).toBe('Log in to see your chats and who answered you.');
    await logIn(page, anna);
    await page.waitForSelector('.ltcs-item');
    expect(await rowTitles(page)).toEqual(['Cup final', 'Election night: the count']);
    expect(await row(page, 'Election night').locator('.ltcs-unread').textContent()).toBe('12 new');
    expect(await row(page, 'Cup final').locator('.ltcs-unread').count()).toBe(0);
    expect(await row(page, 'Cup final').locator('.ltcs-last').textContent()).toBe('You: What a goal!');
    expect(await row(page, 'Cup final').locator('.ltcs-status').textContent()).toBe('Live');

    // The reader is on the election's row (keyboard) when Ben answers her there.
    await row(page, 'Election night').locator('.ltcs-open').focus();
    const reply = await post(ben, election, 'The greens, by a wide margin.', hers.id);
    await page.waitForSelector('.ltcs-item:first-child .ltcs-you');
    expect(await rowTitles(page)).toEqual(['Election night: the count', 'Cup final']);
    const top = row(page, 'Election night');
    expect(await top.locator('.ltcs-unread').textContent()).toBe('13 new');
    expect(await top.locator('.ltcs-you').textContent()).toBe('1 reply to you');
    expect(await top.locator('.ltcs-last').textContent()).toBe('Ben: The greens, by a wide margin.');
    // Its row was drawn anew and moved; the reader's focus went with it.
    expect(await focused(page)).toEqual({ cls: 'ltcs-open', row: election });
    expect(await page.locator('.ltcs [role=status]').textContent()).toBe('New message in “Election night: the count”');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'chats-list-1280.png') });

    // Open it: the chat in place, at the first unread message, with Ben's reply marked.
    await page.keyboard.press('Enter');
    await page.waitForSelector('.ltcs-chat .ltc-msg.answers');
    expect(await page.locator('.ltcs-bar h3').textContent()).toBe('Election night: the count');
    expect(await page.locator('.ltcs-bar .ltcs-since').textContent()).toBe('13 new1 reply to you');
    expect(await page.evaluate(() => (document.querySelector('liveticker-chats')!.shadowRoot!.activeElement as HTMLElement).tagName)).toBe('H3');
    const answer = page.locator(`.ltc-msg[data-id="${reply.id}"]`);
    expect(await answer.locator('.ltc-mark.you').textContent()).toBe('answers you');
    expect(await page.locator('.ltc-list .ltc-msg.unread').count()).toBe(13);
    expect(await page.locator('.ltc-list .ltc-msg.answers').count()).toBe(1);
    const firstUnread = await page.evaluate((id) => {
      const root = document.querySelector('liveticker-chats')!.shadowRoot!;
      const list = root.querySelector('.ltc-list')!.getBoundingClientRect();
      const first = root.querySelector(`.ltc-msg[data-id="${id}"]`)!.getBoundingClientRect();
      return { inView: first.top >= list.top - 1 && first.bottom <= list.bottom + 1, scrolled: root.querySelector('.ltc-list')!.scrollTop };
    }, bens[0]);
    expect(firstUnread).toEqual({ inView: true, scrolled: expect.any(Number) });
    expect(firstUnread.scrolled).toBeGreaterThan(0);
    // Read as seen: zero on the server (for every device), and in the list.
    await waitFor(async () => (await serverItems(anna)).find((i) => i.tickerId === election)?.unread === 0, 'the chat read on the server');
    expect((await serverItems(anna)).find((i) => i.tickerId === election)).toMatchObject({ unread: 0, repliesToMe: 0 });
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'chats-open-1280.png') });
    // A message while the chat is open is read at once too; not while the page is out of view (another tab).
    const visibility = (state: 'hidden' | 'visible') =>
      page.evaluate((v) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => v });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await visibility('hidden');
    await post(ben, election, 'And the south is counted as well.');
    await page.waitForSelector('.ltc-list .ltc-body:has-text("And the south is counted as well.")');
    await waitFor(async () => (await serverItems(anna)).find((i) => i.tickerId === election)?.unread === 1, 'the message unread while the page is hidden');
    await waitFor(async () => (await row(page, 'Election night').locator('.ltcs-unread').textContent().catch(() => null)) === '1 new', 'the count in the (hidden) list');
    await visibility('visible');
    await waitFor(async () => (await serverItems(anna)).find((i) => i.tickerId === election)?.unread === 0, 'the new message read once the page is in view');
    // One read when opened, one when back in view: never the same read again (the chat's and the list's changes in between).
    expect(page.reads).toHaveLength(2);

    // Back: the list, with the counts gone, focus on the chat the reader had open.
    await page.click('.ltcs-back');
    await page.waitForSelector('.ltcs-list:visible');
    await waitFor(async () => (await row(page, 'Election night').locator('.ltcs-unread').count()) === 0, 'the counts at zero');
    expect(await row(page, 'Election night').locator('.ltcs-you').count()).toBe(0);
    expect(await focused(page)).toEqual({ cls: 'ltcs-open', row: election });

    // Leave the cup final: gone here and on the server.
    await row(page, 'Cup final').locator('.ltcs-leave').click();
    await waitFor(async () => (await rowTitles(page)).length === 1, 'the chat gone from the list');
    expect(await rowTitles(page)).toEqual(['Election night: the count']);
    // Focus goes to the row that took its place.
    expect(await focused(page)).toEqual({ cls: 'ltcs-open', row: election });
    expect((await serverItems(anna)).map((i) => i.tickerId)).toEqual([election]);
    expect(await page.locator('.ltcs [role=status]').textContent()).toBe('You left the chat “Cup final”. It comes back when you write there again.');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  const WORDS = {
    en: { prompt: 'Log in to see your chats and who answered you.', unread: '1 new', replies: '1 reply to you', answers: 'answers you', back: '← All chats' },
    de: { prompt: 'Melden Sie sich an, um Ihre Chats und die Antworten an Sie zu sehen.', unread: '1 neu', replies: '1 Antwort an Sie', answers: 'antwortet Ihnen', back: '← Alle Chats' },
    ru: { prompt: 'Войдите, чтобы видеть свои чаты и ответы вам.', unread: 'новых: 1', replies: '1 ответ вам', answers: 'ответ вам', back: '← Все чаты' },
  };
  for (const lang of ['en', 'de', 'ru'] as const) {
    it(`at 390 px in ${lang} the list and an open chat fit the phone, and are accessible`, async () => {
      const words = WORDS[lang];
      const [dana, ben] = [await makeUser(t.url, 'reader', 'Dana'), await makeUser(t.url, 'reader', 'Ben')];
      const long = await ticker('Parliament debates the budget for the next two years, live from the plenary hall');
      const other = await ticker('Weather');
      const hers = await post(dana, long, 'Is the vote today?');
      await post(dana, other, 'Sunny here.');
      await post(ben, long, 'Yes, at 6 pm – and it looks like a close one, with several members still undecided.', hers.id);
      const page = await open(`<liveticker-chats lang="${lang}"></liveticker-chats>`, 390);
      await page.waitForSelector('.ltcs .ltc-join');
      expect(await page.textContent('.ltcs .ltc-join')).toBe(words.prompt);
      await logIn(page, dana);
      await page.waitForSelector('.ltcs-item .ltcs-you');
      expect(await row(page, 'Parliament').locator('.ltcs-unread').textContent()).toBe(words.unread);
      expect(await row(page, 'Parliament').locator('.ltcs-you').textContent()).toBe(words.replies);
      expect(await overflows(page)).toBe(false);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `chats-list-390-${lang}.png`) });
      await row(page, 'Parliament').locator('.ltcs-open').click();
      await page.waitForSelector('.ltcs-chat .ltc-msg.answers');
      expect(await page.locator('.ltc-msg.answers .ltc-mark.you').textContent()).toBe(words.answers);
      expect(await page.locator('.ltcs-back').textContent()).toBe(words.back);
      expect(await overflows(page)).toBe(false);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `chats-open-390-${lang}.png`) });
      expect(page.errors).toEqual([]);
      await page.close();
    });
  }

  it('a scrolled list keeps the row the reader looks at in place when another chat moves to the top', async () => {
    const [cem, ben] = [await makeUser(t.url, 'reader', 'Cem'), await makeUser(t.url, 'reader', 'Ben')];
    const ids: string[] = [];
    for (let i = 1; i <= 14; i++) {
      ids.push(await ticker(`Story number ${i}`));
      await post(cem, ids[i - 1], `My take on story ${i}`);
    }
    const page = await open('<liveticker-chats lang="en"></liveticker-chats>', 390);
    await logIn(page, cem);
    await page.waitForSelector('.ltcs-item:nth-child(14)');
    // Scrolled down to story 10 (the fifth row), which sits at the list's top edge.
    const place = () =>
      page.evaluate(() => {
        const root = document.querySelector('liveticker-chats')!.shadowRoot!;
        const list = root.querySelector('.ltcs-list') as HTMLElement;
        const rows = Array.from(root.querySelectorAll('.ltcs-item')) as HTMLElement[];
        const ten = rows.find((r) => r.textContent!.includes('Story number 10'))!;
        return { top: Math.round(ten.getBoundingClientRect().top - list.getBoundingClientRect().top) || 0, scrollTop: list.scrollTop };
      });
    await page.evaluate(() => {
      const root = document.querySelector('liveticker-chats')!.shadowRoot!;
      const list = root.querySelector('.ltcs-list') as HTMLElement;
      const ten = Array.from(root.querySelectorAll('.ltcs-item')).find((r) => r.textContent!.includes('Story number 10')) as HTMLElement;
      list.scrollTop = ten.getBoundingClientRect().top - list.getBoundingClientRect().top;
    });
    const before = await place();
    expect(before).toEqual({ top: 0, scrollTop: expect.any(Number) });
    expect(before.scrollTop).toBeGreaterThan(0);
    // Story 1, far below, gets a message: it goes to the top, above what the reader looks at.
    await post(ben, ids[0], 'News on story 1');
    await page.waitForSelector('.ltcs-item:first-child .ltcs-unread');
    expect((await rowTitles(page))[0]).toBe('Story number 1');
    expect((await place()).top).toBe(before.top);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("with the newsroom's own accounts (getToken) the panel shows the chats at once; a session ended elsewhere asks the page to log in", async () => {
    const fay = await makeUser(t.url, 'reader', 'Fay');
    const room = await ticker('Harbour festival');
    await post(fay, room, 'See you at the pier.');
    // The panel's script is fetched while the chat's loads: the chat's is held until the panel's is asked for.
    let asked: () => void = () => undefined;
    const panelAsked = new Promise<void>((resolve) => (asked = resolve));
    let shown: () => void = () => undefined;
    const listShown = new Promise<void>((resolve) => (shown = resolve));
    const page = await open(
      `<style>liveticker-chats::part(chat){scroll-margin-top:7px}</style><liveticker-chats lang="en"></liveticker-chats><script>
const el = document.querySelector('liveticker-chats');
el.getToken = async () => ${JSON.stringify(fay.token)};
window.loginAsked = 0;
el.addEventListener('liveticker-login', () => window.loginAsked++);
</script>`,
      1280,
      async (p) => {
        await p.route('**/sdk/liveticker-chats.js', (route) => {
          asked();
          return route.continue();
        });
        await p.route('**/sdk/liveticker-chat.js', async (route) => {
          await panelAsked;
          return route.continue();
        });
        // Who the reader is comes late for the panel (its second question; the inbox view's own comes first).
        let me = 0;
        await p.route('**/api/v1/me', async (route) => {
          if (++me === 2) await listShown;
          return route.continue();
        });
      },
    );
    await page.waitForSelector('.ltcs-item');
    expect(await rowTitles(page)).toEqual(['Harbour festival']);
    // The account behind the host's token, once it is known, makes her own message hers.
    expect(await page.locator('.ltcs-last').textContent()).toBe('Fay: See you at the pier.');
    shown();
    await page.waitForSelector('.ltcs-last:has-text("You: See you at the pier.")');
    // Each script once (the preloaded panel's is the one that runs, after the chat's it builds on).
    expect([...page.scripts].sort()).toEqual(['liveticker-chat.js', 'liveticker-chats.js']);
    expect(await page.locator('liveticker-chats input').count()).toBe(0);
    // The page styles a row through its part (and nothing else of the panel).
    expect(await page.locator('.ltcs-item').evaluate((li) => getComputedStyle(li).scrollMarginTop)).toBe('7px');
    // The session ends elsewhere (logged out on another device): the panel is told and asks the page.
    expect((await raw(t.url, 'POST', '/auth/logout', {}, { authorization: `Bearer ${fay.token}` })).status).toBeLessThan(300);
    await page.waitForSelector('.ltcs .ltc-join');
    expect(await page.locator('.ltcs-item').count()).toBe(0);
    expect(await page.locator('liveticker-chats input').count()).toBe(0);
    await page.click('.ltcs .ltc-primary');
    expect(await page.evaluate(() => (window as any).loginAsked)).toBe(1);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('<liveticker-live> shows a Chats tab beside the discussion once the reader is logged in', async () => {
    const [eva, ben] = [await makeUser(t.url, 'reader', 'Eva'), await makeUser(t.url, 'reader', 'Ben')];
    const here = await ticker('Town hall meeting');
    const elsewhere = await ticker('Marathon');
    const hers = await post(eva, elsewhere, 'Where is the finish line?');
    await post(ben, elsewhere, 'At the old bridge.', hers.id);
    await opsApi(t.url).post(here, { body: '<p>The meeting has begun.</p>' });
    for (const width of [1280, 390]) {
      const page = await open(`<liveticker-live ticker="${here}" lang="en"></liveticker-live>`, width);
      await page.waitForSelector('liveticker-live .ltc-join');
      expect(await page.locator('liveticker-live [role=tablist]').count()).toBe(0);
      // A reader who does not log in never loads the Chats panel's script.
      expect(page.scripts).toEqual(['liveticker-chat.js']);
      await logIn(page, eva);
      await page.waitForSelector('liveticker-live [role=tab]:has-text("Chats")');
      expect(page.scripts).toEqual(['liveticker-chat.js', 'liveticker-chats.js']);
      expect(await page.locator('[role=tab][aria-selected=true]').textContent()).toBe('Discussion');
      await page.click('[role=tab]:has-text("Chats")');
      await page.waitForSelector('liveticker-live .ltcs-item .ltcs-you');
      expect(await page.locator('.ltcs-item .ltcs-title').allTextContents()).toEqual(['Marathon']);
      expect(await page.locator('.ltcs-item .ltcs-you').textContent()).toBe('1 reply to you');
      // Arrow keys move between the tabs.
      await page.focus('[role=tab][aria-selected=true]');
      await page.keyboard.press('ArrowLeft');
      expect(await page.locator('[role=tab][aria-selected=true]').textContent()).toBe('Discussion');
      await page.keyboard.press('ArrowRight');
      expect(await overflows(page)).toBe(false);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `live-chats-tab-${width}.png`), fullPage: true });
      // Logged out (in the discussion's box): the tab goes, the discussion shows.
      await page.click('[role=tab]:has-text("Discussion")');
      await page.click('.ltc-box button.secondary:has-text("Log out")');
      await page.waitForSelector('liveticker-live [role=tablist]', { state: 'hidden' });
      expect(await page.locator('liveticker-live .ltc-join').first().isVisible()).toBe(true);
      expect(page.errors).toEqual([]);
      await page.close();
    }
  });
});
