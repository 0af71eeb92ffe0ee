import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const AXE = require.resolve('axe-core/axe.min.js');

interface AxeResult {
  violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }>;
}

describe('questions to the desk, in a real browser', () => {
  let t: TestSetup;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await t.close();
  });

  async function page(width: number, bypassCSP = false): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-US', bypassCSP });
    contexts.push(context);
    const p = await context.newPage();
    p.on('pageerror', (e) => errors.push(e.message));
    return p;
  }

  async function axe(p: Page): Promise<string[]> {
    await p.addScriptTag({ path: AXE });
    const result = (await p.evaluate(() => (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as AxeResult;
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
  }

  it('a verified reader asks in the widget, an editor answers in the console, and the answer appears in the reader’s widget with the question quoted', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'ask-night', title: 'Election night', status: 'live', locale: 'en' });
    await api.post('ask-night', { title: 'Polls closed', body: '<p>First projections at 6 pm.</p>' });
    const reader = await makeUser(t.url, 'reader', 'Greta');

    // An anonymous visitor is invited to log in or register, as in the chat.
    const visitor = await page(390);
    await visitor.goto(`${t.url}/widgets/live.html?ticker=ask-night&lang=en`);
    await visitor.waitForSelector('.ltc-ask');
    expect(await visitor.textContent('.ltc-ask')).toContain('To ask the newsroom a question, log in or register above.');
    expect(await visitor.locator('.ltc-ask textarea').count()).toBe(0);

    // The reader logs in in the widget and asks, with their name shown.
    const me = await page(1280, true);
    // Every beacon kept in the page; the widget's 15-second batch runs when the test says (no clock decides what is sent when).
    await me.context().addInitScript(`(() => {
      window.__beacons = [];
      const send = navigator.sendBeacon.bind(navigator);
      navigator.sendBeacon = (url, data) => { window.__beacons.push(String(data)); return send(url, data); };
      window.__ticks = [];
      const every = window.setInterval.bind(window);
      window.setInterval = (fn, ms, ...args) => (ms === 15000 ? (window.__ticks.push(fn), 0) : every(fn, ms, ...args));
    })();`);
    await me.goto(`${t.url}/widgets/live.html?ticker=ask-night&lang=en`);
    await me.fill('.ltc-box input[name=email]', reader.email);
    await me.fill('.ltc-box input[name=password]', 'a long secret');
    await me.click('.ltc-primary');
    await me.waitForSelector('.ltc-ask textarea');
    await me.getByLabel('Your question to the newsroom').fill('Can I still vote if I lost my polling card?');
    await me.getByLabel('Show my display name if it is answered').check();
    await me.click('.ltc-ask-send');
    await me.waitForSelector('.ltc-ask .ltc-note.ok');
    await me.waitForSelector('[data-testid=my-questions] li[data-status=open]');
    expect(await me.textContent('[data-testid=my-questions] li')).toContain('Can I still vote if I lost my polling card?');
    // The ticker's reach counts the question asked: not in a beacon of its own, but in the widget's next batch.
    const beacons = async () => (await me.evaluate(() => (window as unknown as { __beacons: string[] }).__beacons)).map((b) => JSON.parse(b) as { tickerId: string; events: Array<{ type: string }> });
    expect((await beacons()).flatMap((b) => b.events).filter((e) => e.type === 'question.ask')).toEqual([]);
    await me.evaluate(() => {
      for (const tick of (window as unknown as { __ticks: Array<() => void> }).__ticks) tick();
    });
    const carried = (await beacons()).filter((b) => b.events.some((e) => e.type === 'question.ask'));
    expect(carried).toHaveLength(1);
    expect(carried[0]!.tickerId).toBe('ask-night');
    expect(carried[0]!.events.map((e) => e.type)).toContain('page.view');
    const asked = async () => ((await raw(t.url, 'GET', '/tickers/ask-night/analytics', undefined, { authorization: `Bearer ${OPS_KEY}` })).body as { engagement: { questions: number } }).engagement.questions;
    await waitFor(async () => (await asked()) === 1, 'the question counted in the reach');
    expect(await me.textContent('[data-testid=my-questions] li')).toContain('waiting for an answer');
    // Made public: the question appears for every reader, live; another reader upvotes it, the asker cannot.
    expect((await raw(t.url, 'PATCH', '/tickers/ask-night', { questions: { public: true } }, { authorization: `Bearer ${OPS_KEY}` })).status).toBe(200);
    await visitor.waitForSelector('[data-testid=public-questions] li');
    expect(await visitor.locator('[data-testid=public-questions] button').count()).toBe(0);
    await me.waitForSelector('[data-testid=public-questions] li');
    expect(await me.textContent('[data-testid=public-questions] li')).toContain('your question');
    const second = await makeUser(t.url, 'reader', 'Hans');
    const other = await page(390);
    await other.goto(`${t.url}/widgets/live.html?ticker=ask-night&lang=en`);
    await other.fill('.ltc-box input[name=email]', second.email);
    await other.fill('.ltc-box input[name=password]', 'a long secret');
    await other.click('.ltc-primary');
    const upvote = other.getByRole('button', { name: 'I want to know too: Can I still vote if I lost my polling card?' });
    await upvote.click();
    await other.waitForSelector('[data-testid=public-questions] button[aria-pressed=true]');
    expect(await other.textContent('[data-testid=public-questions] li')).toContain('1 vote');
    // The asker and the visitor see the count move through the stream (at most a second later).
    await me.waitForSelector('[data-testid=public-questions] li:has-text("1 vote")');
    await visitor.waitForSelector('[data-testid=public-questions] li:has-text("1 vote")');
    expect(await axe(me)).toEqual([]);
    await me.screenshot({ path: path.join(SHOTS, 'questions-asked-1280.png'), fullPage: true });
    await other.screenshot({ path: path.join(SHOTS, 'questions-upvoted-390.png'), fullPage: true });
    await visitor.screenshot({ path: path.join(SHOTS, 'questions-invitation-390.png'), fullPage: true });

    // The editor's Questions tab: the queue live, its count on the tab; answered in the entries' composer.
    const editor = await makeUser(t.url, 'editor');
    await raw(t.url, 'PATCH', '/me', { locale: 'en' }, { authorization: `Bearer ${editor.token}` });
    const desk = await page(1280);
    await desk.addInitScript((tk) => sessionStorage.setItem('liveticker.console.session', tk), editor.token);
    await desk.goto(`${t.url}/console.html?ticker=ask-night&tab=questions`);
    await desk.waitForSelector('[data-testid=questions] li[data-id]');
    await desk.waitForFunction(() => document.querySelector('[data-tab=questions]')?.textContent === 'Questions (1)');
    expect(await desk.textContent('[data-testid=questions] li')).toContain('Greta');
    await desk.click('[data-testid=questions] button[data-action=answer]');
    await desk.waitForSelector('[data-testid=answering]:not([hidden])');
    expect(await desk.textContent('[data-testid=answering]')).toContain('Can I still vote if I lost my polling card?');
    await desk.click('.ltx-editor');
    await desk.keyboard.type('Yes: bring your ID card to your polling station.');
    await desk.click('.ltx-composer button[data-action=submit]');
    await desk.waitForFunction(() => document.querySelector('[data-tab=questions]')?.textContent === 'Questions');
    expect(await desk.textContent('[data-testid=questions]')).toContain('No open questions.');

    // The reader's widget: the answer as an entry with the question quoted (by name, as they agreed); their list says answered.
    await me.waitForSelector('.lt-entry.answer blockquote.lt-question');
    expect(await me.textContent('.lt-entry.answer .lt-question p')).toBe('Can I still vote if I lost my polling card?');
    expect(await me.textContent('.lt-entry.answer .lt-question footer')).toBe('— Greta asks');
    expect(await me.textContent('.lt-entry.answer .lt-body')).toContain('bring your ID card');
    await me.waitForSelector('[data-testid=my-questions] li[data-status=answered]');
    // And in the other readers' widgets, on a phone's width; the answered question leaves the public list.
    await visitor.waitForSelector('.lt-entry.answer blockquote.lt-question');
    await other.waitForSelector('[data-testid=public-questions] li', { state: 'detached' });
    expect(await axe(me)).toEqual([]);
    await me.screenshot({ path: path.join(SHOTS, 'questions-answered-1280.png'), fullPage: true });
    await visitor.screenshot({ path: path.join(SHOTS, 'questions-answered-390.png'), fullPage: true });
    const narrow = await page(390, true);
    await narrow.goto(`${t.url}/widgets/live.html?ticker=ask-night&lang=en`);
    await narrow.waitForSelector('.lt-entry.answer blockquote.lt-question');
    expect(await axe(narrow)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("the asker's list shows a dismissed question with the desk's reason, as text", async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'ask-dismissed', title: 'Storm night', status: 'live', locale: 'en' });
    const reader = await makeUser(t.url, 'reader', 'Ida');
    const asked = await raw(t.url, 'POST', '/tickers/ask-dismissed/questions', { body: 'Is the bridge closed?', clientId: 'dismissed-question-1' }, { authorization: `Bearer ${reader.token}` });
    expect(asked.status).toBe(201);
    const reason = 'Answered in the <b>6 pm</b> entry';
    expect((await raw(t.url, 'POST', `/questions/${asked.body.id}/dismiss`, { reason }, { authorization: `Bearer ${OPS_KEY}` })).status).toBe(200);

    const me = await page(390);
    await me.goto(`${t.url}/widgets/live.html?ticker=ask-dismissed&lang=en`);
    await me.fill('.ltc-box input[name=email]', reader.email);
    await me.fill('.ltc-box input[name=password]', 'a long secret');
    await me.click('.ltc-primary');
    const item = me.locator('[data-testid=my-questions] li[data-status=dismissed]');
    await item.waitFor();
    expect(await item.locator('.ltc-state').textContent()).toBe('will not be answered');
    expect(await item.locator('.ltc-reason').textContent()).toBe(`The newsroom says: ${reason}`);
    expect(await item.locator('b').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
