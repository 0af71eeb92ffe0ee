import path from 'node:path';
import type { Browser } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';

const AXE = require.resolve('axe-core/axe.min.js');

interface AxeResult {
  violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }>;
}

describe('a poll in the ticker widget, in a real browser', () => {
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

  it("one reader votes and another reader's bars move; the close is announced with the final result; axe finds nothing serious", async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'debate', title: 'Debate night', status: 'live', locale: 'en' });
    const poll = await api.post('debate', {
      kind: 'poll',
      poll: { question: 'Who won the debate?', options: [{ id: 'a', label: 'Candidate A' }, { id: 'b', label: 'Candidate B' }], allowAnonymous: true },
    });
    // Two readers: two browser contexts (their own cookies, so their own devices). The voter's
    // page lets the test add axe-core (the widget page's CSP takes no script of the test's).
    const [voter, watcher] = await Promise.all([true, false].map(async (bypassCSP) => (await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP })).newPage()));
    const errors: string[] = [];
    for (const page of [voter!, watcher!]) {
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${t.url}/widgets/ticker.html?ticker=debate&lang=en`);
      await page.waitForSelector('.lt-poll [role=group] button');
    }
    const countOf = (page: typeof voter, option: string) => page!.locator(`.lt-poll-bars li[data-option="${option}"] .lt-poll-num`).textContent();
    expect(await countOf(watcher, 'a')).toBe('0 % (0 votes)');
    // The options are buttons in a group named by the question.
    const group = voter!.locator('.lt-poll [role=group]');
    expect(await group.getAttribute('aria-labelledby')).toBe(`poll-q-${poll.id}`);

    await voter!.getByRole('button', { name: 'Candidate A' }).click();
    await voter!.waitForSelector('.lt-poll button[data-option=a][aria-pressed=true]');
    expect(await countOf(voter, 'a')).toBe('100 % (1 vote)');
    expect(await voter!.locator('.lt-poll-note').textContent()).toBe('Thank you, your vote counts.');
    // The other reader's bars move through the stream, and a reader on a button stays there while they do.
    await watcher!.focus('.lt-poll button[data-option=b]');
    await watcher!.waitForFunction(() => document.querySelector('.lt-poll-bars li[data-option="a"] .lt-poll-num')?.textContent === '100 % (1 vote)');
    expect(await watcher!.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.option)).toBe('b');

    await voter!.addScriptTag({ path: AXE });
    const result = (await voter!.evaluate(() => (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as AxeResult;
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`)).toEqual([]);
    await voter!.screenshot({ path: path.join(SHOTS, 'poll-voted.png') });

    // An editor closes it: the watcher's polite live region says the final result, the buttons go.
    expect((await raw(t.url, 'POST', `/tickers/debate/entries/${poll.id}/close`, undefined, { authorization: `Bearer ${OPS_KEY}` })).status).toBe(200);
    await watcher!.waitForFunction(() => /Poll closed: Who won the debate\? Candidate A 100 % \(1\)/.test(document.querySelector('[aria-live=polite]')?.textContent ?? ''));
    expect(await watcher!.locator('.lt-poll [role=group]').count()).toBe(0);
    expect(await watcher!.locator('.lt-poll-foot').last().textContent()).toBe('1 vote · Voting closed');
    // On a phone the closed poll's bars fit the width (nothing scrolls sideways).
    await watcher!.setViewportSize({ width: 390, height: 844 });
    expect(await watcher!.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await watcher!.screenshot({ path: path.join(SHOTS, 'poll-closed-390.png') });
    expect(errors).toEqual([]);
  });

  it('after-vote: the reader who voted sees the counts move live and keeps their vote and the counts over a reload; one who did not sees none', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'after-vote', title: 'Debate night', status: 'live', locale: 'en' });
    const poll = await api.post('after-vote', {
      kind: 'poll',
      poll: { question: 'Who won the debate?', options: [{ id: 'a', label: 'Candidate A' }, { id: 'b', label: 'Candidate B' }], results: 'after-vote', allowAnonymous: true },
    });
    const [voter, outsider] = await Promise.all([0, 1].map(async () => (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()));
    const errors: string[] = [];
    for (const page of [voter!, outsider!]) {
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${t.url}/widgets/ticker.html?ticker=after-vote&lang=en`);
      await page.waitForSelector('.lt-poll [role=group] button');
    }
    const countIs = (page: typeof voter, option: string, text: string) =>
      page!.waitForFunction(([o, want]) => document.querySelector(`.lt-poll-bars li[data-option="${o}"] .lt-poll-num`)?.textContent === want, [option, text] as const);
    await voter!.getByRole('button', { name: 'Candidate A' }).click();
    await countIs(voter, 'a', '100 % (1 vote)');
    // Another reader votes (another device): the voter's bars move without a reload.
    expect((await raw(t.url, 'POST', `/tickers/after-vote/entries/${poll.id}/votes`, { optionId: 'b' })).status).toBe(200);
    await countIs(voter, 'b', '50 % (1 vote)');
    expect(await voter!.locator('.lt-poll-bars li[data-option="a"] .lt-poll-num').textContent()).toBe('50 % (1 vote)');
    // A reload keeps the reader's vote (pressed, ticked) and their counts.
    await voter!.reload();
    await countIs(voter, 'b', '50 % (1 vote)');
    expect(await voter!.locator('.lt-poll button[data-option=a]').getAttribute('aria-pressed')).toBe('true');
    expect(await voter!.locator('.lt-poll-bars li[data-option="a"] .lt-poll-row span').first().textContent()).toBe('Candidate A ✓');
    // The reader who did not vote saw the same changes and no counts at all.
    expect((await raw(t.url, 'POST', `/tickers/after-vote/entries/${poll.id}/votes`, { optionId: 'b' })).status).toBe(200);
    await countIs(voter, 'b', '67 % (2 votes)');
    expect(await outsider!.locator('.lt-poll-bars').count()).toBe(0);
    expect(await outsider!.locator('.lt-poll button[aria-pressed=true]').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
