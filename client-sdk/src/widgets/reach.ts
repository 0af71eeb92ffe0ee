/**
 * First-party reach counting for the ticker widget (the server's `POST /analytics/events`):
 * no cookie, nothing stored in the browser, nothing sent when the reader's browser asks for it
 * (Global Privacy Control, Do Not Track) or the newsroom turns it off (`analytics="off"`).
 *
 * What it reports: the page view (the referrer's host only), each entry at least half visible for
 * a second (once per entry per page view), the seconds entries were in view, and clicks on teasers
 * and outbound links (links to another host than the page's; their host only). Events wait in
 * memory and leave in one beacon at most every 15 s, and when the page is hidden or left. Nothing
 * leaves before the server has said analytics are on (`allowed`: the ticker as loaded says
 * `analytics: false` where the newsroom set `ANALYTICS=off`).
 */

const SEND_EVERY_MS = 15_000;
/**
 * What other parts of the widget raise on its box (or bubbling up to it) to be counted: the Follow
 * button's follow and unfollow (`detail` the type), a poll's vote (`detail` `{type, entryId}`), a
 * reader's consent to an embed's provider (`detail` `{type: 'embed.consent', provider}`).
 */
export const REACH_EVENT = 'liveticker-reach';
const RAISED = new Set(['follow.start', 'follow.stop']);
/** A batch holds at most this many events (the server's limit is 200). */
const MAX_BATCH = 200;

type ReachEvent =
  | { type: 'page.view'; host?: string; fromPush?: boolean }
  | { type: 'entry.view'; entryId: string }
  | { type: 'entry.time'; entryId: string; seconds: number }
  | { type: 'teaser.click'; entryId: string }
  | { type: 'link.click'; entryId?: string; host: string }
  | { type: 'follow.start' | 'follow.stop' }
  | { type: 'poll.vote'; entryId: string }
  | { type: 'embed.consent'; provider: string }
  | { type: 'question.ask' };

/** Whether the browser says its reader does not want to be counted. */
export function readerOptedOut(nav: Navigator & { globalPrivacyControl?: boolean } = navigator): boolean {
  const w = typeof window === 'undefined' ? undefined : (window as { doNotTrack?: string });
  return nav.globalPrivacyControl === true || nav.doNotTrack === '1' || w?.doNotTrack === '1';
}

const batchId = () => {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
};

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
};

export interface ReachOptions {
  url: string;
  ticker: string;
  /**
   * Whether the server counts reach: true, false (`ANALYTICS=off`: nothing is ever sent), or
   * undefined while not known yet (events wait; when the page is left they are dropped).
   */
  allowed?: () => boolean | undefined;
}

/** One batch of `events` of `ticker` to the server, as a beacon (a string is text/plain: no preflight, no cookie). */
function beacon(opts: ReachOptions, events: ReachEvent[]): void {
  const endpoint = `${opts.url}/api/v1/analytics/events`;
  const body = JSON.stringify({ batchId: batchId(), tickerId: opts.ticker, events });
  if (!navigator.sendBeacon?.(endpoint, body)) void fetch(endpoint, { method: 'POST', body, keepalive: true, credentials: 'omit', headers: { 'content-type': 'text/plain' } }).catch(() => undefined);
}

/** Sends `events` in beacons of at most MAX_BATCH if allowed; resolves what still waits (not known yet, and not `leaving`). */
function sendAll(opts: ReachOptions, events: ReachEvent[], leaving: boolean): ReachEvent[] {
  if (events.length === 0) return events;
  const allowed = opts.allowed ? opts.allowed() : true;
  if (allowed === undefined) return leaving ? [] : events;
  if (allowed === false) return [];
  for (let i = 0; i < events.length; i += MAX_BATCH) beacon(opts, events.slice(i, i + MAX_BATCH));
  return [];
}

const keyOf = (opts: ReachOptions) => `${opts.url}\n${opts.ticker}`;
/**
 * Raised on `window` by a count from elsewhere (cancelable; `detail` `{url, ticker, event}`): the
 * ticker widget counting that ticker on the page takes it into its next batch and cancels it.
 * An event, not a shared map: the chat may come from another bundle than the ticker widget.
 */
