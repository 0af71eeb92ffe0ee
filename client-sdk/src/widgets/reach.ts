/**
 * First-party reach counting for the ticker widget (the server's `POST /analytics/events`):
 * no cookie, nothing stored in the browser, nothing sent when the reader's browser asks for it
 * (Global Privacy Control, Do Not Track) or the newsroom turns it off (`analytics="off"`).
 *
 * What it reports: the page view (the referrer's host only), each entry at least half visible for
 * a second (once per entry per page view), the seconds entries were in view, and clicks on teasers
 * and outbound links (their host only). Events wait in memory and leave in one beacon at most
 * every 15 s, and when the page is hidden or left.
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

/** One batch of `events` of `ticker` to the server, as a beacon (a string is text/plain: no preflight, no cookie). */
function beacon(opts: { url: string; ticker: string }, events: ReachEvent[]): void {
  const endpoint = `${opts.url}/api/v1/analytics/events`;
  const body = JSON.stringify({ batchId: batchId(), tickerId: opts.ticker, events });
  if (!navigator.sendBeacon?.(endpoint, body)) void fetch(endpoint, { method: 'POST', body, keepalive: true, credentials: 'omit', headers: { 'content-type': 'text/plain' } }).catch(() => undefined);
}

/**
 * Counts one thing a reader did outside the ticker widget (the chat's question form) at once,
 * unless the reader's browser asks not to be counted.
 */
export function countReach(opts: { url: string; ticker: string }, event: ReachEvent): void {
  if (!readerOptedOut()) beacon(opts, [event]);
}

/**
 * Counts what the reader does in `box` (the widget's shadow content) for `ticker`; returns the
 * function that stops it (and sends what is left).
 */
export function trackReach(box: HTMLElement, opts: { url: string; ticker: string }): () => void {
  if (readerOptedOut() || typeof IntersectionObserver !== 'function') return () => undefined;
  let queue: ReachEvent[] = [];
  const send = () => {
    while (queue.length) {
      beacon(opts, queue.slice(0, MAX_BATCH));
      queue = queue.slice(MAX_BATCH);
    }
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
    else if (host) queue.push(entryId ? { type: 'link.click', entryId, host } : { type: 'link.click', host });
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

  const flush = () => {
    times();
    send();
  };
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
  document.addEventListener('visibilitychange', onHidden);
  window.addEventListener('pagehide', flush);
  const every = setInterval(flush, SEND_EVERY_MS);
  return () => {
    clearInterval(every);
    document.removeEventListener('visibilitychange', onHidden);
    window.removeEventListener('pagehide', flush);
    box.removeEventListener('click', onClick);
    box.removeEventListener(REACH_EVENT, onRaised);
    observer.disconnect();
    added.disconnect();
    for (const t of timers.values()) clearTimeout(t);
    const now = performance.now();
    for (const id of [...since.keys()]) settle(id, now);
    flush();
  };
}
