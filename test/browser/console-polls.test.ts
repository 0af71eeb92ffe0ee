import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';

describe('polls in the newsroom console', () => {
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

  async function desk(token: string, query: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript((tk) => sessionStorage.setItem('liveticker.console.session', tk), token);
    await page.goto(`${t.url}/console.html${query}`);
    return page;
  }

  it("the desk sees a poll's counts move as readers vote, and closes it now", async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'desk-poll', title: 'Debate', status: 'live' });
    const poll = await api.post('desk-poll', { kind: 'poll', poll: { question: 'Who won?', options: [{ id: 'a', label: 'Anna' }, { id: 'b', label: 'Ben' }] } });
    const editor = await makeUser(t.url, 'editor');
    await raw(t.url, 'PATCH', '/me', { locale: 'en' }, { authorization: `Bearer ${editor.token}` });
    const page = await desk(editor.token, '?ticker=desk-poll');
    const row = page.locator(`ul.entries li[data-id="${poll.id}"]`);
    await row.locator('.poll li[data-option=a]').waitFor();
    expect(await row.locator('.poll li[data-option=a]').textContent()).toBe('Anna: 0 (0 %)');

    const reader = await makeUser(t.url);
    expect((await raw(t.url, 'POST', `/tickers/desk-poll/entries/${poll.id}/votes`, { optionId: 'b' }, { authorization: `Bearer ${reader.token}` })).status).toBe(200);
    await page.waitForSelector(`ul.entries li[data-id="${poll.id}"] .poll li[data-option=b]:has-text("Ben: 1 (100 %)")`);

    await row.locator('button[data-action=close-poll]').click();
    await row.locator('button[data-confirm=yes]').click();
    await page.waitForSelector(`ul.entries li[data-id="${poll.id}"] .poll .meta:has-text("1 vote · Closed")`);
    expect(await page.locator(`ul.entries li[data-id="${poll.id}"] button[data-action=close-poll]`).count()).toBe(0);
    expect((await raw(t.url, 'GET', `/tickers/desk-poll/entries/${poll.id}`, undefined, { authorization: `Bearer ${OPS_KEY}` })).body.poll.closed).toBe(true);
    expect(errors).toEqual([]);
  });

  it("sees the counts of a poll whose readers see them only once it closed (the stream carries none)", async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'desk-hidden', title: 'Hidden', status: 'live' });
    const poll = await api.post('desk-hidden', { kind: 'poll', poll: { question: 'Which way?', options: [{ id: 'l', label: 'Left' }, { id: 'r', label: 'Right' }], results: 'after-close' } });
    const editor = await makeUser(t.url, 'editor');
    await raw(t.url, 'PATCH', '/me', { locale: 'en' }, { authorization: `Bearer ${editor.token}` });
    const page = await desk(editor.token, '?ticker=desk-hidden');
    await page.locator(`ul.entries li[data-id="${poll.id}"] .poll li[data-option=l]`).waitFor();
    const reader = await makeUser(t.url);
    const vote = await raw(t.url, 'POST', `/tickers/desk-hidden/entries/${poll.id}/votes`, { optionId: 'r' }, { authorization: `Bearer ${reader.token}` });
    expect(vote.status).toBe(200);
    expect(vote.body.results).toBeUndefined();
    await page.waitForSelector(`ul.entries li[data-id="${poll.id}"] .poll li[data-option=r]:has-text("Right: 1 (100 %)")`, { timeout: 15_000 });
    expect(errors).toEqual([]);
  });
});
