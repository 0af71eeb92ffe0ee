import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { testConfig } from '@liveticker/server';
import { SHOTS, launchBrowser } from '../helpers/browser';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { PushReceiver } from '../helpers/push-receiver';
import type { DeviceSubscription } from '../helpers/push-receiver';

/**
 * What is real here: Chromium, the widget page and its registered service worker, the Follow
 * button, the server's follow routes, its deliverer encrypting and signing a push to our receiver,
 * the push event delivered to the registered worker (DevTools' ServiceWorker.deliverPushMessage)
 * and the notification it shows. What is not: `PushManager.prototype.subscribe`, which in headless
 * Chromium has no push service to ask (it fails with an AbortError offline); the page's copy is
 * replaced by one that returns a subscription to the test's receiver, whose keys the receiver
 * holds. And a notification cannot be clicked through DevTools: the worker's click handler is run
 * with a NotificationEvent made in the worker, and `clients.openWindow` (which needs a real
 * click) is replaced there to record where it was asked to go.
 */
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page (evaluated: the widget page's CSP allows no added script). */
async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = (await page.evaluate(() => (window as any).axe.run(document, { resultTypes: ['violations'] }))) as { violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }> };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

const stubSubscribe = (sub: DeviceSubscription) => `(() => {
  const json = ${JSON.stringify({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys })};
  let made = null;
  window.__subscribeCalls = [];
  PushManager.prototype.subscribe = async function (options) {
    const key = options && options.applicationServerKey;
    window.__subscribeCalls.push({ userVisibleOnly: options.userVisibleOnly, key: key ? btoa(String.fromCharCode(...new Uint8Array(key))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '') : null });
    made = { endpoint: json.endpoint, expirationTime: null, options, toJSON: () => json, unsubscribe: async () => true };
    return made;
  };
  PushManager.prototype.getSubscription = async function () { return made; };
})();`;

