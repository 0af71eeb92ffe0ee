import path from 'node:path';
import type { Browser } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';

describe('the ticker widget in a real browser', () => {
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

  it('shows entries newest first, takes live entries, switches order, loads older ones', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'wahl', title: 'Wahlabend live', status: 'live', locale: 'de' });
    await api.post('wahl', { kind: 'text', title: 'Willkommen', body: '<p>Wir berichten live.</p>', pinned: true });
    for (let i = 1; i <= 22; i++) await api.post('wahl', { body: `<p>Meldung ${i}</p>` });
    await api.post('wahl', {
      kind: 'image',
      body: '<p>Erste Hochrechnung <strong>um 18 Uhr</strong>.<script>document.title="pwned"</script></p>',
      image: { url: `${t.url}/sdk/none.png`, caption: 'Das Wahlstudio', credit: 'Foto: dpa', width: 640, height: 360 },
      teaser: { url: 'https://example.org/analyse', title: 'Analyse: Was die Zahlen bedeuten' },
    });

    const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(`${t.url}/widgets/ticker.html?ticker=wahl&lang=de`);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+'/);
    await page.waitForSelector('.lt-entry:not(.pinned)');
    const texts = () => page.$$eval('.lt-list .lt-body', (els) => els.map((e) => e.textContent ?? ''));

    expect(await page.textContent('.lt-title')).toBe('Wahlabend live');
    expect(await page.textContent('.lt-badge')).toBe('Live');
    expect(await page.textContent('.lt-pinned')).toContain('Willkommen');
    expect((await texts())[0]).toContain('Erste Hochrechnung');
    expect((await texts())[1]).toBe('Meldung 22');
    expect(await page.textContent('.lt-list figcaption')).toContain('Foto: dpa');
    expect(await page.title()).toBe('liveticker');

    await api.post('wahl', { body: '<p>Eilmeldung live</p>' });
    await page.waitForFunction(() => document.querySelector('.lt-list .lt-body')?.textContent === 'Eilmeldung live');
    await page.screenshot({ path: path.join(SHOTS, 'ticker-newest.png'), fullPage: false });

    await page.click('button[data-order=oldest]');
    await page.waitForFunction(() => document.querySelector('.lt-list .lt-body')?.textContent === 'Meldung 1');
    expect(await page.getAttribute('button[data-order=oldest]', 'aria-pressed')).toBe('true');
    await page.click('button[data-order=newest]');
    await page.waitForFunction(() => document.querySelector('.lt-list .lt-body')?.textContent === 'Eilmeldung live');
    const before = (await texts()).length;
    await page.click('.lt-more');
    await page.waitForFunction((n) => document.querySelectorAll('.lt-list .lt-entry').length > n, before);
    expect((await texts()).slice(-1)[0]).toMatch(/^Meldung \d+$/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
