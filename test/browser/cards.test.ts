import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';

const AXE = require.resolve('axe-core/axe.min.js');
const ops = { authorization: `Bearer ${OPS_KEY}` };

interface AxeResult {
  violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }>;
}

const score = (home: number, away: number, minute: number, events: unknown[] = []) => ({
  type: 'score',
  pinned: true,
  data: { home: { name: 'Borussia Dortmund', short: 'BVB', score: home }, away: { name: 'FC Schalke 04', short: 'S04', score: away }, period: '2nd half', minute, status: 'live', events },
});
const RESULTS = {
  type: 'results',
  data: {
    title: 'State election, projection',
    unit: '%',
    counted: 73.4,
    rows: [
      { label: 'Party A', value: 31.5, previous: 28, color: '#1f4e9c' },
      { label: 'Party B', value: 24.2, previous: 27.9, color: '#c00018' },
      { label: 'Party C', value: 12.8, previous: 12.8, color: '#2e7d32' },
      { label: 'Others', value: 31.5 },
    ],
  },
};
const TABLE = { type: 'table', data: { title: 'Medal table', columns: ['Country', 'Gold', 'Silver', 'Bronze'], rows: [['Norway', 16, 8, 13], ['Germany', 12, 10, 5], ['Austria', 5, 11, 7]] } };

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(() => (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as AxeResult;
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}

describe('cards in the ticker widget, in a real browser', () => {
  let t: TestSetup;
  let browser: Browser;

  beforeAll(async () => {
    t = await setup('sqlite', 'memory');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  it('the rendered page shows the cards without JavaScript, and the widget takes them over from its state without asking for them', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'rendered-cards', title: 'Election night', status: 'live', locale: 'en' });
    expect((await raw(t.url, 'PUT', '/tickers/rendered-cards/cards/vote', RESULTS, ops)).status).toBe(201);
    expect((await raw(t.url, 'PUT', '/tickers/rendered-cards/cards/match', score(0, 0, 5), ops)).status).toBe(201);
    for (const width of [1280, 390]) {
      const plain = await (await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false })).newPage();
      await plain.goto(`${t.url}/api/v1/tickers/rendered-cards/html`);
      expect(await plain.locator('#card-match').innerText()).toContain('Borussia Dortmund 0:0 FC Schalke 04');
      expect(await plain.locator('#card-vote caption').innerText()).toBe('State election, projection (73.4 % counted)');
      expect(await plain.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await plain.screenshot({ path: path.join(SHOTS, `cards-rendered-${width}.png`), fullPage: true });
      await plain.context().close();
    }
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/cards')) asked.push(r.url());
    });
    await page.goto(`${t.url}/api/v1/tickers/rendered-cards/html`);
    await page.waitForSelector('liveticker-ticker .lt-cards .lt-card-score');
    expect(await page.locator('liveticker-ticker .lt-cards .lt-card-score .lt-goals').textContent()).toBe('0 : 0');
    // Live from the rendered revision.
    expect((await raw(t.url, 'PUT', '/tickers/rendered-cards/cards/match', score(1, 0, 9), ops)).status).toBe(200);
    await page.waitForFunction(() => document.querySelector('liveticker-ticker')?.shadowRoot?.querySelector('.lt-card-score .lt-goals')?.textContent === '1 : 0');
    expect(asked).toEqual([]);
    await page.context().close();
  });

  it('shows a scoreboard with the minute, a results chart with the counted share and each change in words, a sortable table in its entry; a goal is announced politely; axe finds nothing serious at 1280 and 390 px', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'derby', title: 'Derby and election night', status: 'live', locale: 'en' });
    const entry = await api.post('derby', { title: 'Medals so far', body: '<p>The table after day 9.</p>' });
    const events = [
      { minute: 23, team: 'home', kind: 'goal', text: 'Adeyemi' },
      { minute: 51, team: 'away', kind: 'goal', text: 'Terodde' },
      { minute: 60, team: 'away', kind: 'yellow-card', text: 'Ouwejan' },
    ];
    for (const [id, body] of [
      ['match', score(1, 1, 67, events)],
      ['vote', RESULTS],
      ['medals', { ...TABLE, entryId: entry.id }],
    ] as const) {
      expect((await raw(t.url, 'PUT', `/tickers/derby/cards/${id}`, body, ops)).status).toBe(201);
    }
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, bypassCSP: true })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${t.url}/widgets/ticker.html?ticker=derby&lang=en`);
    await page.waitForSelector('.lt-card-score');

    // The scoreboard: both teams, the score, the state with the minute; the group is named by the score in words.
    expect(await page.locator('.lt-card-score .lt-goals').textContent()).toBe('1 : 1');
    expect(await page.locator('.lt-card-score .lt-score-meta').textContent()).toBe("Live · 2nd half · 67'");
    expect(await page.locator('.lt-card-score [role=group]').getAttribute('aria-label')).toBe('Borussia Dortmund 1:1 FC Schalke 04');
    // The results: counted share, every value and its change as text (never colour alone).
    expect(await page.locator('.lt-results caption small').textContent()).toBe('73.4 % counted');
    const rows = await page.locator('.lt-results tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
    expect(rows).toEqual(['Party A 31.5 % +3.5', 'Party B 24.2 % −3.7', 'Party C 12.8 % 0', 'Others 31.5 % –']);
    // The table sits in its entry and sorts by a column.
    const table = page.locator(`#entry-${entry.id} .lt-ctable`);
    await table.getByRole('button', { name: 'Silver' }).click();
    expect(await table.locator('th[aria-sort=descending]').textContent()).toBe('Silver');
    expect(await table.locator('tbody th').allTextContents()).toEqual(['Austria', 'Germany', 'Norway']);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.column)).toBe('2');

    // A goal: the score moves, and the polite live region says it.
    expect((await raw(t.url, 'PUT', '/tickers/derby/cards/match', score(2, 1, 71, [{ minute: 70, team: 'home', kind: 'goal', text: 'Brandt' }, ...events]), ops)).status).toBe(200);
    await page.waitForFunction(() => document.querySelector('.lt-card-score .lt-goals')?.textContent === '2 : 1');
    expect(await page.locator('[aria-live=polite]').first().textContent()).toBe('Score: Borussia Dortmund 2:1 FC Schalke 04');
    expect(await page.locator('.lt-score-events li').first().textContent()).toBe("70'Goal: BVB: Brandt");
    // The table kept its sort across the other card's update.
    expect(await table.locator('th[aria-sort=descending]').textContent()).toBe('Silver');

    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'cards-1280.png'), fullPage: true });

    // On a phone: short team names, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.locator('.lt-card-score .lt-team.home').innerText()).toBe('BVB');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'cards-390.png'), fullPage: true });

    // A deleted card leaves the widget.
    expect((await raw(t.url, 'DELETE', '/tickers/derby/cards/vote', undefined, ops)).status).toBe(200);
    await page.waitForFunction(() => !document.querySelector('.lt-card-results'));
    expect(errors).toEqual([]);
  });
});
