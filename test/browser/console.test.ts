import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { createClient } from '../../client-sdk/src/client';

/**
 * The newsroom console as editors and moderators use it, in Chromium at a desk's width and a
 * phone's: every step through the page's own controls, every result checked through the API.
 */
describe.each([1280, 390])('the newsroom console at %i px', (width) => {
  let t: TestSetup;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  const phone = width < 600;
  const tag = `w${width}`;

  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 }, schedulerMs: 200 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
    // No prompt(), alert() or confirm() anywhere; no error thrown in the page.
    expect(dialogs.splice(0)).toEqual([]);
    expect(errors.splice(0)).toEqual([]);
  });

  /**
   * A staff account that reads the console in English, as these tests do (staff accounts start
   * in German; the console speaks the account's language).
   */
  async function staff(role: 'editor' | 'moderator' | 'admin', name?: string) {
    const user = await makeUser(t.url, role, name);
    const set = await raw(t.url, 'PATCH', '/me', { locale: 'en' }, { authorization: `Bearer ${user.token}` });
    if (set.status !== 200) throw new Error(`could not set the locale: ${JSON.stringify(set.body)}`);
    return user;
  }

  /** A page of its own (own session storage) logged in with `token`, at this run's width, in a browser set to English. */
  async function desk(token: string | undefined, query = '', url = t.url): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: phone ? 844 : 900 }, isMobile: phone, hasTouch: phone, locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    if (token) await page.addInitScript((tk) => sessionStorage.setItem('liveticker.console.session', tk), token);
    await page.goto(`${url}/console.html${query}`);
    return page;
  }

  /** At a phone's width: one column, nothing wider than the screen, every control at least 44 px high. */
  async function checkPhoneLayout(page: Page, where: string): Promise<void> {
    if (!phone) return;
    const problems = await page.evaluate(() => {
      const out: string[] = [];
      if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
      const targets = document.querySelectorAll<HTMLElement>('.ltx button, .ltx select, .ltx input:not([type=checkbox]):not([type=radio]):not([type=file]), .ltx summary, .ltx label.inline, .ltx label.btn');
      for (const n of targets) {
        const r = n.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue; // hidden
        if (r.height < 43.5) out.push(`${n.tagName.toLowerCase()} "${(n.textContent || n.getAttribute('name') || '').trim().slice(0, 30)}" is ${r.height.toFixed(0)} px high`);
        if (r.right > window.innerWidth + 1) out.push(`${n.tagName.toLowerCase()} "${(n.textContent || '').trim().slice(0, 30)}" sticks out to ${r.right.toFixed(0)} px`);
      }
      return out;
    });
    expect({ where, problems }).toEqual({ where, problems: [] });
  }

  /** axe-core over the console as it stands: no serious or critical violation (run through the debugger protocol, so the page's CSP stays as it is). */
  async function checkA11y(page: Page, where: string): Promise<void> {
    await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const result = (await page.evaluate(() => (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as {
      violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown }> }>;
    };
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect({ where, bad: bad.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`) }).toEqual({ where, bad: [] });
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `console-${name}-${width}.png`), fullPage: true });

  it('an editor logs in, writes with formatting, sees the preview drawn by the widget, and publishes with Ctrl+Enter', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `write-${tag}`, title: 'Election night', status: 'live' });
    const editor = await staff('editor', `Anna ${tag}`);
    const page = await desk(undefined, `?ticker=write-${tag}`);
    await page.fill('input[name=email]', editor.email);
    await page.fill('input[name=password]', 'a long secret');
    await page.click('button[type=submit].primary');
    await page.waitForSelector('.ltx-editor');
    expect(await page.inputValue('select[name=ticker]')).toBe(`write-${tag}`);

    await page.fill('input[name=title]', 'First results');
    await page.click('.ltx-editor');
    await page.keyboard.type('The ');
    await page.keyboard.press('Control+b');
    await page.keyboard.type('turnout');
    await page.keyboard.press('Control+b');
    await page.keyboard.type(' is 71 per cent.');
    await page.keyboard.press('Enter');
    await page.click('button[data-tool=bulletList]');
    await page.keyboard.type('North: 74');
    // The preview is the readers' own rendering, in its own shadow root, as it is typed.
    await page.waitForFunction(() => document.querySelector('[data-testid=preview]')?.shadowRoot?.querySelector('.lt-entry h3')?.textContent === 'First results');
    // The preview is redrawn a moment after the last keystroke: wait for the text's last word
    // (the headline above may have been drawn from an earlier keystroke), then compare it whole.
    const body = '<p>The <strong>turnout</strong> is 71 per cent.</p><ul><li><p>North: 74</p></li></ul>';
    await page
      .waitForFunction((want) => document.querySelector('[data-testid=preview]')?.shadowRoot?.querySelector('.lt-body')?.innerHTML === want, body, { timeout: 5000 })
      .catch(() => undefined);
    expect(await page.evaluate(() => document.querySelector('[data-testid=preview]')!.shadowRoot!.querySelector('.lt-body')!.innerHTML)).toBe(body);
    await checkPhoneLayout(page, 'writing');
    await shot(page, 'write');
    await checkA11y(page, 'writing');
    const html = await page.evaluate(() => document.querySelector('.ltx-editor')!.innerHTML);
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('text=Published.');
    const [entry] = (await raw(t.url, 'GET', `/tickers/write-${tag}/entries`)).body.items;
    // What the editor made is exactly what the server keeps.
    expect(entry).toMatchObject({ title: 'First results', body: '<p>The <strong>turnout</strong> is 71 per cent.</p><ul><li><p>North: 74</p></li></ul>', status: 'published' });
    expect(html).toContain('<strong>turnout</strong>');
    await page.waitForSelector(`ul.entries li[data-id="${entry.id}"]`);
    // The form is empty again for the next entry.
    expect(await page.inputValue('input[name=title]')).toBe('');

    // A template fills kind, headline and text; the desk keeps its own as well.
    await page.selectOption('select[name=template]', { label: 'Score update' });
    expect(await page.inputValue('select[name=kind]')).toBe('key-event');
    expect(await page.inputValue('input[name=title]')).toBe('Goal');
    await page.fill('input[name=title]', 'Turnout update');
    await page.click('button[data-action=save-template]');
    await page.fill('input[name=template-name]', `Turnout ${tag}`);
    await page.click('button[data-action=confirm-template]');
    await page.waitForSelector(`text=Template “Turnout ${tag}” saved.`);
    const templates = (await raw(t.url, 'GET', `/tickers/write-${tag}/templates`, undefined, { authorization: `Bearer ${editor.token}` })).body.items;
    expect(templates.find((x: { name: string }) => x.name === `Turnout ${tag}`)).toMatchObject({ kind: 'key-event', title: 'Turnout update', tickerId: `write-${tag}` });
    // Listed under Settings, and deleted from there (asked inline).
    const saved = templates.find((x: { name: string }) => x.name === `Turnout ${tag}`);
    await page.click('button[data-tab=settings]');
    await page.click(`ul.templates li[data-id="${saved.id}"] button[data-action=delete-template]`);
    await page.click(`ul.templates li[data-id="${saved.id}"] button[data-confirm=yes]`);
    await page.waitForSelector(`text=Template “Turnout ${tag}” deleted.`);
    expect((await raw(t.url, 'GET', `/tickers/write-${tag}/templates`, undefined, { authorization: `Bearer ${editor.token}` })).body.items.map((x: { name: string }) => x.name)).not.toContain(`Turnout ${tag}`);
  });

  it('pasted Word or web HTML arrives clean: no styles, scripts or handlers, links kept', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `paste-${tag}`, title: 'Paste', status: 'live' });
    const editor = await staff('editor');
    const page = await desk(editor.token, `?ticker=paste-${tag}`);
    await page.waitForSelector('.ltx-editor');
    await page.click('.ltx-editor');
    const pasted = `<html><head><style>p{color:red}</style></head><body><!--StartFragment--><p class="MsoNormal" style="font-family:Calibri;color:#333" onclick="alert(1)"><span style="font-weight:bold">Bold from Word</span> and <a href="https://example.org/story" onmouseover="alert(2)" style="color:blue">a link</a><script>alert(3)</script><img src="x" onerror="alert(4)"></p><p><a href="javascript:alert(5)">bad link</a></p><!--EndFragment--></body></html>`;
    await page.evaluate((h) => {
      const dt = new DataTransfer();
      dt.setData('text/html', h);
      dt.setData('text/plain', 'Bold from Word and a link');
      // Word also puts a picture of the copied text on the clipboard: the text must win.
      dt.items.add(new File([new Uint8Array([137, 80, 78, 71])], 'image.png', { type: 'image/png' }));
      document.querySelector('.ltx-editor')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, pasted);
    await page.waitForFunction(() => document.querySelector('.ltx-editor')!.textContent!.includes('Bold from Word'));
    // Clean in the editor already, not only after the server's sanitizer.
    const inEditor = await page.evaluate(() => document.querySelector('.ltx-editor')!.innerHTML);
    expect(inEditor).not.toMatch(/style=|class="Mso|onclick|onmouseover|onerror|<script|<img|javascript:/);
    expect(inEditor).toContain('<strong>Bold from Word</strong>');
    await page.click('button[data-action=submit]');
    await page.waitForSelector('text=Published.');
    const [entry] = (await raw(t.url, 'GET', `/tickers/paste-${tag}/entries`)).body.items;
    expect(entry.body).toBe('<p><strong>Bold from Word</strong> and <a rel="noopener noreferrer nofollow" href="https://example.org/story">a link</a></p><p>bad link</p>');
    expect(entry.image).toBeNull();
    expect(dialogs).toEqual([]);
  });

  it('a picture from the file picker is uploaded, shown with its size reserved, and a required credit is asked for beside its field', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `pic-${tag}`, title: 'Pictures', status: 'live', requireImageCredit: true });
    const editor = await staff('editor');
    const page = await desk(editor.token, `?ticker=pic-${tag}`);
    await page.waitForSelector('.ltx-editor');
    const jpeg = await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#2a6' } }).jpeg().toBuffer();
    await page.setInputFiles('input[name=file]', { name: 'crowd.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await page.waitForSelector('text=/Picture uploaded \\(\\d+ × \\d+\\)/');
    await page.fill('input[name=caption]', 'Queues outside the town hall');
    await page.fill('input[name=title]', 'Queues');
    await page.click('button[data-action=submit]');
    // The ticker asks for a credit: said beside the credit field, nothing published.
    await page.waitForSelector('[data-error-for="image.credit"]:has-text("credit")');
    expect(await page.getAttribute('input[name=credit]', 'aria-invalid')).toBe('true');
    expect((await raw(t.url, 'GET', `/tickers/pic-${tag}/entries`)).body.items).toEqual([]);
    await page.fill('input[name=credit]', 'Photo: Desk');
    await page.fill('input[name=creditUrl]', 'https://example.org/photos');
    await page.waitForFunction(() => document.querySelector('[data-testid=preview]')?.shadowRoot?.querySelector('figcaption')?.textContent?.includes('Photo: Desk'));
    await checkPhoneLayout(page, 'picture');
    await shot(page, 'picture');
    await page.click('button[data-action=submit]');
    await page.waitForSelector('text=Published.');
    const [entry] = (await raw(t.url, 'GET', `/tickers/pic-${tag}/entries`)).body.items;
    expect(entry.image).toMatchObject({ caption: 'Queues outside the town hall', credit: 'Photo: Desk', creditUrl: 'https://example.org/photos', url: expect.stringMatching(/\/media\//) });
    // The size the widget reserves: the stored picture's own, in the photo's proportions.
    expect(entry.image.width / entry.image.height).toBeCloseTo(1600 / 900, 2);
    // …and the list shows it, once the entry arrives on the stream.
    await page.waitForSelector(`ul.entries li[data-id="${entry.id}"] img`);
    const served = await fetch(entry.image.url);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
  });

  it('a picture dropped on the form or pasted into the text is uploaded too', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `drop-${tag}`, title: 'Drops', status: 'live' });
    const editor = await staff('editor');
    const page = await desk(editor.token, `?ticker=drop-${tag}`);
    await page.waitForSelector('.ltx-editor');
    const png = (await sharp({ create: { width: 300, height: 200, channels: 3, background: '#36c' } }).png().toBuffer()).toString('base64');
    const gif = (await sharp({ create: { width: 120, height: 90, channels: 3, background: '#c63' } }).gif().toBuffer()).toString('base64');
    const transfer = (b64: string, name: string, type: string) =>
      page.evaluateHandle(
        ([data, n, ty]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], n, { type: ty }));
          return dt;
        },
        [b64, name, type] as const,
      );
    await page.dispatchEvent('.ltx-drop', 'drop', { dataTransfer: await transfer(png, 'dropped.png', 'image/png') });
    await page.waitForSelector('text=Picture uploaded (300 × 200).');
    // A picture alone on the clipboard, pasted into the text, becomes the entry's picture.
    await page.click('.ltx-editor');
    await page.evaluate(async (dt) => {
      document.querySelector('.ltx-editor')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt as unknown as DataTransfer, bubbles: true, cancelable: true }));
    }, await transfer(gif, 'pasted.gif', 'image/gif'));
    await page.waitForSelector('text=Picture uploaded (120 × 90).');
    await page.fill('input[name=caption]', 'Pasted');
    await page.click('button[data-action=submit]');
    await page.waitForSelector('text=Published.');
    const [entry] = (await raw(t.url, 'GET', `/tickers/drop-${tag}/entries`)).body.items;
    expect(entry.image).toMatchObject({ caption: 'Pasted', width: 120, height: 90, url: expect.stringMatching(/\.gif$/) });
  });

  it('a scheduled entry waits unseen and appears for a reader at its time; a draft is saved and published from its list', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `plan-${tag}`, title: 'Plans', status: 'live' });
    const editor = await staff('editor');
    const reader = createClient({ url: t.url });
    const view = reader.ticker(`plan-${tag}`);
    await view.ready;
    try {
      const page = await desk(editor.token, `?ticker=plan-${tag}`);
      await page.waitForSelector('.ltx-editor');
      await page.fill('input[name=title]', 'Polls close');
      await page.click('.ltx-editor');
      await page.keyboard.type('Polling stations are closing now.');
      await page.selectOption('select[name=mode]', 'schedule');
      const at = new Date(Date.now() + 8000);
      const local = await page.evaluate((iso) => {
        const d = new Date(iso);
        const p = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
      }, at.toISOString());
      await page.fill('input[name=publishAt]', local);
      await page.click('button[data-action=submit]');
      await page.waitForSelector('text=/Scheduled for/');
      // Not there for readers yet; listed under "Scheduled" for the desk.
      expect(view.entries).toEqual([]);
      expect((await raw(t.url, 'GET', `/tickers/plan-${tag}/entries`)).body.items).toEqual([]);
      await page.click('button[data-tab=scheduled]');
      await page.waitForSelector('ul.entries li:has-text("Polls close") .ltx-badge.scheduled');
      await checkPhoneLayout(page, 'scheduled list');
      await shot(page, 'scheduled');
      await waitFor(() => view.entries.some((e) => e.title === 'Polls close'), 'the scheduled entry reaches the reader', 25_000);
      const published = view.entries.find((e) => e.title === 'Polls close')!;
      expect(Date.parse(published.publishedAt)).toBeGreaterThanOrEqual(Math.floor(at.getTime() / 1000) * 1000);

      // A draft: saved, listed, then published from the list.
      await page.click('button[data-tab=published]');
      await page.fill('input[name=title]', 'Draft for later');
      await page.click('.ltx-editor');
      await page.keyboard.type('Not yet.');
      await page.selectOption('select[name=mode]', 'draft');
      await page.click('button[data-action=submit]');
      await page.waitForSelector('text=Draft saved.');
      await page.click('button[data-tab=draft]');
      const row = page.locator('ul.entries li:has-text("Draft for later")');
      await row.locator('button[data-action=publish]').click();
      await waitFor(() => view.entries.some((e) => e.title === 'Draft for later'), 'the draft published from the list');
    } finally {
      reader.close();
    }
  });

  it('two editors see each other; a stale save shows both versions side by side and the editor merges them', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `merge-${tag}`, title: 'Merge', status: 'live' });
    const created = await api.rest.post<{ id: string }>(`/tickers/merge-${tag}/entries`, { title: 'Old title', body: '<p>Old text.</p>' });
    const anna = await staff('editor', `Anna M ${tag}`);
    const ben = await staff('editor', `Ben M ${tag}`);
    const a = await desk(anna.token, `?ticker=merge-${tag}`);
    const b = await desk(ben.token, `?ticker=merge-${tag}`);
    await a.waitForSelector(`li[data-id="${created.id}"]`);
    await b.waitForSelector(`li[data-id="${created.id}"]`);
    // Presence: each sees the other on the desk.
    await a.waitForSelector(`[data-testid=presence] .who:has-text("Ben M ${tag}")`);
    await b.waitForSelector(`[data-testid=presence] .who:has-text("Anna M ${tag}")`);

    await a.click(`li[data-id="${created.id}"] button[data-action=edit]`);
    // Ben sees, live, that Anna is editing this entry.
    await b.waitForSelector(`li[data-id="${created.id}"] .ltx-badge.editing:has-text("Anna M ${tag} is editing")`);
    await b.click(`li[data-id="${created.id}"] button[data-action=edit]`);
    // Both have it open now: each form says so.
    await b.waitForSelector(`[data-testid=also-editing]:has-text("Anna M ${tag} has this entry open too")`);
    await a.waitForSelector(`[data-testid=also-editing]:has-text("Ben M ${tag} has this entry open too")`);
    await b.fill('input[name=title]', 'Ben’s better title');
    await b.click('button[data-action=submit]');
    await b.waitForSelector('text=Saved.');

    // Anna still has version 1 open: her save is refused and both versions are shown.
    await a.click('.ltx-editor');
    await a.keyboard.press('End');
    await a.keyboard.type(' Anna adds a sentence.');
    await a.click('button[data-action=submit]');
    await a.waitForSelector('.ltx-merge:not([hidden])');
    expect(await a.locator('.ltx-merge tr[data-merge-field=title]').textContent()).toContain('Ben’s better title');
    expect(await a.locator('.ltx-merge tr[data-merge-field=body]').textContent()).toContain('Anna adds a sentence.');
    await checkPhoneLayout(a, 'merge');
    await shot(a, 'merge');
    await checkA11y(a, 'merge');
    // Nothing was overwritten meanwhile.
    expect((await raw(t.url, 'GET', `/tickers/merge-${tag}/entries/${created.id}`)).body).toMatchObject({ title: 'Ben’s better title', body: '<p>Old text.</p>', version: 2 });
    // Preset by who changed what: Ben's title (only he changed it), Anna's text (only she did).
    expect(await a.getAttribute('.ltx-merge tr[data-merge-field=title]', 'data-changed-by')).toBe('them');
    expect(await a.isChecked('input[name=merge-title][value=theirs]')).toBe(true);
    expect(await a.isChecked('input[name=merge-body][value=mine]')).toBe(true);
    // While both versions are open, the form's own save is out of the way (it would meet the same 409).
    expect(await a.isVisible('button[data-action=submit]')).toBe(false);
    await a.click('button[data-action=merge-save]');
    await a.waitForSelector('text=Saved.');
    expect((await raw(t.url, 'GET', `/tickers/merge-${tag}/entries/${created.id}`)).body).toMatchObject({ title: 'Ben’s better title', body: '<p>Old text. Anna adds a sentence.</p>', version: 3 });
    // The history lists every version with who saved it; the first is brought back.
    await b.click(`li[data-id="${created.id}"] button[data-action=history]`);
    await b.waitForSelector(`li[data-id="${created.id}"] .ltx-history li[data-version="3"]:has-text("Anna M ${tag}")`);
    await b.click(`li[data-id="${created.id}"] .ltx-history li[data-version="1"] button[data-action=restore]`);
    await waitFor(async () => (await raw(t.url, 'GET', `/tickers/merge-${tag}/entries/${created.id}`)).body.title === 'Old title', 'version 1 restored');
    // Anna leaves: Ben no longer sees her.
    await a.close();
    await b.waitForFunction((name) => !document.querySelector('[data-testid=presence]')!.textContent!.includes(name), `Anna M ${tag}`);
  });

  it('a moderator deletes, edits, mutes and bans from a message, and the log shows it', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `mod-${tag}`, title: 'Moderation', status: 'live' });
    const mod = await staff('moderator', `Mo ${tag}`);
    const troll = await makeUser(t.url, 'reader', `Troll ${tag}`);
    const auth = { authorization: `Bearer ${troll.token}` };
    const m1 = (await raw(t.url, 'POST', `/tickers/mod-${tag}/messages`, { body: 'First rude message', clientId: `c1-${tag}-xxxx` }, auth)).body;
    const m2 = (await raw(t.url, 'POST', `/tickers/mod-${tag}/messages`, { body: 'Second message with a typo', clientId: `c2-${tag}-xxxx` }, auth)).body;
    const witness = await makeUser(t.url, 'reader', `Witness ${tag}`);
    const m3 = (await raw(t.url, 'POST', `/tickers/mod-${tag}/messages`, { body: 'Third, reported', clientId: `c3-${tag}-xxxx` }, auth)).body;
    const report = (await raw(t.url, 'POST', `/messages/${m3.id}/reports`, { reason: 'abuse', note: 'nasty' }, { authorization: `Bearer ${witness.token}` })).body;
    const page = await desk(mod.token, `?ticker=mod-${tag}&tab=chat`);
    // The report waits with the message it is about; deleting from there removes the message.
    await page.waitForSelector(`ul.queue li[data-id="${report.id}"]:has-text("Third, reported")`);
    await page.click(`ul.queue li[data-id="${report.id}"] button[data-action=delete]`);
    await page.waitForSelector('ul.queue li:has-text("Nothing waiting.")');
    await waitFor(async () => (await raw(t.url, 'GET', `/tickers/mod-${tag}/messages`)).body.items.every((m: { id: string; deletedAt: string | null }) => m.id !== m3.id || m.deletedAt), 'the reported message deleted');
    // A moderator's desk has the chat, not the entries.
    await page.waitForSelector(`ul.messages li[data-id="${m2.id}"]`);
    expect(await page.locator('button[data-tab=entries]').count()).toBe(0);

    await page.click(`ul.messages li[data-id="${m1.id}"] button[data-action=delete-message]`);
    await page.click(`ul.messages li[data-id="${m1.id}"] button[data-confirm=yes]`);
    await page.waitForFunction((id) => !document.querySelector(`ul.messages li[data-id="${id}"]`), m1.id);

    await page.click(`ul.messages li[data-id="${m2.id}"] button[data-action=edit-message]`);
    await page.fill(`ul.messages li[data-id="${m2.id}"] textarea[name=message-body]`, 'Second message, corrected');
    await page.click(`ul.messages li[data-id="${m2.id}"] button[data-action=save-message]`);
    await page.waitForSelector(`ul.messages li[data-id="${m2.id}"]:has-text("Second message, corrected")`);

    await page.click(`ul.messages li[data-id="${m2.id}"] button[data-action=mute]`);
    await page.selectOption(`ul.messages li[data-id="${m2.id}"] select[name=minutes]`, String(24 * 60));
    await page.fill(`ul.messages li[data-id="${m2.id}"] input[name=reason]`, 'insults');
    await checkPhoneLayout(page, 'mute form');
    await shot(page, 'moderation');
    await page.click(`ul.messages li[data-id="${m2.id}"] button[data-action=confirm-mute]`);
    await page.waitForSelector(`text=is muted for 24 hours`);
    const muted = (await api.rest.get<{ items: Array<{ id: string; mutedUntil: string | null; bannedAt: string | null }> }>('/users', { q: `Troll ${tag}` })).items[0]!;
    expect(Date.parse(muted.mutedUntil!) - Date.now()).toBeGreaterThan(23 * 3600_000);

    await page.click(`ul.messages li[data-id="${m2.id}"] button[data-action=ban]`);
    await page.fill(`ul.messages li[data-id="${m2.id}"] input[name=reason]`, 'repeated insults');
    await page.click(`ul.messages li[data-id="${m2.id}"] button[data-action=confirm-ban]`);
    await page.waitForSelector(`text=is banned.`);
    const banned = (await api.rest.get<{ items: Array<{ bannedAt: string | null }> }>('/users', { q: `Troll ${tag}` })).items[0]!;
    expect(banned.bannedAt).not.toBeNull();
    // The log names each action, with the reason.
    await page.waitForSelector('ul.log li[data-action="user.ban"]:has-text("repeated insults")');
    await page.waitForSelector(`ul.log li[data-action="user.mute"]:has-text("Troll ${tag}")`);
    await page.waitForSelector('ul.log li[data-action="message.delete"]');
    await page.waitForSelector('ul.log li[data-action="message.edit"]');
    await shot(page, 'moderation-log');
    await checkA11y(page, 'moderation');
    // A moderator runs the room's settings (not the ticker's): slow mode from the Settings tab.
    await page.click('button[data-tab=settings]');
    await page.waitForFunction(() => (document.querySelector('input[name="chat.slowModeSeconds"]') as HTMLInputElement | null)?.value === '0');
    expect(await page.isVisible('input[name=title]')).toBe(false);
    await page.fill('input[name="chat.slowModeSeconds"]', '30');
    await page.click('button[data-action=save-settings]');
    await page.waitForSelector('text=Settings saved.');
    expect((await api.rest.get<{ slowModeSeconds: number }>(`/tickers/mod-${tag}/chat-settings`)).slowModeSeconds).toBe(30);
  });

  it('a session that ends while an entry is being written keeps the entry through the next login', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `lost-${tag}`, title: 'Lost session', status: 'live' });
    const editor = await staff('editor', `Lena ${tag}`);
    const page = await desk(editor.token, `?ticker=lost-${tag}`);
    await page.waitForSelector('.ltx-editor');
    await page.fill('input[name=title]', 'Half-written');
    await page.click('.ltx-editor');
    await page.keyboard.type('Three paragraphs of careful work.');
    // The session ends elsewhere (logged out on another device): the console goes to its login.
    await raw(t.url, 'POST', '/auth/logout', {}, { authorization: `Bearer ${editor.token}` });
    await page.waitForSelector('text=log in again, and the entry you were writing comes back');
    await page.fill('input[name=email]', editor.email);
    await page.fill('input[name=password]', 'a long secret');
    await page.click('button[type=submit].primary');
    await page.waitForSelector('text=Your unsaved entry is back');
    expect(await page.inputValue('input[name=title]')).toBe('Half-written');
    expect(await page.locator('.ltx-editor').textContent()).toContain('Three paragraphs of careful work.');
    await page.click('button[data-action=submit]');
    await page.waitForSelector('text=Published.');
    expect((await raw(t.url, 'GET', `/tickers/lost-${tag}/entries`)).body.items.map((e: { title: string }) => e.title)).toEqual(['Half-written']);
  });

  /** Every value the page's storage holds, sessionStorage and localStorage, as `key=value` lines. */
  const storage = (page: Page) =>
    page.evaluate(() => [sessionStorage, localStorage].flatMap((s) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i)!)}`)));

  /** Which requests and socket frames of the page carried `secret` (method and path, or "ws frame"). */
  function carriers(page: Page, secret: string): string[] {
    const seen: string[] = [];
    page.on('request', (r) => {
      void r.allHeaders().then((h) => {
        if (Object.values(h).some((v) => v.includes(secret)) || (r.postData() ?? '').includes(secret)) seen.push(`${r.method()} ${new URL(r.url()).pathname}`);
      });
    });
    page.on('websocket', (ws) => ws.on('framesent', (f) => void (String(f.payload).includes(secret) && seen.push('ws frame'))));
    return seen;
  }

  it('a fresh install: the ops key is swapped once for the first admin’s session and kept nowhere in the page; widget pages never take it up', async () => {
    // A database of its own: no admin may exist yet (the other tests here make some).
    const fresh = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 } });
    try {
      const page = await desk(undefined, '', fresh.url);
      const sent = carriers(page, OPS_KEY);
      // Pasted where an API token goes, the key is refused on the form and never sent.
      await page.click('text=With an API token');
      await page.fill('input[name=token]', OPS_KEY);
      await page.click('form.ltx-login button[type=submit].primary');
      await page.waitForSelector('[data-error-for=token]:has-text("the ops key does not log in here")');
      expect(await page.inputValue('input[name=token]')).toBe('');

      await page.click('text=First start: create the first admin');
      await page.fill('input[name=ops-key]', 'not-the-key-0123456789');
      await page.fill('input[name=admin-email]', 'chief@example.org');
      await page.fill('input[name=admin-name]', `Chief ${tag}`);
      await page.fill('input[name=admin-password]', 'a long first secret');
      await page.click('button[data-action=first-admin]');
      await page.waitForSelector('[data-error-for=opsKey]:has-text("not the ops key")');
      await checkPhoneLayout(page, 'first start');
      await checkA11y(page, 'first start');
      await page.fill('input[name=ops-key]', OPS_KEY);
      await page.click('button[data-action=first-admin]');
      await page.waitForSelector(`.ltx-top .me:has-text("Chief ${tag} (admin)")`);
      // An admin's desk: the Users tab (or, with no ticker yet, the users page itself).
      await page.waitForSelector('button[data-tab=users], .ltx-users-page');

      // The page keeps the admin's session, not the key: in neither storage, in no field.
      const kept = await storage(page);
      expect(kept.join('\n')).not.toContain(OPS_KEY);
      expect(kept).toEqual([expect.stringMatching(/^liveticker\.console\.session=lts_/)]);
      expect(await page.evaluate((k) => Array.from(document.querySelectorAll('input')).some((i) => i.value.includes(k)), OPS_KEY)).toBe(false);
      // Only the one exchange carried it: the desk's requests and its socket use the session.
      expect(sent).toEqual(['POST /api/v1/auth/first-admin']);
      // A reload stays logged in, with the session.
      await page.reload();
      await page.waitForSelector(`.ltx-top .me:has-text("Chief ${tag} (admin)")`);
      expect(sent).toEqual(['POST /api/v1/auth/first-admin']);
      expect((await storage(page)).join('\n')).not.toContain(OPS_KEY);

      // Once there is an admin, the key makes no other: the form says to log in instead.
      const later = await desk(undefined, '', fresh.url);
      await later.click('text=First start: create the first admin');
      await later.fill('input[name=ops-key]', OPS_KEY);
      await later.fill('input[name=admin-email]', 'second@example.org');
      await later.fill('input[name=admin-name]', 'Second');
      await later.fill('input[name=admin-password]', 'another long secret');
      await later.click('button[data-action=first-admin]');
      await later.waitForSelector('text=This installation has an admin already');
      expect(await storage(later)).toEqual([]);

      // A tab where an older console left the ops key under the chat's key: the widget page
      // neither sends it nor keeps it, and the console clears it too.
      await opsApi(fresh.url).createTicker({ id: 'fresh', title: 'Fresh', status: 'live' });
      const context = await browser.newContext();
      contexts.push(context);
      const widget = await context.newPage();
      widget.on('pageerror', (e) => errors.push(e.message));
      const widgetSent = carriers(widget, OPS_KEY);
      await widget.addInitScript((k) => {
        if (!sessionStorage.getItem('planted')) {
          sessionStorage.setItem('planted', '1');
          sessionStorage.setItem('liveticker.token', k);
        }
      }, OPS_KEY);
      // (Whichever the chat shows first: the invitation to log in, or a box to write in.)
      await widget.goto(`${fresh.url}/widgets/live.html?ticker=fresh&lang=en`);
      await widget.waitForSelector('.ltc-join, .ltc-box textarea, .ltc-box .ltc-note');
      expect(widgetSent).toEqual([]);
      expect(await widget.evaluate(() => sessionStorage.getItem('liveticker.token'))).toBeNull();
      expect(await widget.locator('.ltc-join').count()).toBe(1);
      await widget.goto(`${fresh.url}/widgets/chat.html?ticker=fresh&lang=en`);
      await widget.waitForSelector('.ltc-join');
      expect(widgetSent).toEqual([]);
      await widget.evaluate((k) => sessionStorage.setItem('liveticker.token', k), OPS_KEY);
      await widget.goto(`${fresh.url}/console.html`);
      await widget.waitForSelector('form.ltx-login');
      expect((await storage(widget)).join('\n')).not.toContain(OPS_KEY);
      expect(widgetSent).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('a reader account is turned away from the console', async () => {
    const reader = await makeUser(t.url, 'reader', `Just a reader ${tag}`);
    const other = await desk(reader.token);
    await other.waitForSelector('text=is a reader account');
  });

  it('speaks the account’s language: German for a German account, Russian from the switch (saved: a reload keeps it), dates in that language', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `lang-${tag}`, title: 'Wahlabend', status: 'live' });
    // A plan for another day: its time is written with the month, in the desk's language.
    const later = new Date(Date.now() + 40 * 24 * 3600_000).toISOString();
    await api.rest.post(`/tickers/lang-${tag}/entries`, { title: 'Später', body: '<p>Noch nicht.</p>', status: 'scheduled', publishAt: later });
    const greta = await makeUser(t.url, 'editor', `Greta ${tag}`); // a staff account starts in German
    const page = await desk(undefined, `?ticker=lang-${tag}`);
    // Before login: the browser's language (English here).
    await page.waitForSelector('form.ltx-login');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('form.ltx-login button[type=submit]')).toBe('Log in');
    await page.fill('input[name=email]', greta.email);
    await page.fill('input[name=password]', 'a long secret');
    await page.click('form.ltx-login button[type=submit]');
    await page.waitForSelector('.ltx-editor');
    const inPage = (lang: string) => page.evaluate(([l, iso]) => new Intl.DateTimeFormat(l, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(iso!)), [lang, later]);

    // The account's language: German, words and dates.
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.inputValue('select[name=console-lang]')).toBe('de');
    expect(await page.textContent('button[data-tab=entries]')).toBe('Einträge');
    expect(await page.textContent('.ltx-composer h2')).toBe('Neuer Eintrag');
    expect(await page.textContent('button[data-action=submit]')).toBe('Veröffentlichen');
    await page.click('button[data-tab=scheduled]');
    await page.waitForSelector(`ul.entries li:has-text("Später") .ltx-badge.scheduled:has-text("geplant ${await inPage('de')}")`);
    await checkA11y(page, 'German');

    // The switch: Russian at once, the entry being written kept, the choice saved to the account.
    await page.fill('input[name=title]', 'Явка 71 процент');
    await page.selectOption('select[name=console-lang]', 'ru');
    await page.waitForSelector('html[lang=ru]');
    await page.waitForSelector('button[data-action=submit]:has-text("Опубликовать")');
    expect(await page.textContent('button[data-tab=entries]')).toBe('Записи');
    expect(await page.inputValue('input[name=title]')).toBe('Явка 71 процент');
    expect((await raw(t.url, 'GET', '/me', undefined, { authorization: `Bearer ${greta.token}` })).body.locale).toBe('ru');
    await checkPhoneLayout(page, 'Russian');
    await shot(page, 'russian');
    await checkA11y(page, 'Russian');
    await page.click('.ltx-editor');
    await page.keyboard.type('Данные избиркома.');
    await page.click('button[data-action=submit]');
    await page.waitForSelector('text=Опубликовано.');

    // A reload keeps it: it is the account's.
    await page.reload();
    await page.waitForSelector('.ltx-editor');
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    expect(await page.textContent('button[data-tab=entries]')).toBe('Записи');
    await page.click('button[data-tab=scheduled]');
    await page.waitForSelector(`ul.entries li:has-text("Später") .ltx-badge.scheduled:has-text("${await inPage('ru')}")`);

    // Chosen before logging in, a language becomes the account's at login.
    const max = await makeUser(t.url, 'editor', `Max ${tag}`);
    const other = await desk(undefined, `?ticker=lang-${tag}`);
    await other.selectOption('select[name=console-lang]', 'ru');
    await other.waitForSelector('form.ltx-login button[type=submit]:has-text("Войти")');
    await other.fill('input[name=email]', max.email);
    await other.fill('input[name=password]', 'a long secret');
    await other.click('form.ltx-login button[type=submit]');
    await other.waitForSelector('button[data-tab=entries]:has-text("Записи")');
    expect((await raw(t.url, 'GET', '/me', undefined, { authorization: `Bearer ${max.token}` })).body.locale).toBe('ru');
  });

  it('settings name a refused value beside its field, change nothing, then save', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `set-${tag}`, title: 'Settings', status: 'scheduled' });
    const admin = await staff('admin', `Ada ${tag}`);
    const page = await desk(admin.token, `?ticker=set-${tag}&tab=settings`);
    await page.waitForSelector('input[name="chat.slowModeSeconds"]');
    await page.waitForFunction(() => (document.querySelector('input[name="chat.slowModeSeconds"]') as HTMLInputElement).value === '0');
    await page.fill('input[name="chat.slowModeSeconds"]', '99999');
    await page.click('button[data-action=save-settings]');
    await page.waitForSelector('[data-error-for="chat.slowModeSeconds"]:not(:empty)');
    expect(await page.getAttribute('input[name="chat.slowModeSeconds"]', 'aria-invalid')).toBe('true');
    expect((await api.rest.get<{ slowModeSeconds: number }>(`/tickers/set-${tag}/chat-settings`)).slowModeSeconds).toBe(0);
    await page.fill('input[name=coverageStart]', '2026-11-03T18:00');
    await page.fill('input[name=coverageEnd]', '2026-11-03T08:00');
    await page.fill('input[name="chat.slowModeSeconds"]', '5');
    await page.click('button[data-action=save-settings]');
    await page.waitForSelector('[data-error-for="coverageEnd"]:has-text("ends before it starts")');
    // The refused ticker settings left the chat's alone too.
    expect((await api.rest.get<{ slowModeSeconds: number }>(`/tickers/set-${tag}/chat-settings`)).slowModeSeconds).toBe(0);
    await checkPhoneLayout(page, 'settings');
    await shot(page, 'settings');
    await checkA11y(page, 'settings');
    await page.fill('input[name=coverageEnd]', '2026-11-04T08:00');
    await page.fill('input[name=title]', 'Settings, renamed');
    await page.selectOption('select[name=status]', 'live');
    await page.fill('textarea[name="chat.bannedWords"]', 'spamword\nother');
    await page.click('button[data-action=save-settings]');
    await page.waitForSelector('text=Settings saved.');
    const ticker = (await raw(t.url, 'GET', `/tickers/set-${tag}`)).body;
    expect(ticker).toMatchObject({ title: 'Settings, renamed', status: 'live', chat: { slowModeSeconds: 5 } });
    expect(Date.parse(ticker.coverageEnd) - Date.parse(ticker.coverageStart)).toBe(14 * 3600_000);
    expect((await api.rest.get<{ bannedWords: string[] }>(`/tickers/set-${tag}/chat-settings`)).bannedWords).toEqual(['spamword', 'other']);
    // The picker follows the new title.
    expect(await page.locator(`select[name=ticker] option[value="set-${tag}"]`).textContent()).toContain('Settings, renamed');
  });

  it('admins find users and change their roles; the address opens a ticker; the list pages past 50 and searches', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: `big-${tag}`, title: 'Long night', status: 'live' });
    for (let i = 1; i <= 60; i++) await api.rest.post(`/tickers/big-${tag}/entries`, { title: `Update ${i}`, body: `<p>Number ${i} of the night${i === 7 ? ', with the needle' : ''}.</p>` });
    const admin = await staff('admin', `Root ${tag}`);
    const someone = await makeUser(t.url, 'reader', `Promoted ${tag}`);
    const page = await desk(admin.token, `?ticker=big-${tag}&tab=entries`);
    await page.waitForSelector('ul.entries li[data-id]');
    expect(await page.inputValue('select[name=ticker]')).toBe(`big-${tag}`);
    expect(await page.locator('ul.entries > li[data-id]').count()).toBe(50);
    await page.click('button[data-action=more]');
    await waitFor(async () => (await page.locator('ul.entries > li[data-id]').count()) === 60, 'the older entries');
    await page.fill('input[name=q]', 'needle');
    await page.click('button[data-action=search]');
    await waitFor(async () => (await page.locator('ul.entries > li[data-id]').count()) === 1, 'one search result');
    expect(await page.locator('ul.entries > li[data-id]').textContent()).toContain('Update 7');
    await checkPhoneLayout(page, 'entry list');
    await shot(page, 'entries');

    await page.click('button[data-tab=users]');
    await page.fill('input[name=user-q]', `Promoted ${tag}`);
    await page.click('button[data-action=search-users]');
    await waitFor(async () => (await page.locator('ul.users > li[data-id]').count()) === 1, 'one user found');
    await page.selectOption(`ul.users li[data-id="${someone.id}"] select[name=role]`, 'editor');
    await waitFor(async () => (await api.rest.get<{ items: Array<{ role: string }> }>('/users', { q: someone.email })).items[0]?.role === 'editor', 'the role changed');
    // A ban is asked for inline first, then lifted again.
    await page.click(`ul.users li[data-id="${someone.id}"] button[data-action=ban-user]`);
    await page.click(`ul.users li[data-id="${someone.id}"] button[data-confirm=yes]`);
    await page.waitForSelector(`ul.users li[data-id="${someone.id}"] button[data-action=unban]`);
    expect((await api.rest.get<{ items: Array<{ bannedAt: string | null }> }>('/users', { q: someone.email })).items[0]!.bannedAt).not.toBeNull();
    await page.click(`ul.users li[data-id="${someone.id}"] button[data-action=unban]`);
    await page.waitForSelector(`ul.users li[data-id="${someone.id}"] button[data-action=ban-user]`);
    expect((await api.rest.get<{ items: Array<{ bannedAt: string | null }> }>('/users', { q: someone.email })).items[0]!.bannedAt).toBeNull();
    await checkPhoneLayout(page, 'users');
    await shot(page, 'users');
    await checkA11y(page, 'users');
    expect(new URL(page.url()).searchParams.get('tab')).toBe('users');
  });

  it('an editor sees how many follow the ticker and sends a manual push once, confirmed inline', async () => {
    const ticker = `push-${tag}`;
    await opsApi(t.url).createTicker({ id: ticker, title: 'Polling day', status: 'live' });
    // Follows written straight into the database (their endpoints lead nowhere: what is sent is push-manual.test.ts's).
    const db = t.node.server.ctx.db;
    const now = new Date().toISOString();
    for (const [i, topics] of (['all', 'all', 'key-events'] as const).entries()) {
      await db
        .insertInto('push_follows')
        .values({ id: `f-${tag}-${i}`, ticker_id: ticker, endpoint: `https://push.invalid/${tag}/${i}`, p256dh: 'x', auth: 'x', expires_at: null, topics, lang: null, secret_hash: '0'.repeat(64), user_id: null, created_at: now, updated_at: now, pushed_rev: 0, last_pushed_at: null, pending: 0, failing_since: null, attempts: 0, next_attempt_at: null, lease_owner: null, lease_until: null, manual_seq: 0 })
        .execute();
    }
    const manual = () => db.selectFrom('push_manual').select('text').where('ticker_id', '=', ticker).execute();
    const editor = await staff('editor');
    const page = await desk(editor.token, `?ticker=${ticker}`);
    await page.waitForSelector('.ltx-editor');
    await page.waitForFunction(() => document.querySelector('[data-testid=push] summary')?.textContent === 'Followers and push (3)');
    await page.click('[data-testid=push] summary');
    expect(await page.textContent('[data-testid=followers]')).toBe('Every update: 2 · key events only: 1');

    // Asked first, naming the text and how many; "No" sends nothing.
    await page.fill('input[name=push-text]', 'Breaking: the polls have closed');
    await page.click('button[data-action=push]');
    expect(await page.textContent('[data-testid=push] [role=group]')).toContain('Send “Breaking: the polls have closed” to 3 followers now?');
    await page.click('[data-testid=push] button[data-confirm=no]');
    expect(await page.isVisible('[data-testid=push] [role=group]')).toBe(false);
    await checkPhoneLayout(page, 'push asked');
    await page.click('button[data-action=push]');
    await page.click('[data-testid=push] button[data-confirm=yes]');
    await page.waitForFunction(() => document.querySelector('[data-testid=push] [role=status]')?.textContent === 'Sent: it goes out to 3 followers.');
    expect(await manual()).toEqual([{ text: 'Breaking: the polls have closed' }]);
    expect(await page.inputValue('input[name=push-text]')).toBe('');

    // A refused text is named beside its field, and nothing is sent.
    await page.fill('input[name=push-text]', 'Breaking: <b>bold</b>');
    await page.click('button[data-action=push]');
    await page.click('[data-testid=push] button[data-confirm=yes]');
    await page.waitForSelector('[data-testid=push] [data-error-for=text]:not(:empty)');
    expect(await page.getAttribute('input[name=push-text]', 'aria-invalid')).toBe('true');
    expect(await manual()).toHaveLength(1);
    await checkPhoneLayout(page, 'push');
    await shot(page, 'push');
    await checkA11y(page, 'push');
  });
});
