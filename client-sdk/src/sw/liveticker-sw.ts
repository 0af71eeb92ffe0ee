/**
 * liveticker's service worker (`/sdk/liveticker-sw.js`): shows a followed ticker's pushes and opens
 * the entry when one is clicked. A page's worker must come from the page's own origin, so a site
 * either copies this file to its root (`/liveticker-sw.js`, the widget's default `sw-url`) or puts
 * `importScripts('https://<liveticker>/sdk/liveticker-sw.js')` in its own worker. It only listens
 * for `push`, `notificationclick` and `pushsubscriptionchange` (and leaves pushes that are not
 * liveticker's to other listeners): no fetch handler, no caching, no `clients.claim()`, so it
 * changes nothing else in a newsroom's worker.
 *
 * Typed by hand: the project's one tsconfig has the DOM's lib, not the WebWorker one.
 */

import { dropWorkerFollow, workerFollows } from './follows-db';

interface PushPayload {
  tickerId: string;
  entryId: string;
  title: string;
  body: string;
  url: string;
  kind: string;
  image?: string;
  count: number;
}
interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  postMessage(message: unknown): void;
}
interface ExtendableEventLike extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown } | null;
}
/** `pushsubscriptionchange`: Firefox gives the new subscription; Chromium may give neither. */
interface SubscriptionChangeLike extends ExtendableEventLike {
  oldSubscription?: PushSubscription | null;
  newSubscription?: PushSubscription | null;
}
interface NotificationClickLike extends ExtendableEventLike {
  notification: Notification;
  action: string;
}
interface WorkerScope {
  registration: ServiceWorkerRegistration;
  location: Location;
  clients: {
    matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  addEventListener(type: 'push', fn: (e: PushEventLike) => void): void;
  addEventListener(type: 'notificationclick', fn: (e: NotificationClickLike) => void): void;
  addEventListener(type: 'pushsubscriptionchange', fn: (e: SubscriptionChangeLike) => void): void;
  __liveticker?: boolean;
}

const sw = self as unknown as WorkerScope;

/**
 * The browser replaced the push subscription (its push service rotated it, or dropped the old
 * one): subscribe again with the same server key when the browser did not, and tell every server
 * this origin follows on the new one (`PATCH /followers/:id` with the follow's secret, kept in
 * IndexedDB by the page). A follow the server no longer has (403) is forgotten.
 */
async function renew(event: SubscriptionChangeLike): Promise<void> {
  const follows = await workerFollows();
  if (!follows.length) return;
  const pm = sw.registration.pushManager;
  let sub = event.newSubscription ?? (await pm.getSubscription());
  if (!sub) {
    const key =
      event.oldSubscription?.options.applicationServerKey ??
      (await fetch(`${follows[0]!.url}/api/v1/push/public-key`)
        .then((r) => r.json() as Promise<{ publicKey: string }>)
        .then((k) => Uint8Array.from(atob(k.publicKey.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
    sub = await pm.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  const subscription = sub.toJSON();
  await Promise.all(
    follows.map(async (f) => {
      const res = await fetch(`${f.url}/api/v1/followers/${encodeURIComponent(f.id)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Follower ${f.secret}` },
        body: JSON.stringify({ subscription }),
      }).catch(() => undefined);
      if (res?.status === 403) await dropWorkerFollow(f.url, f.ticker);
    }),
  );
}

/** A payload from our server, or undefined (another sender's push in a shared worker). */
function parse(data: PushEventLike['data']): PushPayload | undefined {
  try {
    const p = data?.json() as Partial<PushPayload> | undefined;
    return p && typeof p.tickerId === 'string' && typeof p.entryId === 'string' && typeof p.title === 'string' && typeof p.url === 'string' && /^https?:/.test(p.url)
      ? (p as PushPayload)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The entry's address as a notification opens it: marked as coming from a push
 * (`utm_source=liveticker&utm_medium=push`, which the widget's reach counting and a newsroom's own
 * analytics both read).
 */
function fromPush(url: string): string {
  const u = new URL(url);
  u.searchParams.set('utm_source', 'liveticker');
  u.searchParams.set('utm_medium', 'push');
  return u.href;
}

/** The ticker page without its `#entry-…`: a tab already showing it is the one to use. */
const pageOf = (url: string) => url.replace(/#.*$/, '');

// Once, even when a site's worker imports the script twice.
if (!sw.__liveticker) {
  sw.__liveticker = true;

  sw.addEventListener('push', (event) => {
    const p = parse(event.data);
    if (!p) return;
    // The SDK's icon and badge, from the server that sent the push (the ticker page's origin).
    const icon = new URL('/sdk/liveticker-icon.png', p.url).href;
    const badge = new URL('/sdk/liveticker-badge.png', p.url).href;
    const options: NotificationOptions & { image?: string; renotify?: boolean } = {
      body: p.body,
      // One notification per ticker: a newer push replaces the one before (renotify: it still rings).
      tag: `liveticker:${p.tickerId}`,
      renotify: true,
      icon: p.image ?? icon,
      image: p.image,
      badge,
      data: { url: p.url, tickerId: p.tickerId, entryId: p.entryId },
    };
    event.waitUntil(sw.registration.showNotification(p.title, options));
  });

  sw.addEventListener('pushsubscriptionchange', (event) => {
    event.waitUntil(renew(event));
  });

  sw.addEventListener('notificationclick', (event) => {
    const data = event.notification.data as { url?: string; tickerId?: string } | null;
    if (!data?.url || !data.tickerId) return;
    const url = data.url;
    event.notification.close();
    event.waitUntil(
      sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (tabs) => {
        const tab = tabs.find((c) => pageOf(c.url) === pageOf(url));
        if (!tab) return sw.clients.openWindow(fromPush(url));
        // The tab's widget scrolls to the entry (a hash change without reloading the page).
        tab.postMessage({ type: 'liveticker:open', url });
        return tab.focus();
      }),
    );
  });
}
