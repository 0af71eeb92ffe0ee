import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';

const AXE = require.resolve('axe-core/axe.min.js');
const ops = { authorization: `Bearer ${OPS_KEY}` };

describe('cards in the newsroom console', () => {
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

  async function desk(token: string, query: string, width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-US', bypassCSP: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript((tk) => sessionStorage.setItem('liveticker.console.session', tk), token);
    await page.goto(`${t.url}/console.html${query}`);
    return page;
  }

  it("an editor makes a score card with the form, a feed moves it on, the editor's stale save is refused (409) and the current one loads; the feed's JSON is there to copy", async () => {
    await opsApi(t.url).createTicker({ id: 'desk-cards', title: 'Derby', status: 'live' });
    const editor = await makeUser(t.url, 'editor');
    await raw(t.url, 'PATCH', '/me', { locale: 'en' }, { authorization: `Bearer ${editor.token}` });
    const page = await desk(editor.token, '?ticker=desk-cards&tab=cards');
    const panel = page.locator('[data-testid=cards]');
    await panel.locator('li.meta:has-text("No cards yet.")').waitFor();
    await panel.locator('button[data-action=new-card]').click();
    const form = panel.locator('form.ltx-card-form');
    await form.locator('[data-field=cardId]').fill('match');
    await form.locator('[data-field="data.home.name"]').fill('Borussia Dortmund');
    await form.locator('[data-field="data.home.short"]').fill('BVB');
    await form.locator('[data-field="data.away.name"]').fill('FC Schalke 04');
    await form.locator('[data-field="data.period"]').fill('1st half');
    await form.locator('[data-field="data.minute"]').fill('12');
    await form.locator('[data-field="data.status"]').selectOption('live');
    await form.locator('[data-field=pinned]').check();
    // The JSON a feed would send follows the form.
    const json = JSON.parse(await form.locator('[data-testid=card-json]').inputValue());
    expect(json).toEqual({ type: 'score', data: { home: { name: 'Borussia Dortmund', short: 'BVB', score: 0 }, away: { name: 'FC Schalke 04', score: 0 }, period: '1st half', minute: 12, status: 'live' } });
    await form.locator('button[data-action=save-card]').click();
    await form.locator('p[role=status]:has-text("Card match saved (version 1).")').waitFor();
    // The list is live from the ticker's stream.
    await panel.locator('li[data-card=match]:has-text("match · Score · v1 · Pinned to the top")').waitFor();

    // A data feed moves it on while the form still shows version 1.
    expect((await raw(t.url, 'PUT', '/tickers/desk-cards/cards/match', { ...json, data: { ...json.data, home: { ...json.data.home, score: 1 } } }, ops)).status).toBe(200);
    await panel.locator('li[data-card=match]:has-text("v2")').waitFor();
    await form.locator('[data-field="data.minute"]').fill('14');
    await form.locator('button[data-action=save-card]').click();
    await form.locator('p[role=status]:has-text("changed meanwhile")').waitFor();
    expect((await raw(t.url, 'GET', '/tickers/desk-cards/cards')).body.items[0]).toMatchObject({ version: 2, data: { minute: 12, home: { score: 1 } } });
    await form.locator('button[data-action=reload-card]').click();
    expect(await panel.locator('form.ltx-card-form [data-field="data.home.score"]').inputValue()).toBe('1');

    // A refused value is named beside its field.
    await panel.locator('form.ltx-card-form [data-field="data.minute"]').fill('300');
    await panel.locator('form.ltx-card-form button[data-action=save-card]').click();
    await panel.locator('form.ltx-card-form [data-error-for="data.minute"]:not(:empty)').waitFor();
    expect((await raw(t.url, 'GET', '/tickers/desk-cards/cards')).body.items[0].version).toBe(2);

    await page.addScriptTag({ path: AXE });
    const result = (await page.evaluate(() => (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as {
      violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }>;
    };
    expect(result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'console-cards-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'console-cards-390.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
