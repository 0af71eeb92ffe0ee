import path from 'node:path';
import type { Browser } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

describe('the newsroom web console in a real browser', () => {
  let t: TestSetup;
  let browser: Browser;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  it('lets an editor-moderator publish, pin and delete entries and work the chat queue live', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'desk', title: 'Desk test', status: 'live' });
    await api.rest.patch('/tickers/desk/chat-settings', { mode: 'premoderated' });
    const admin = await makeUser(t.url, 'admin', 'Chief');
    const reader = await makeUser(t.url);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${t.url}/console.html`);
    await page.fill('input[name=email]', admin.email);
    await page.fill('input[name=password]', 'a long secret');
    await page.click('button.primary');
    await page.waitForSelector('select[name=ticker]');

    await page.fill('input[name=title]', 'Breaking');
    await page.fill('textarea[name=body]', '<p>The <strong>result</strong> is in.</p>');
    await page.click('text=Publish');
    await page.waitForSelector('ul.entries li');
    const [entry] = (await raw(t.url, 'GET', '/tickers/desk/entries')).body.items;
    expect(entry).toMatchObject({ title: 'Breaking', body: '<p>The <strong>result</strong> is in.</p>', author: { id: admin.id, displayName: 'Chief' } });

    await page.click(`li[data-id="${entry.id}"] button[data-action=pin]`);
    await page.waitForSelector(`li.pinned[data-id="${entry.id}"]`);

    // A held chat message shows up in the queue live and is approved from there.
    const held = await raw(t.url, 'POST', '/tickers/desk/messages', { body: 'Is this approved?', clientId: 'console-test-1' }, { authorization: `Bearer ${reader.token}` });
    expect(held.body.status).toBe('pending');
    await page.waitForSelector(`ul.queue li[data-id="${held.body.id}"]`);
    await page.screenshot({ path: path.join(SHOTS, 'console.png') });
    await page.click(`ul.queue li[data-id="${held.body.id}"] button[data-action=approve]`);
    await page.waitForSelector('text=Nothing waiting.');
    expect((await raw(t.url, 'GET', '/tickers/desk/messages')).body.items.map((m: { body: string }) => m.body)).toEqual(['Is this approved?']);

    await page.click(`li[data-id="${entry.id}"] button[data-action=delete]`);
    await page.waitForFunction((id) => !document.querySelector(`li[data-id="${id}"]`), entry.id);
    expect((await raw(t.url, 'GET', '/tickers/desk/entries')).body).toMatchObject({ items: [], pinned: [] });
    await page.click('button[data-status=ended]');
    await waitFor(async () => (await raw(t.url, 'GET', '/tickers/desk')).body.status === 'ended', 'status set from the console');
    expect(errors).toEqual([]);
  });
});
