import path from 'node:path';
import type { Browser } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { ServerProcess } from '../helpers/process';
import { opsApi } from '../helpers/api';

/** The widget in Chromium while its server is restarted as a deploy does (SIGTERM). */
describe('a reader in the browser through a server restart', () => {
  let browser: Browser;
  let db: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    browser = await launchBrowser();
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
    await db?.drop();
  });

  it('says the server is restarting, then resumes: every entry once, in order, no reload', async () => {
    server = await ServerProcess.start({ DATABASE_URL: db.url, SHUTDOWN_TIMEOUT_MS: '3000' });
    const url = server.url;
    await opsApi(url).createTicker({ id: 'deploy', title: 'Deploy night', status: 'live' });
    await opsApi(url).post('deploy', { body: '<p>before the deploy</p>' });

    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // PUBLIC_URL defaults to localhost:<port>: the page is opened at that origin.
    await page.goto(`${url.replace('127.0.0.1', 'localhost')}/widgets/ticker.html?ticker=deploy&lang=en&order=oldest`);
    await page.waitForSelector('.lt-list .lt-body');

    const stopped = server.stop();
    // The restart notice (not the plain 'connection lost' one): the server said it is restarting.
    await page.waitForFunction(() => /short break/.test(document.querySelector('.lt-offline:not([hidden])')?.textContent ?? ''));
    await page.screenshot({ path: path.join(SHOTS, 'ticker-restarting.png') });
    expect((await stopped).code).toBe(0);

    server = await server.restart();
    await opsApi(server.url).post('deploy', { body: '<p>after the deploy</p>' });
    await page.waitForFunction(() => document.querySelectorAll('.lt-list .lt-body').length === 2, undefined, { timeout: 20_000 });
    const texts = await page.$$eval('.lt-list .lt-body', (els) => els.map((e) => e.textContent));
    expect(texts).toEqual(['before the deploy', 'after the deploy']);
    expect(await page.isHidden('.lt-offline')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