const COUNT_EVENT = 'liveticker-reach-count';
/** Counts from elsewhere with no ticker widget of theirs on the page: one beacon at most every 15 s, or as the page is hidden. */
const loose = new Map<string, { opts: ReachOptions; events: ReachEvent[]; timer?: ReturnType<typeof setTimeout> }>();

function sendLoose(key: string, leaving: boolean): void {
  const q = loose.get(key);
  if (!q) return;
  clearTimeout(q.timer);
  q.timer = undefined;
  q.events = sendAll(q.opts, q.events, leaving);
  if (q.events.length) q.timer = setTimeout(() => sendLoose(key, false), SEND_EVERY_MS);
  else loose.delete(key);
}

let leaveListening = false;
function onLeave(): void {
  const leaving = (ev: Event) => {
    if (ev.type === 'pagehide' || document.visibilityState === 'hidden') for (const key of [...loose.keys()]) sendLoose(key, ev.type === 'pagehide');
  };
  document.addEventListener('visibilitychange', leaving);
  window.addEventListener('pagehide', leaving);
}

/**
 * Counts one thing a reader did outside the ticker widget (the chat's question form), unless the
 * reader's browser asks not to be counted: in the next batch of that ticker's widget on the page,
 * else in a batch of its own at most every 15 s; at once when the page is being hidden.
 */
export function countReach(opts: ReachOptions, event: ReachEvent): void {
  if (readerOptedOut()) return;
  const key = keyOf(opts);
  const hidden = document.visibilityState === 'hidden';
  const taken = !window.dispatchEvent(new CustomEvent(COUNT_EVENT, { cancelable: true, detail: { url: opts.url, ticker: opts.ticker, event } }));
  if (taken) return;
  let q = loose.get(key);
  if (!q) loose.set(key, (q = { opts, events: [] }));
  q.opts = opts;
  q.events.push(event);
  if (!leaveListening) {
    leaveListening = true;
    onLeave();
  }
  if (hidden) sendLoose(key, false);
  else q.timer ??= setTimeout(() => sendLoose(key, false), SEND_EVERY_MS);
}

/**
 * Counts what the reader does in `box` (the widget's shadow content) for `ticker`; returns the
 * function that stops it (and sends what is left).
 */
