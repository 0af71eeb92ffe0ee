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

  it('an editor writes a poll in the composer (three answers, counts after the vote) and publishes it', async () => {
    await opsApi(t.url).createTicker({ id: 'desk-new-poll', title: 'New poll', status: 'live' });
    const editor = await makeUser(t.url, 'editor');
    await raw(t.url, 'PATCH', '/me', { locale: 'en' }, { authorization: `Bearer ${editor.token}` });
    const page = await desk(editor.token, '?ticker=desk-new-poll');
    const form = page.locator('.ltx-composer');
    await form.locator('[data-field=kind]').selectOption('poll');
    await form.locator('[data-field="poll.question"]').fill('Which bridge opens first?');
    await form.locator('[data-field="poll.options.0.label"]').fill('North');
    await form.locator('[data-field="poll.options.1.label"]').fill('South');
    await form.locator('button[data-action=add-option]').click();
    await form.locator('[data-field="poll.options.2.label"]').fill('Neither');
    await form.locator('[data-field="poll.results"]').selectOption('after-vote');
    // The preview draws the poll as readers will see it.
    await page.waitForFunction(() => /Which bridge opens first\?.*North.*South.*Neither/s.test(document.querySelector('[data-testid=preview]')?.shadowRoot?.querySelector('.lt-poll')?.textContent ?? ''));
    await form.locator('[data-action=submit]').click();
    await page.waitForSelector('ul.entries .poll strong:has-text("Which bridge opens first?")');
    const list = (await raw(t.url, 'GET', '/tickers/desk-new-poll/entries', undefined, { authorization: `Bearer ${OPS_KEY}` })).body as { items: Array<{ kind: string; poll: { question: string; options: Array<{ label: string }>; resultsMode: string } }> };
    expect(list.items.map((e) => e.kind)).toEqual(['poll']);
    expect(list.items[0]!.poll).toMatchObject({ question: 'Which bridge opens first?', resultsMode: 'after-vote', options: [{ label: 'North' }, { label: 'South' }, { label: 'Neither' }] });
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
