import path from 'node:path';
import type { Browser } from 'playwright-core';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';
import { SmtpSink } from '../helpers/smtp';

describe('the chat widget beside the ticker, in a real browser', () => {
  let t: TestSetup;
  let smtp: SmtpSink;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    t = await setup('sqlite', 'memory', { smtpUrl: smtp.url, scrypt: { logN: 10, r: 8, p: 1 } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
    await smtp.close();
  });

  it('lets a reader register, confirm by mail, log in and talk; others see it live', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'abend', title: 'Election night', status: 'live', locale: 'en' });
    await api.post('abend', { title: 'Polls closed', body: '<p>First projections at 6 pm.</p>' });

    const other = await browser.newPage();
    await other.goto(`${t.url}/widgets/chat.html?ticker=abend&lang=en`);
    await other.waitForSelector('.ltc-join');

    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${t.url}/widgets/live.html?ticker=abend&lang=en`);
    expect(await page.textContent('.ltc-join')).toBe('To join the discussion, log in or register.');

    const email = 'anna.reader@example.org';
    await page.click('.ltc-box button.secondary'); // switch to "Register"
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'a long secret');
    await page.fill('input[name=displayName]', 'Anna');
    await page.click('.ltc-primary');
    await page.waitForSelector('.ltc-note.ok');
    expect(await page.textContent('.ltc-note.ok')).toBe(`Registration successful! Please click the link in the e-mail sent to ${email}.`);
    // Until confirmed: where the link went, and a way to have it sent again.
    expect(await page.textContent('.ltc-box')).toContain(`Almost there: please confirm your e-mail address with the link we sent to ${email}.`);
    await page.click('.ltc-box button.secondary:not(.ltc-tologin)');
    await page.waitForSelector('text=We sent the e-mail again.');

    // The reader follows the link from the mail (built from PUBLIC_URL) in the browser.
    // The second mail (the one sent again) carries the link that counts now.
    const link = SmtpSink.link(await smtp.mailTo(email, 1));
    expect(link.searchParams.get('lang')).toBe('en');
    const confirm = await browser.newPage();
    await confirm.goto(link.toString());
    await confirm.fill('#pw', 'not the password');
    await confirm.click('#f button');
    await confirm.waitForSelector('#status.err');
    expect(await confirm.textContent('#status')).toMatch(/^This is not the password this account was registered with\./);
    await confirm.fill('#pw', 'a long secret');
    await confirm.click('#f button');
    await confirm.waitForSelector('#status.ok');
    expect(await confirm.textContent('#status')).toBe('Your e-mail address is confirmed. You can now join the discussion.');
    // The way back: the article page the reader registered on.
    expect(await confirm.getAttribute('a.back', 'href')).toBe(`${t.url}/widgets/live.html?ticker=abend&lang=en`);
    await confirm.close();

    await page.click('.ltc-tologin'); // back to "Log in"
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'a long secret');
    await page.click('.ltc-primary');
    await page.waitForSelector('.ltc-box textarea');
    await page.fill('.ltc-box textarea', 'Hello from Anna <script>alert(1)</script>');
    await page.press('.ltc-box textarea', 'Enter');
    await other.waitForSelector('.ltc-list .ltc-body');
    // Plain text, never HTML: the tag shows as text and runs nowhere.
    expect(await other.textContent('.ltc-list .ltc-body')).toBe('Hello from Anna <script>alert(1)</script>');
    expect(await other.$$('.ltc-list .ltc-body script')).toHaveLength(0);
    await page.waitForFunction(() => document.querySelector('.ltc-readers')?.textContent === '2 readers', undefined, { timeout: 5000 });

    // Slow mode answers with a sentence, not a code.
    await api.rest.patch('/tickers/abend/chat-settings', { slowModeSeconds: 60 });
    await page.fill('.ltc-box textarea', 'second message');
    await page.press('.ltc-box textarea', 'Enter');
    await page.waitForFunction(() => (document.querySelector('.ltc-box textarea') as HTMLTextAreaElement).value === '');
    await page.fill('.ltc-box textarea', 'third message');
    await page.press('.ltc-box textarea', 'Enter');
    await page.waitForSelector('.ltc-note.err');
    expect(await page.textContent('.ltc-note.err')).toMatch(/^Slow mode: please wait \d+ seconds\.$/);
    await page.screenshot({ path: path.join(SHOTS, 'live-page.png') });

    // Report: an anonymous reader is asked to log in; Anna picks a reason and the queue fills.
    await other.click('.ltc-list .ltc-report');
    await other.waitForSelector('.ltc-note.err >> text=Please log in to join the discussion.');
    await page.click('.ltc-list .ltc-msg:first-child .ltc-report');
    await page.check('.ltc-reportform input[value=abuse]');
    await page.click('.ltc-reportform button:not(.secondary)');
    await page.waitForSelector('text=Thank you – a moderator will look at it.');
    const queue = await api.rest.get<{ items: Array<{ reports?: Array<{ reason: string }> }> }>('/tickers/abend/moderation/queue');
    expect(JSON.stringify(queue)).toContain('abuse');

    // A closed room says so, and invites nobody to write.
    await api.rest.patch('/tickers/abend/chat-settings', { mode: 'closed' });
    await other.reload();
    await other.waitForSelector('.ltc-closed');
    expect(await other.textContent('.ltc-closed')).toBe('The discussion is closed. You can still read it.');
    expect(await other.$$('.ltc-join, .ltc-box input, .ltc-box textarea')).toHaveLength(0);
    await other.screenshot({ path: path.join(SHOTS, 'chat-closed.png') });
    expect(errors).toEqual([]);
  });
});