export function trackReach(box: HTMLElement, opts: ReachOptions): () => void {
  if (readerOptedOut() || typeof IntersectionObserver !== 'function') return () => undefined;
  let queue: ReachEvent[] = [];
  const send = (leaving: boolean) => {
    queue = sendAll(opts, queue, leaving);
  };
  const referrer = document.referrer ? hostOf(document.referrer) : undefined;
  // A notification's click opens the entry marked so by the service worker (liveticker-sw.ts).
  const query = new URLSearchParams(location.search);
  const pushed = query.get('utm_source') === 'liveticker' && query.get('utm_medium') === 'push';
  queue.push({ type: 'page.view', ...(referrer && referrer !== location.hostname ? { host: referrer } : {}), ...(pushed ? { fromPush: true } : {}) });

  // Entries half in view: seen once after a second; their time in view summed in whole seconds.
  const viewed = new Set<string>();
  const since = new Map<string, number>();
  const carried = new Map<string, number>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const settle = (id: string, now: number) => {
    const from = since.get(id);
    if (from === undefined) return;
    since.delete(id);
    clearTimeout(timers.get(id));
    timers.delete(id);
    carried.set(id, (carried.get(id) ?? 0) + (now - from));
  };
  const observer = new IntersectionObserver(
    (seen) => {
      const now = performance.now();
      for (const s of seen) {
        const id = (s.target as HTMLElement).dataset.id;
        if (!id) continue;
        if (s.isIntersecting && s.intersectionRatio >= 0.5 && document.visibilityState === 'visible') {
          if (since.has(id)) continue;
          since.set(id, now);
          if (!viewed.has(id)) {
            timers.set(
              id,
              setTimeout(() => {
                if (since.has(id) && !viewed.has(id)) {
                  viewed.add(id);
                  queue.push({ type: 'entry.view', entryId: id });
                }
              }, 1000),
            );
          }
        } else settle(id, now);
      }
    },
    { threshold: [0, 0.5] },
  );
  const watch = (root: ParentNode) => {
    for (const li of root.querySelectorAll<HTMLElement>('li.lt-entry[data-id]')) observer.observe(li);
  };
  watch(box);
  const added = new MutationObserver((records) => {
    for (const r of records)
      for (const n of r.addedNodes) {
        if (!(n instanceof HTMLElement)) continue;
        if (n.matches('li.lt-entry[data-id]')) observer.observe(n);
        else watch(n);
      }
  });
  added.observe(box, { childList: true, subtree: true });

  const times = () => {
    const now = performance.now();
    for (const id of [...since.keys()]) {
      settle(id, now);
      since.set(id, now);
    }
    for (const [id, ms] of carried) {
      const seconds = Math.min(3600, Math.floor(ms / 1000));
      if (seconds < 1) continue;
      queue.push({ type: 'entry.time', entryId: id, seconds });
      carried.set(id, ms - seconds * 1000);
    }
  };

  const onClick = (ev: Event) => {
    const a = (ev.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
    if (!a || a.getAttribute('href')!.startsWith('#')) return;
    const host = hostOf(a.href);
    const entryId = (a.closest('li.lt-entry') as HTMLElement | null)?.dataset.id;
    if (a.classList.contains('lt-teaser') && entryId) queue.push({ type: 'teaser.click', entryId });
    // Outbound only: a link to the page's own host (another article, a permalink) is no click away.
    else if (host && host !== location.hostname) queue.push(entryId ? { type: 'link.click', entryId, host } : { type: 'link.click', host });
  };
  box.addEventListener('click', onClick);
  const onRaised = (ev: Event) => {
    const detail = (ev as CustomEvent<unknown>).detail;
    if (typeof detail === 'string' && RAISED.has(detail)) queue.push({ type: detail as 'follow.start' | 'follow.stop' });
    const vote = detail as { type?: unknown; entryId?: unknown } | null;
    if (vote?.type === 'poll.vote' && typeof vote.entryId === 'string') queue.push({ type: 'poll.vote', entryId: vote.entryId });
    const consent = detail as { type?: unknown; provider?: unknown } | null;
    if (consent?.type === 'embed.consent' && typeof consent.provider === 'string') queue.push({ type: 'embed.consent', provider: consent.provider });
  };
  box.addEventListener(REACH_EVENT, onRaised);

  const flush = (leaving = false) => {
    times();
    send(leaving);
  };
  // A count from elsewhere on the page for this ticker (the chat's question form): in the next batch, at once if the page is hidden.
  const onCount = (ev: Event) => {
    const d = (ev as CustomEvent<{ url?: unknown; ticker?: unknown; event?: ReachEvent } | null>).detail;
    if (ev.defaultPrevented || !d?.event || d.url !== opts.url || d.ticker !== opts.ticker) return;
    ev.preventDefault();
    queue.push(d.event);
    if (document.visibilityState === 'hidden') flush();
  };
  window.addEventListener(COUNT_EVENT, onCount);
  const onHidden = () => {
    if (document.visibilityState === 'hidden') {
      const now = performance.now();
      for (const id of [...since.keys()]) settle(id, now);
      flush();
    } else {
      // Back in view: the observer says again what is visible.
      for (const li of box.querySelectorAll<HTMLElement>('li.lt-entry[data-id]')) {
        observer.unobserve(li);
        observer.observe(li);
      }
    }
  };
  const onPageHide = () => flush(true);
  document.addEventListener('visibilitychange', onHidden);
  window.addEventListener('pagehide', onPageHide);
  const every = setInterval(() => flush(), SEND_EVERY_MS);
  return () => {
    clearInterval(every);
    window.removeEventListener(COUNT_EVENT, onCount);
    document.removeEventListener('visibilitychange', onHidden);
    window.removeEventListener('pagehide', onPageHide);
    box.removeEventListener('click', onClick);
    box.removeEventListener(REACH_EVENT, onRaised);
    observer.disconnect();
    added.disconnect();
    for (const t of timers.values()) clearTimeout(t);
    const now = performance.now();
    for (const id of [...since.keys()]) settle(id, now);
    flush(true);
  };
}
