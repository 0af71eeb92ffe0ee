import type { CreatedFollow, FollowTopics } from '@liveticker/schemas';
import { LivetickerError } from './rest';
import { dropWorkerFollow, keepWorkerFollow } from './sw/follows-db';

/**
 * Following a ticker with Web Push from the reader's browser: the subscription is made with the
 * server's VAPID key and handed to `POST /tickers/:id/followers`; the follow's `{id, secret,
 * topics}` is kept in this origin's localStorage (one key per server and ticker), and changes and
 * ending it go to `PATCH`/`DELETE /followers/:id` with `Authorization: Follower <secret>`. The
 * service worker finds it in the origin's IndexedDB too (sw/follows-db.ts): when the browser
 * replaces the subscription, the worker tells the server the new one with that secret.
 */

export interface StoredFollow {
  id: string;
  secret: string;
  topics: FollowTopics;
}

export interface FollowOptions {
  /** The liveticker server (no trailing slash). */
  url: string;
  ticker: string;
  /** The service worker to subscribe with; default: the page's, else the one `swUrl` names. */
  registration?: ServiceWorkerRegistration;
  /** Registered when the page has no worker yet (default `/liveticker-sw.js` on the page's origin). */
  swUrl?: string;
  lang?: string;
}

const key = (url: string, ticker: string) => `liveticker.follow:${url}:${ticker}`;

/**
 * Whether this browser can follow here: Push API, service workers, a secure context, a
 * notification permission not refused, and not in a frame (browsers refuse the prompt there;
 * the widget then opens its own page in a window). `'frame'` says it could from a window of its own;
 * `'home-screen'`, from the page added to the Home Screen (iOS and iPadOS in a Safari tab).
 */
export function followSupport(): 'yes' | 'no' | 'frame' | 'home-screen' {
  if (typeof window === 'undefined' || typeof navigator === 'undefined') return 'no';
  // iOS and iPadOS give Web Push only to a page added to the Home Screen: in a Safari tab
  // (`navigator.standalone` false, only Apple's browsers have it) there is no PushManager.
  if ((navigator as { standalone?: boolean }).standalone === false && typeof PushManager === 'undefined') return 'home-screen';
  if (!('serviceWorker' in navigator) || typeof PushManager === 'undefined' || typeof Notification === 'undefined' || !window.isSecureContext) return 'no';
  let framed: boolean;
  try {
    framed = window.top !== window;
  } catch {
    framed = true;
  }
  // A cross-origin frame reads 'denied' whatever the reader chose (Chromium): the window decides.
  if (framed) return 'frame';
  return Notification.permission === 'denied' ? 'no' : 'yes';
}

/** The follow this browser made of `ticker`, if any. */
export function storedFollow(url: string, ticker: string): StoredFollow | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(key(url, ticker)) ?? 'null') as Partial<StoredFollow> | null;
    return v && typeof v.id === 'string' && typeof v.secret === 'string' && (v.topics === 'all' || v.topics === 'key-events') ? (v as StoredFollow) : undefined;
  } catch {
    return undefined;
  }
}

async function keep(url: string, ticker: string, f: StoredFollow | undefined): Promise<void> {
  try {
    if (f) localStorage.setItem(key(url, ticker), JSON.stringify(f));
    else localStorage.removeItem(key(url, ticker));
  } catch {
    // Storage refused (private mode): the follow still works, this page just will not remember it.
  }
  // For the worker (without IndexedDB, as in some private modes, it cannot renew the subscription; nothing else changes).
  await (f ? keepWorkerFollow({ url, ticker, id: f.id, secret: f.secret }) : dropWorkerFollow(url, ticker)).catch(() => undefined);
}

/** Copies this page's follow of `ticker` (if any) to the worker's store: one made before the worker kept follows. */
export function shareWithWorker(url: string, ticker: string): void {
  const f = storedFollow(url, ticker);
  if (f) void keepWorkerFollow({ url, ticker, id: f.id, secret: f.secret }).catch(() => undefined);
}

async function call<T>(url: string, method: string, path: string, body?: unknown, secret?: string): Promise<T | undefined> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (secret) headers.authorization = `Follower ${secret}`;
  let res: Response;
  try {
    res = await fetch(`${url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new LivetickerError('unavailable', (err as Error).message);
  }
  if (res.status === 204) return undefined;
  const json = (await res.json().catch(() => ({}))) as { error?: { code: LivetickerError['code']; message: string; details?: unknown } };
  if (!res.ok) throw new LivetickerError(json.error?.code ?? 'internal', json.error?.message ?? res.statusText, res.status, json.error?.details);
  return json as T;
}

/** The page's service worker registration, else the one registered from `swUrl`. */
async function workerFor(opts: FollowOptions): Promise<ServiceWorkerRegistration> {
  if (opts.registration) return opts.registration;
  const existing = await navigator.serviceWorker.getRegistration();
  if (existing) return existing;
  await navigator.serviceWorker.register(opts.swUrl ?? '/liveticker-sw.js');
  return navigator.serviceWorker.ready;
}

const toKey = (b64u: string) => {
  const raw = atob(b64u.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
};

/**
 * Follows `ticker` (asking for the notification permission first), or changes the topics of the
 * follow this browser already has. Must run from a user's click (the permission prompt).
 */
export async function follow(opts: FollowOptions, topics: FollowTopics): Promise<StoredFollow> {
  const had = storedFollow(opts.url, opts.ticker);
  if (had) {
    await call(opts.url, 'PATCH', `/followers/${encodeURIComponent(had.id)}`, { topics }, had.secret).catch(async (err: unknown) => {
      // The server ended it (a 403: the follow is gone, say after the push service dropped it): start anew.
      if ((err as LivetickerError).status !== 403) throw err;
      await keep(opts.url, opts.ticker, undefined);
    });
    if (storedFollow(opts.url, opts.ticker)) {
      const f = { ...had, topics };
      await keep(opts.url, opts.ticker, f);
      return f;
    }
  }
  if ((await Notification.requestPermission()) !== 'granted') throw new LivetickerError('forbidden', 'notifications were not allowed');
  const reg = await workerFor(opts);
  const { publicKey } = (await call<{ publicKey: string }>(opts.url, 'GET', '/push/public-key'))!;
  const sub = (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: toKey(publicKey) }));
  const made = (await call<CreatedFollow>(opts.url, 'POST', `/tickers/${encodeURIComponent(opts.ticker)}/followers`, { subscription: sub.toJSON(), topics, ...(opts.lang ? { lang: opts.lang } : {}) }))!;
  const f = { id: made.id, secret: made.secret, topics: made.topics };
  await keep(opts.url, opts.ticker, f);
  return f;
}

/**
 * Ends this browser's follow of `ticker`. The push subscription itself stays (other tickers'
 * follows use the same one).
 */
export async function unfollow(opts: Pick<FollowOptions, 'url' | 'ticker'>): Promise<void> {
  const had = storedFollow(opts.url, opts.ticker);
  if (!had) return;
  await call(opts.url, 'DELETE', `/followers/${encodeURIComponent(had.id)}`, undefined, had.secret).catch((err: unknown) => {
    // Already gone on the server: forgetting it here is all that is left.
    if ((err as LivetickerError).status !== 403 && (err as LivetickerError).status !== 404) throw err;
  });
  await keep(opts.url, opts.ticker, undefined);
}