describe('following a ticker from the widget (Web Push) in a real browser', () => {
  let t: TestSetup;
  let receiver: PushReceiver;
  let browser: Browser;
  let host: http.Server;
  let hostUrl: string;

  beforeAll(async () => {
    receiver = await new PushReceiver().start();
    // An article page of another origin that frames the widget page.
    host = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article</title></head>
<body><main><h1>Article</h1><iframe src="${t.url}/widgets/ticker.html?ticker=gipfel&lang=en" title="Liveticker" style="width:100%;height:400px;border:0"></iframe></main></body></html>`),
    );
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', () => resolve()));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    t = await setup('sqlite', 'memory', {
      corsOrigins: [hostUrl],
      push: { ...testConfig().push, allowPrivate: true, caFile: receiver.caFile, pollMs: 50, backoffMs: 100, maxBackoffMs: 400, leaseMs: 2000 },
    });
    browser = await launchBrowser();
    await opsApi(t.url).createTicker({ id: 'gipfel', title: 'Gipfeltreffen live', status: 'live', locale: 'en' });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
    await new Promise((r) => host?.close(r));
  });

  const reach = async () => (await raw(t.url, 'GET', '/tickers/gipfel/analytics', undefined, { authorization: `Bearer ${OPS_KEY}` })).body as { push: { started: number; stopped: number } };
  const follows = () => t.node.server.ctx.db.selectFrom('push_follows').selectAll().where('ticker_id', '=', 'gipfel').execute();

  async function widgetPage(context: BrowserContext, width: number): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${t.url}/widgets/ticker.html?ticker=gipfel&lang=en`);
    await page.waitForSelector('.lt-title:has-text("Gipfeltreffen live")');
    return page;
  }

  it('a reader follows key events, the worker shows the push and a click goes to the entry; Stop ends the follow', async () => {
    // The reach's follow counts before (the other tests here follow this ticker too, in any order;
    // their last beacons may still be on their way: two reads a flush apart agree).
    const before = (await waitFor(async () => {
      const first = (await reach()).push;
      await new Promise((r) => setTimeout(r, 600));
      const second = (await reach()).push;
      return first.started === second.started && first.stopped === second.stopped ? second : undefined;
    }, 'the reach settled'))!;
    const sub = receiver.subscribe();
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: t.url });
    await context.addInitScript({ content: stubSubscribe(sub) });
    const page = await widgetPage(context, 1280);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The widget page registers the worker itself, at /liveticker-sw.js (scope / covers /widgets/).
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${t.url}/`);

    const follow = page.locator('.lt-follow > button[aria-expanded]');
    expect(await follow.textContent()).toBe('Follow');
    await follow.click();
    expect(await follow.getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: path.join(SHOTS, 'follow-menu-1280.png') });
    await page.click('button[data-topics="key-events"]');
    await page.waitForSelector('.lt-follow-state:has-text("Following · key events")');
    expect(await page.locator('.lt-unfollow').isVisible()).toBe(true);
    expect(await follow.isHidden()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'follow-following-1280.png') });

    // The subscription was asked for with the server's VAPID key, and the follow is on the server.
    const { body: key } = await raw(t.url, 'GET', '/push/public-key');
    expect(await page.evaluate(() => (window as any).__subscribeCalls)).toEqual([{ userVisibleOnly: true, key: key.publicKey }]);
    const [row] = await follows();
    expect(row).toMatchObject({ topics: 'key-events', endpoint: sub.endpoint });
    const stored = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? 'null'), `liveticker.follow:${t.url}:gipfel`);
    expect(stored).toMatchObject({ id: row.id, topics: 'key-events' });

    // Remembered: the page loaded anew says so at once.
    await page.reload();
    await page.waitForSelector('.lt-follow-state:has-text("Following · key events")');

    // A key event: the server pushes it (really, to our receiver); the same payload goes to the worker.
    const api = opsApi(t.url);
    await api.post('gipfel', { kind: 'text', body: '<p>Nur eine Randnotiz.</p>' });
    const entry = await api.post('gipfel', { kind: 'key-event', title: 'Abschlusserklärung unterzeichnet', body: '<p>Alle 20 Staaten haben unterschrieben.</p>' });
    await waitFor(() => receiver.delivered(sub).length === 1, 'the push to the follow');
    const [push] = receiver.delivered(sub);
    expect(push.payload).toMatchObject({ tickerId: 'gipfel', entryId: entry.id, title: 'Abschlusserklärung unterzeichnet', kind: 'key-event', count: 1 });
    const entryUrl = `${t.url}/api/v1/tickers/gipfel/html#entry-${entry.id}`;
    expect(push.payload.url).toBe(entryUrl);

    const cdp = await context.newCDPSession(page);
    const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (ev: { registrations: Array<{ registrationId: string; scopeURL: string }> }) => registrations.push(...ev.registrations));
    await cdp.send('ServiceWorker.enable');
    const reg = (await waitFor(() => registrations.find((r) => r.scopeURL === `${t.url}/`), 'the worker registration'))!;
    const deliver = () => cdp.send('ServiceWorker.deliverPushMessage', { origin: t.url, registrationId: reg.registrationId, data: JSON.stringify(push.payload) });
    await deliver();
    let sent = Date.now();
    const shown = await waitFor(async () => {
      // DevTools drops a message to a worker it is still starting: say it again after 2 s (same tag, so at most one shows).
      if (Date.now() - sent > 2000) {
        sent = Date.now();
        await deliver();
      }
      const list = await page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, icon: n.icon, badge: n.badge, data: n.data })),
      );
      return list.length ? list : undefined;
    }, 'the notification');
    expect(shown).toEqual([
      {
        title: 'Abschlusserklärung unterzeichnet',
        body: push.payload.body,
        tag: 'liveticker:gipfel',
        icon: `${t.url}/sdk/liveticker-icon.png`,
        badge: `${t.url}/sdk/liveticker-badge.png`,
        data: { url: entryUrl, tickerId: 'gipfel', entryId: entry.id },
      },
    ]);
    // Both are served: a 192 px icon, a 96 px badge (white on transparent), PNG.
    for (const [url, size] of [[shown![0]!.icon, 192], [shown![0]!.badge, 96]] as const) {
      const res = await fetch(url);
      expect({ url, status: res.status, type: res.headers.get('content-type') }).toEqual({ url, status: 200, type: 'image/png' });
      const png = Buffer.from(await res.arrayBuffer());
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }

    // A click with no tab of the ticker page open: the worker opens the entry's URL.
    const worker = context.serviceWorkers().find((w) => w.url() === `${t.url}/liveticker-sw.js`) ?? (await context.waitForEvent('serviceworker'));
    const click = () =>
      worker.evaluate(async () => {
        const sw = self as any;
        sw.__opened = [];
        sw.clients.openWindow = async (url: string) => void sw.__opened.push(url);
        const [n] = await sw.registration.getNotifications();
        sw.dispatchEvent(new sw.NotificationEvent('notificationclick', { notification: n }));
        await new Promise((r) => setTimeout(r, 200));
        return sw.__opened as string[];
      });
    // Marked as coming from a push, for the reach counting and the newsroom's own analytics.
    expect(await click()).toEqual([`${t.url}/api/v1/tickers/gipfel/html?utm_source=liveticker&utm_medium=push#entry-${entry.id}`]);
    // With the ticker page open in a tab, that tab is told to show the entry instead.
    const tickerTab = await context.newPage();
    await tickerTab.goto(`${t.url}/api/v1/tickers/gipfel/html`);
    await tickerTab.evaluate(() => navigator.serviceWorker.addEventListener('message', (ev) => ((window as any).__told = ev.data)));
    // The click closed the first (closing is asynchronous; the next one has the same tag).
    const count = () => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).length);
    await waitFor(async () => (await count()) === 0, 'the clicked notification to close');
    // Chromium gives a tagged notification an id made of its tag, so the first one's close, when it
    // is still on its way on a loaded machine, can close the new one too: then the push comes again.
    for (let attempt = 1; ; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: t.url, registrationId: reg.registrationId, data: JSON.stringify(push.payload) });
      try {
        await waitFor(async () => (await count()) === 1, 'the notification again', 5000);
        break;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
    expect(await click()).toEqual([]);
    expect(await waitFor(() => tickerTab.evaluate(() => (window as any).__told), 'the message to the open tab')).toEqual({ type: 'liveticker:open', url: entryUrl });
    await tickerTab.close();

    // Stop: the follow is gone on the server and the button is back.
    await page.click('.lt-unfollow');
    await page.waitForSelector('.lt-follow > button[aria-expanded]:visible');
    expect(await follows()).toEqual([]);
    expect(await page.evaluate((k) => localStorage.getItem(k), `liveticker.follow:${t.url}:gipfel`)).toBeNull();
    // The reach counting has both: the follow and its end leave with the page's next beacon.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const counted = await waitFor(async () => {
      const now = (await reach()).push;
      return now.stopped > before.stopped ? now : undefined;
    }, 'the follow counted');
    expect(counted).toMatchObject({ started: before.started + 1, stopped: before.stopped + 1 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('when the browser replaces the subscription, the worker subscribes again and tells the server: the next push goes to the new one', async () => {
    const [before, after] = [receiver.subscribe(), receiver.subscribe()];
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: t.url });
    await context.addInitScript({ content: stubSubscribe(before) });
    const page = await widgetPage(context, 1280);
    await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state);
    await page.click('.lt-follow > button[aria-expanded]');
    await page.click('button[data-topics="all"]');
    await page.waitForSelector('.lt-follow-state:has-text("Following · every update")');
    const [made] = await follows();
    expect(made).toMatchObject({ endpoint: before.endpoint });
    // A follow the worker was not told of (made before it kept follows): the widget hands it over on the next visit.
    const workerFollows = () =>
      page.evaluate(async () => {
        // Not opened before the widget made it (an open without a version would make it empty).
        if (!(await indexedDB.databases()).some((d) => d.name === 'liveticker')) return [];
        return new Promise<Array<{ id: string; ticker: string }>>((resolve, reject) => {
          const r = indexedDB.open('liveticker');
          r.onsuccess = () => {
            const q = r.result.transaction('follows').objectStore('follows').getAll();
            q.onsuccess = () => {
              r.result.close();
              resolve(q.result);
            };
            q.onerror = () => reject(q.error);
          };
          r.onerror = () => reject(r.error);
        });
      });
    expect((await workerFollows()).map((f) => f.id)).toEqual([made!.id]);
    await page.evaluate(() => new Promise((resolve) => (indexedDB.deleteDatabase('liveticker').onsuccess = resolve)));
    await page.reload();
    await page.waitForSelector('.lt-follow-state:has-text("Following · every update")');
    await waitFor(async () => (await workerFollows()).length === 1, 'the follow handed to the worker again');

    // What the browser does (it cannot be made to in a test): the old subscription is gone and the
    // worker gets a pushsubscriptionchange without either subscription, as Chromium sends it. The
    // worker's PushManager gets the receiver's next subscription (headless Chromium has no push
    // service). A made event's waitUntil throws (it is not trusted), after the work has begun.
    const worker = context.serviceWorkers().find((w) => w.url() === `${t.url}/liveticker-sw.js`) ?? (await context.waitForEvent('serviceworker'));
    await worker.evaluate((json) => {
      const sw = self as any;
      PushManager.prototype.getSubscription = async () => null;
      PushManager.prototype.subscribe = async function (options: PushSubscriptionOptionsInit) {
        sw.__asked = { userVisibleOnly: options.userVisibleOnly, key: btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey as ArrayBuffer))) };
        return { endpoint: json.endpoint, expirationTime: null, options, toJSON: () => json, unsubscribe: async () => true } as unknown as PushSubscription;
      };
      sw.dispatchEvent(new sw.ExtendableEvent('pushsubscriptionchange'));
    }, { endpoint: after.endpoint, expirationTime: null, keys: after.keys });
    await waitFor(async () => (await follows())[0]?.endpoint === after.endpoint, 'the follow on the new subscription');
    const [renewed] = await follows();
    expect(renewed).toMatchObject({ id: made!.id, topics: 'all', p256dh: after.keys.p256dh, auth: after.keys.auth });
    // Subscribed with the server's key, fetched by the worker.
    const { body: key } = await raw(t.url, 'GET', '/push/public-key');
    expect(await worker.evaluate(() => (self as any).__asked)).toEqual({ userVisibleOnly: true, key: Buffer.from(key.publicKey, 'base64url').toString('base64') });

    // The next entry reaches the new subscription, and nothing goes to the old one.
    await opsApi(t.url).post('gipfel', { body: '<p>Nach dem Wechsel.</p>' });
    await waitFor(() => receiver.delivered(after).length === 1, 'the push to the new subscription');
    expect(receiver.requests(before)).toHaveLength(0);
    expect(receiver.delivered(after)[0]!.problems).toEqual([]);

    // Stop: the worker forgets the follow too.
    await page.click('.lt-unfollow');
    await page.waitForSelector('.lt-follow > button[aria-expanded]:visible');
    expect(await workerFollows()).toEqual([]);
    await context.close();
  });

  it('at 390 px the choice fits; every update is a follow of all', async () => {
    const sub = receiver.subscribe();
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: t.url });
    await context.addInitScript({ content: stubSubscribe(sub) });
    const page = await widgetPage(context, 390);
    await page.focus('.lt-follow > button[aria-expanded]');
    await page.keyboard.press('Enter');
    // The menu takes focus on its first choice; Escape closes it and returns to the button.
    expect(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('data-topics') ?? (document.activeElement as HTMLElement | null)?.dataset.topics)).toBe('all');
    const menu = await page.locator('.lt-follow-menu').boundingBox();
    expect(menu!.x).toBeGreaterThanOrEqual(0);
    expect(menu!.x + menu!.width).toBeLessThanOrEqual(390);
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'follow-menu-390.png') });
    await page.keyboard.press('Escape');
    expect(await page.locator('.lt-follow-menu').isHidden()).toBe(true);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.lt-follow-state:has-text("Following · every update")');
    expect((await follows()).map((f) => f.topics)).toEqual(['all']);
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'follow-following-390.png') });
    await page.click('.lt-unfollow');
    await page.waitForSelector('.lt-follow > button[aria-expanded]:visible');
    expect(await follows()).toEqual([]);
    await context.close();
  });

  it('where notifications are denied there is no Follow button', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    // The reader said no before (DevTools sets it for this context only: its id from the page's target).
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    await cdp.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'denied', origin: t.url, browserContextId: targetInfo.browserContextId });
    await page.goto(`${t.url}/widgets/ticker.html?ticker=gipfel&lang=de`);
    await page.waitForSelector('.lt-title:has-text("Gipfeltreffen live")');
    expect(await page.evaluate(() => Notification.permission)).toBe('denied');
    expect(await page.locator('.lt-follow').count()).toBe(0);
    await context.close();
  });

  it('on iOS in a Safari tab (no PushManager, navigator.standalone false) a hint to add the page to the Home Screen stands instead of the button', async () => {
    const context = await browser.newContext();
    await context.addInitScript({ content: `Object.defineProperty(Navigator.prototype, 'standalone', { get: () => false }); delete window.PushManager;` });
    const page = await context.newPage();
    for (const [lang, text] of [['en', 'To follow, add this page to your Home Screen'], ['de', 'Zum Abonnieren die Seite zum Home-Bildschirm hinzufügen'], ['ru', 'Чтобы подписаться, добавьте страницу на экран «Домой»']]) {
      await page.goto(`${t.url}/widgets/ticker.html?ticker=gipfel&lang=${lang}`);
      await page.waitForSelector('.lt-follow-hint');
      expect(await page.textContent('.lt-follow-hint')).toBe(text);
      expect(await page.locator('.lt-follow button, .lt-follow a').count()).toBe(0);
    }
    await context.close();
  });

  it('in a frame the button is a link to the widget page in a window of its own', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: t.url });
    const page = await context.newPage();
    await page.goto(`${hostUrl}/article`);
    const frame = page.frameLocator('iframe');
    const link = frame.locator('.lt-follow a');
    // Chromium reads the permission as 'denied' in a cross-origin frame: the link shows all the same.
    await link.waitFor();
    expect(await link.getAttribute('aria-label')).toBe('Follow (opens a new window)');
    expect(await link.getAttribute('href')).toBe(`${t.url}/widgets/ticker.html?ticker=gipfel&lang=en`);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await frame.locator('.lt-follow-menu').count()).toBe(0);
    await context.close();
  });
});
