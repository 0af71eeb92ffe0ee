import type { Card, Entry, Order, TickerSnapshot } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import type { TickerView, TickerViewChange } from '../ticker';
import { STRINGS, say } from './i18n';
import type { Lang } from './i18n';
import { BASE_CSS, KeyedList, el, formatTime, plainText, widgetRoot } from './dom';
import { FOLLOW_CSS, followControl, onOpenFromNotification } from './follow-ui';
import { REACH_EVENT, trackReach } from './reach';
import { POLL_CSS, renderPoll } from './poll-render';
import { EMBED_CSS, renderEmbed } from './embed-render';
import { CARD_CSS, cardAnnouncement, renderCard } from './card-render';
import type { TableSort } from './card-render';
import type { PollHooks, PollLocal } from './poll-render';
import { newerResults, resultText } from './poll-state';
import { QUESTION_CSS, renderQuestionQuote } from './question-quote';
import type { VoteState } from '@liveticker/schemas';
import { LivetickerError, RestClient } from '../rest';

export interface TickerWidgetOptions {
  url: string;
  ticker: string;
  order?: Order;
  lang?: Lang;
  /** Entries per page (1–100, default 20). */
  pageSize?: number;
  /** Share one connection between widgets on a page (the chat widget's, say). */
  client?: LivetickerClient;
  /** A server-rendered page's state: shown at once, live from its revision (see TickerView). */
  snapshot?: TickerSnapshot;
  /**
   * The Follow button (Web Push), where the browser can follow (default true). It subscribes with
   * the page's service worker, else registers `swUrl` (default `/liveticker-sw.js`).
   */
  follow?: boolean;
  swUrl?: string;
  /** First-party reach counting (reach.ts; default true): never when the browser asks not to be tracked. */
  analytics?: boolean;
  /**
   * Draw in a shadow root of the element (default true; see `widgetRoot`): the host page's CSS
   * stays out. `false` only on a page that is the widget's own.
   */
  shadow?: boolean;
}

/**
 * Theming: custom properties on the element (`--lt-accent`, `--lt-text`, `--lt-muted`,
 * `--lt-bg`, `--lt-line`, `--lt-pinned-bg`, `--lt-font`, `--lt-head-font`) and `::part()` on
 * `title`, `badge`, `entry`, `time`, `new-updates`, `more`. Colours meet WCAG AA on white.
 */
export const TICKER_CSS = `${BASE_CSS}
.lt{font:16px/1.5 var(--lt-font,Georgia,serif);color:var(--lt-text,#1a1a1a);background:var(--lt-bg,transparent);max-width:44rem}
.lt-head{display:flex;align-items:center;gap:.75rem;flex-wrap:wrap;border-bottom:2px solid var(--lt-text,#1a1a1a);padding-bottom:.5rem}
.lt-title{font:700 1.35rem/1.2 var(--lt-head-font,system-ui,sans-serif);margin:0;flex:1;min-width:10rem;text-transform:none;letter-spacing:normal}
.lt-count{font:700 .85rem var(--lt-head-font,system-ui,sans-serif);color:var(--lt-accent,#c00018)}
.lt-badge{font:700 .75rem var(--lt-head-font,system-ui,sans-serif);text-transform:uppercase;padding:.15rem .5rem;border-radius:3px;background:#595959;color:#fff}
.lt-badge.live{background:var(--lt-accent,#c00018)}.lt-badge.live::before{content:'● '}
.lt-order{display:flex;gap:0}
.lt-order button{font:.85rem var(--lt-head-font,system-ui,sans-serif);border:1px solid var(--lt-text,#1a1a1a);background:#fff;color:#1a1a1a;padding:.25rem .6rem;cursor:pointer;width:auto;margin:0}
.lt-order button[aria-pressed=true]{background:var(--lt-text,#1a1a1a);color:#fff}
.lt-offline{font:.85rem var(--lt-head-font,system-ui,sans-serif);color:#b00020}
.lt-new{position:sticky;top:.5rem;z-index:1;display:block;margin:.5rem auto;font:700 .9rem var(--lt-head-font,system-ui,sans-serif);background:var(--lt-accent,#c00018);color:#fff;border:0;border-radius:1rem;padding:.4rem 1rem;cursor:pointer;box-shadow:0 2px 6px rgba(0,0,0,.25);width:auto}
.lt-list,.lt-pinned{list-style:none;padding:0;margin:0}
.lt-entry{border-bottom:1px solid var(--lt-line,#ddd);padding:.9rem 0;display:grid;grid-template-columns:5rem minmax(0,1fr);gap:.75rem;list-style:none;margin:0}
.lt-entry::before,.lt-entry::after{content:none}
.lt-entry.pinned{background:var(--lt-pinned-bg,#fff8e1);box-shadow:-.5rem 0 0 var(--lt-pinned-bg,#fff8e1),.5rem 0 0 var(--lt-pinned-bg,#fff8e1)}
.lt-entry:focus{outline:2px solid var(--lt-accent,#c00018);outline-offset:2px}
.lt-body p{margin:0 0 .5rem}
.lt-time{font:700 .85rem var(--lt-head-font,system-ui,sans-serif);color:var(--lt-accent,#c00018);white-space:nowrap}
.lt-time a{color:inherit;text-decoration:none}.lt-time a:hover,.lt-time a:focus{text-decoration:underline}
.lt-time small{display:block;font-weight:400;color:var(--lt-muted,#595959)}
.lt-updated{display:block;font:400 .75rem var(--lt-head-font,system-ui,sans-serif);color:var(--lt-muted,#595959);white-space:normal}
.lt-entry h3{font:700 1.05rem/1.3 var(--lt-head-font,system-ui,sans-serif);margin:0 0 .25rem;text-transform:none;letter-spacing:normal}
.lt-entry.key-event h3::before{content:'⚡ '}
.lt-entry blockquote{margin:0;font-style:italic;border-left:3px solid var(--lt-accent,#c00018);padding-left:.75rem}
.lt-entry figure{margin:.5rem 0}
.lt-entry img{max-width:100%;height:auto;display:block;background:#eee;border:0;padding:0;margin:0;float:none}
.lt-entry figcaption{font:.8rem var(--lt-head-font,system-ui,sans-serif);color:#454545}
.lt-credit{color:var(--lt-muted,#595959)}.lt-credit a{color:inherit}
.lt-teaser{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.75rem;align-items:start;border:1px solid var(--lt-line,#ddd);padding:.5rem .75rem;margin-top:.5rem;text-decoration:none;color:inherit;font-family:var(--lt-head-font,system-ui,sans-serif)}
.lt-teaser img{width:6rem;height:auto}
.lt-teaser small{color:var(--lt-accent,#c00018);text-transform:uppercase;font-weight:700;font-size:.7rem}
.lt-teaser .lt-source{display:block;color:var(--lt-muted,#595959);font-size:.75rem}
.lt-label{font:700 .7rem var(--lt-head-font,system-ui,sans-serif);text-transform:uppercase;color:#7a5200}
.lt-keys{border:1px solid var(--lt-line,#ddd);border-left:4px solid var(--lt-accent,#c00018);padding:.5rem .75rem;margin:.75rem 0;font-family:var(--lt-head-font,system-ui,sans-serif)}
.lt-keys h3{font:700 .8rem var(--lt-head-font,system-ui,sans-serif);text-transform:uppercase;letter-spacing:.02em;margin:0 0 .25rem;color:var(--lt-text,#1a1a1a)}
.lt-keys ol{list-style:none;margin:0;padding:0}
.lt-keys li{list-style:none;margin:0;padding:.15rem 0}.lt-keys li::before{content:none}
.lt-keys a{color:var(--lt-text,#1a1a1a);text-decoration:none;font-size:.9rem}.lt-keys a:hover,.lt-keys a:focus{text-decoration:underline}
.lt-keys time{font-weight:700;color:var(--lt-accent,#c00018);margin-right:.4rem}
.lt-expand{display:none;font:700 .85rem var(--lt-head-font,system-ui,sans-serif);background:none;border:0;padding:.25rem 0;color:var(--lt-accent,#c00018);cursor:pointer;width:auto;text-decoration:underline}
@media (max-width:600px){.lt-entry{grid-template-columns:4.25rem minmax(0,1fr);gap:.5rem}.lt-time{font-size:.8rem}
.lt-entry.long:not(.open) .lt-body{max-height:6em;overflow:hidden;-webkit-mask-image:linear-gradient(#000 55%,transparent);mask-image:linear-gradient(#000 55%,transparent)}
.lt-entry.long:not(.open) figure,.lt-entry.long:not(.open) .lt-teaser{display:none}.lt-entry.long .lt-expand{display:inline-block}}
.lt-more{display:block;margin:1rem auto;font:.9rem var(--lt-head-font,system-ui,sans-serif);padding:.5rem 1rem;cursor:pointer;width:auto;background:#fff;color:#1a1a1a;border:1px solid #767676;border-radius:3px}
`;

/** An entry's first words for the live region: its title, else its body's first sentence. */
function headline(e: Entry): string {
  if (e.title) return e.title;
  const text = plainText(e.body);
  const sentence = /^.{1,160}?[.!?](\s|$)/.exec(text)?.[0] ?? text.slice(0, 160);
  return sentence.trim();
}

/** An entry's element; the body is HTML the server sanitized on write, every other field is text. */
export function renderEntry(e: Entry, lang: Lang, pinnedLabel?: string, polls?: PollHooks): HTMLElement {
  const li = el('li', { class: `lt-entry ${e.kind}${pinnedLabel ? ' pinned' : ''}`, 'data-id': e.id, id: `entry-${e.id}`, tabindex: '-1', part: 'entry' });
  const when = el('div', { class: 'lt-time', part: 'time' });
  // The link's name starts with what it shows (the time), then says what it is.
  const link = el('a', { href: `#entry-${e.id}` });
  const t = formatTime(e.publishedAt, lang);
  const time = el('time', { datetime: e.publishedAt }, t.time);
  link.append(time);
  if (t.date) link.append(el('small', {}, t.date));
  link.append(el('span', { class: 'lt-sr' }, ` – ${say(lang, 'permalink')}`));
  when.append(link);
  // Edited after publishing (more than a minute later): say when.
  if (Date.parse(e.updatedAt) - Date.parse(e.publishedAt) > 60_000) {
    const u = el('time', { class: 'lt-updated', datetime: e.updatedAt }, say(lang, 'updated', { time: formatTime(e.updatedAt, lang).time }));
    when.append(u);
  }
  li.append(when);
  const main = el('div');
  if (pinnedLabel) main.append(el('div', { class: 'lt-label' }, pinnedLabel));
  if (e.title) main.append(el('h3', {}, e.title));
  if (e.question) main.append(renderQuestionQuote(e.question, lang));
  const body = el('div', { class: 'lt-body' });
  body.innerHTML = e.body;
  main.append(body);
  if (e.poll) main.append(renderPoll(e, lang, polls));
  if (e.image) {
    const fig = el('figure');
    const img = el('img', { src: e.image.url, alt: e.image.caption ?? '', loading: 'lazy' });
    // A picture that does not load leaves its caption, not a broken-image box.
    img.addEventListener('error', () => img.remove());
    if (e.image.width && e.image.height) {
      img.width = e.image.width;
      img.height = e.image.height;
    }
    const cap = el('figcaption', {}, e.image.caption ?? '');
    if (e.image.credit) {
      const credit = el('span', { class: 'lt-credit' });
      if (e.image.creditUrl) credit.append(el('a', { href: e.image.creditUrl, rel: 'noopener', target: '_blank' }, e.image.credit));
      else credit.textContent = e.image.credit;
      cap.append(' ', credit);
    }
    fig.append(img, cap);
    main.append(fig);
  }
  if (e.embed) main.append(renderEmbed(e.embed, lang));
  if (e.teaser) {
    const a = el('a', { class: 'lt-teaser', href: e.teaser.url, rel: 'noopener' });
    if (e.teaser.image) {
      const thumb = el('img', { src: e.teaser.image, alt: '', loading: 'lazy' });
      thumb.addEventListener('error', () => thumb.remove());
      a.append(thumb);
    }
    const text = el('div');
    text.append(el('small', {}, STRINGS[lang].related), el('div', {}, e.teaser.title));
    const source = [new URL(e.teaser.url).hostname.replace(/^www\./, ''), e.teaser.publishedAt ? formatTime(e.teaser.publishedAt, lang, true).label : ''].filter(Boolean).join(' · ');
    text.append(el('span', { class: 'lt-source' }, source));
    a.append(text);
    main.append(a);
  }
  // A long pinned entry would fill a phone's screen: there it shows its start and a toggle (CSS).
  if (pinnedLabel && (plainText(e.body).length > 280 || e.image || e.teaser || e.embed)) {
    li.classList.add('long');
    const toggle = el('button', { class: 'lt-expand', type: 'button', 'aria-expanded': 'false' }, say(lang, 'readMore'));
    toggle.addEventListener('click', () => {
      const open = li.classList.toggle('open');
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = say(lang, open ? 'readLess' : 'readMore');
    });
    main.append(toggle);
  }
  li.append(main);
  return li;
}

/** A key event as a jump link to its entry in the list. */
function renderKeyEvent(e: Entry, lang: Lang): HTMLElement {
  const li = el('li', { 'data-id': e.id });
  const a = el('a', { href: `#entry-${e.id}` });
  a.append(el('time', { datetime: e.publishedAt }, formatTime(e.publishedAt, lang).label), headline(e));
  li.append(a);
  return li;
}

/** Mounts a live ticker into `root`; returns the view (for tests) and an unmount function. */
export function mountTicker(target: HTMLElement | ShadowRoot, opts: TickerWidgetOptions): { view: TickerView; unmount: () => void } {
  const root = widgetRoot(target, opts.shadow);
  const lang: Lang = opts.lang ?? 'de';
  const t = STRINGS[lang];
  const client = opts.client ?? createClient({ url: opts.url });
  const view = client.ticker(opts.ticker, { order: opts.order ?? 'newest', pageSize: opts.pageSize, snapshot: opts.snapshot });

  root.replaceChildren();
  const box = el('section', { class: 'lt-root lt' });
  const head = el('header', { class: 'lt-head' });
  const title = el('h2', { class: 'lt-title', part: 'title' });
  const count = el('span', { class: 'lt-count', hidden: '' });
  const badge = el('span', { class: 'lt-badge', part: 'badge' });
  const order = el('div', { class: 'lt-order', role: 'group', 'aria-label': t.orderLabel });
  const newest = el('button', { type: 'button', 'data-order': 'newest' }, t.newest);
  const oldest = el('button', { type: 'button', 'data-order': 'oldest' }, t.oldest);
  order.append(newest, oldest);
  const followError = el('p', { class: 'lt-follow-error', role: 'alert', hidden: '' });
  const followBox = opts.follow === false ? undefined : followControl({ url: opts.url, ticker: opts.ticker, lang, swUrl: opts.swUrl }, followError);
  head.append(title, count, badge, ...(followBox ? [followBox] : []), order);
  const offline = el('p', { class: 'lt-offline', hidden: '', role: 'status' }, t.offline);
  // Only new entries are announced, once each: the list itself is not a live region.
  const announcer = el('div', { class: 'lt-sr', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const fresh = el('button', { class: 'lt-new', type: 'button', hidden: '', part: 'new-updates' });
  const keys = el('nav', { class: 'lt-keys', 'aria-label': t.keyEvents, hidden: '', part: 'key-events' });
  const keyList = el('ol');
  keys.append(el('h3', {}, t.keyEvents), keyList);
  const pinned = el('ul', { class: 'lt-pinned' });
  const list = el('ul', { class: 'lt-list' });
  // Marks the live edge (the list's top when newest first, its end when oldest first).
  const edge = el('div', { class: 'lt-edge', 'aria-hidden': 'true' });
  const more = el('button', { class: 'lt-more', type: 'button', part: 'more' }, t.more);
  // The ticker's cards that belong to no entry (pinned ones first); attached ones go inside theirs.
  const cardsBox = el('div', { class: 'lt-cards', part: 'cards', hidden: '' });
  box.append(head, followError, offline, announcer, keys, fresh, cardsBox, pinned, list, more);
  root.append(el('style', {}, TICKER_CSS + FOLLOW_CSS + POLL_CSS + QUESTION_CSS + EMBED_CSS + CARD_CSS), box);

  /** Each card's drawn node and the state it shows: redrawn only when the card's version (or its sort) changed. */
  const cardNodes = new Map<string, { card: Card; node: HTMLElement; sort?: TableSort }>();
  const tableSorts = new Map<string, TableSort>();
  const cardNode = (card: Card): HTMLElement => {
    const had = cardNodes.get(card.id);
    const sort = tableSorts.get(card.id);
    if (had && had.card.version === card.version && had.sort === sort) return had.node;
    const node = renderCard(card, lang, {
      sort,
      onSort: (next) => {
        tableSorts.set(card.id, next);
        syncCards();
        cardNodes.get(card.id)?.node.querySelector<HTMLElement>(`button[data-column="${next.column}"]`)?.focus();
      },
    });
    had?.node.replaceWith(node);
    cardNodes.set(card.id, { card, node, sort });
    return node;
  };
  /** Puts every card where it belongs: the top box, or inside its entry (when that entry is shown). */
  const syncCards = () => {
    const shown = new Set<string>();
    const top = view.cards.filter((c) => !c.entryId);
    const nodes = top.map((c) => (shown.add(c.id), cardNode(c)));
    if (nodes.length !== cardsBox.children.length || nodes.some((n, i) => cardsBox.children[i] !== n)) cardsBox.replaceChildren(...nodes);
    cardsBox.hidden = nodes.length === 0;
    for (const li of box.querySelectorAll<HTMLElement>('li.lt-entry[data-id]')) {
      const mine = view.cardsOf(li.dataset.id!);
      let holder = li.querySelector<HTMLElement>('.lt-entry-cards');
      if (!mine.length) {
        holder?.remove();
        continue;
      }
      if (!holder) (li.children[1] ?? li).append((holder = el('div', { class: 'lt-entry-cards' })));
      const want = mine.map((c) => (shown.add(c.id), cardNode(c)));
      if (want.length !== holder.children.length || want.some((n, i) => holder!.children[i] !== n)) holder.replaceChildren(...want);
    }
    for (const id of [...cardNodes.keys()]) if (!shown.has(id) && !view.cards.some((c) => c.id === id)) cardNodes.delete(id);
  };

  const keyOf = (e: Entry) => `${e.rev}:${e.version}`;
  /**
   * The reader's polls: their vote and the counts its answer brought, kept across re-renders of
   * the entry (every counts change is a new revision of it). A change of it redraws that poll only.
   */
  const polls = new Map<string, PollLocal>();
  const pollHooks: PollHooks = {
    local: (id) => polls.get(id) ?? {},
    vote: (id, optionId) => void castVote(id, optionId),
  };
  const activeElement = () => (typeof ShadowRoot !== 'undefined' && root instanceof ShadowRoot ? root.activeElement : document.activeElement) as HTMLElement | null;
  const redrawPoll = (id: string, focusOption?: string) => {
    const entry = [...view.pinned, ...view.entries].find((e) => e.id === id);
    if (!entry?.poll) return;
    for (const node of box.querySelectorAll<HTMLElement>('[data-poll]')) {
      if (node.dataset.poll !== id) continue;
      // A reader on one of its buttons stays there.
      const active = activeElement();
      const onOption = active && node.contains(active) ? active.dataset.option : undefined;
      const fresh = renderPoll(entry, lang, pollHooks);
      node.replaceWith(fresh);
      if (focusOption) fresh.querySelector<HTMLElement>(`button[data-option="${CSS.escape(focusOption)}"]`)?.focus();
      else if (onOption) fresh.querySelector<HTMLElement>(`button[data-option="${CSS.escape(onOption)}"]`)?.focus({ preventScroll: true });
    }
  };
  /**
   * Votes carry cookies (the reader's session, the anonymous device's `lt_device`) also from a
   * news site's page: a shared client (with the chat) sends them already; a ticker alone asks
   * with credentials for its votes only, so its reads stay as cacheable as ever.
   */
  const votes = opts.client ? client.rest : new RestClient({ baseUrl: opts.url, credentials: 'include' });
  /** Votes cast per poll here: a read of the reader's vote sent before one knows nothing of it. */
  const castCount = new Map<string, number>();
  const castVote = async (id: string, optionId: string) => {
    castCount.set(id, (castCount.get(id) ?? 0) + 1);
    const local: PollLocal = { ...polls.get(id), busy: true };
    polls.set(id, local);
    redrawPoll(id, optionId);
    try {
      const answer = await votes.post<VoteState>(`/tickers/${encodeURIComponent(opts.ticker)}/entries/${encodeURIComponent(id)}/votes`, { optionId });
      polls.set(id, { optionId: answer.optionId ?? optionId, results: answer.results, note: { text: say(lang, 'pollThanks') } });
      box.dispatchEvent(new CustomEvent(REACH_EVENT, { detail: { type: 'poll.vote', entryId: id } }));
    } catch (err) {
      const code = err instanceof LivetickerError ? err.code : undefined;
      const text = say(lang, code === 'login_required' || code === 'email_not_verified' ? 'pollLogin' : code === 'vote_limit_reached' ? 'pollTooMany' : code === 'poll_closed' ? 'pollClosed' : 'pollFailed');
      polls.set(id, { ...local, busy: false, note: { text, error: true } });
    }
    redrawPoll(id, optionId);
  };
  /**
   * The reader's own vote and the counts they may see (`GET …/votes`, with their cookie or
   * session): read once for every open poll the widget shows (so a reload keeps both), and again
   * on every change of an `after-vote` poll they voted in. That poll's stream changes carry no
   * counts (the stream is everyone's; those who did not vote must not see them): each one says
   * the counts moved. One read at a time per poll; a change during a read makes one more after it.
   */
  const reads = new Map<string, 'reading' | 'again'>();
  const readVote = async (id: string) => {
    if (reads.has(id)) {
      reads.set(id, 'again');
      return;
    }
    reads.set(id, 'reading');
    const casts = castCount.get(id) ?? 0;
    try {
      const mine = await votes.get<VoteState>(`/tickers/${encodeURIComponent(opts.ticker)}/entries/${encodeURIComponent(id)}/votes`);
      const local = polls.get(id) ?? {};
      const stale = local.busy || (castCount.get(id) ?? 0) !== casts;
      polls.set(id, { ...local, ...(!stale && mine.optionId !== null && { optionId: mine.optionId }), results: newerResults(local.results, mine.results) });
      redrawPoll(id);
    } catch {
      // The reader keeps what they see; the poll's next change reads again.
    }
    const again = reads.get(id) === 'again';
    reads.delete(id);
    if (again) void readVote(id);
  };
  /** The revision of each poll entry last looked at. */
  const pollRevs = new Map<string, number>();
  const readVotes = () => {
    for (const e of [...view.pinned, ...view.entries]) {
      if (!e.poll || pollRevs.get(e.id) === e.rev) continue;
      const first = !pollRevs.has(e.id);
      pollRevs.set(e.id, e.rev);
      if (e.poll.closed) continue;
      if (first || (e.poll.resultsMode === 'after-vote' && polls.get(e.id)?.optionId)) void readVote(e.id);
    }
  };
  /** Polls this reader saw open, and those whose close was announced (once each). */
  const openPolls = new Set<string>();
  const closedPolls = new Set<string>();
  const pinnedList = new KeyedList<Entry>(pinned, (e) => renderEntry(e, lang, t.pinned, pollHooks), keyOf);
  const entries = new KeyedList<Entry>(list, (e) => renderEntry(e, lang, undefined, pollHooks), keyOf);
  const keyEvents = new KeyedList<Entry>(keyList, (e) => renderKeyEvent(e, lang), keyOf);

  /** Live entries that came while the reader was away from the live edge: shown on request. */
  const held = new Set<string>();
  let atEdge = true;
  const placeEdge = () => (view.order === 'newest' ? list.before(edge) : list.after(edge));

  const render = () => {
    if (view.ticker) {
      title.textContent = view.ticker.title;
      badge.textContent = t[view.ticker.status];
      badge.className = `lt-badge ${view.ticker.status}`;
    }
    newest.setAttribute('aria-pressed', String(view.order === 'newest'));
    oldest.setAttribute('aria-pressed', String(view.order === 'oldest'));
    for (const e of [...view.pinned, ...view.entries]) if (e.poll && !e.poll.closed) openPolls.add(e.id);
    readVotes();
    // A poll's entry is drawn anew with every counts change: a reader on one of its buttons stays there.
    const active = activeElement();
    const onPoll = active?.closest<HTMLElement>('[data-poll]')?.dataset.poll;
    const onOption = active?.dataset.option;
    pinnedList.update(view.pinned);
    keyEvents.update(view.keyEvents);
    keys.hidden = view.keyEvents.length === 0;
    for (const id of held) if (!view.entries.some((e) => e.id === id)) held.delete(id);
    entries.update(
      view.entries.filter((e) => !held.has(e.id)),
      () => el('li', { class: 'lt-empty' }, t.empty),
    );
    if (onPoll && onOption && active && !active.isConnected) {
      box.querySelector<HTMLElement>(`[data-poll="${CSS.escape(onPoll)}"] button[data-option="${CSS.escape(onOption)}"]`)?.focus({ preventScroll: true });
    }
    const n = held.size;
    fresh.hidden = n === 0;
    fresh.textContent = n === 1 ? t.newUpdate : say(lang, 'newUpdates', { n });
    count.hidden = n === 0;
    count.textContent = `(+${n})`;
    more.hidden = !view.hasMore;
    more.textContent = view.order === 'newest' ? t.more : t.moreOldest;
    syncCards();
  };

  const release = (focus: boolean) => {
    const first = [...held][0];
    held.clear();
    render();
    if (focus) {
      // Newest first: the top of the list; oldest first: the first of the entries that came in.
      const target = ((view.order === 'oldest' && first ? entries.node(first) : undefined) ?? list.firstElementChild) as HTMLElement | null;
      target?.focus({ preventScroll: true });
      (view.order === 'newest' || !target ? head : target).scrollIntoView({ block: 'start' });
    }
  };

  view.on('change', (change: TickerViewChange) => {
    const item = 'item' in change ? (change.item as Entry | undefined) : undefined;
    if (item?.poll?.closed && item.poll.results && openPolls.has(item.id) && !closedPolls.has(item.id)) {
      // A poll that closes while the reader is here: its final result, said once (politely).
      closedPolls.add(item.id);
      announcer.textContent = say(lang, 'pollFinal', { text: `${item.poll.question} ${resultText(item.poll, item.poll.results)}` });
    }
    if (change.op === 'cards') {
      // A score that moved is said politely, once per change of it.
      const said = cardAnnouncement(cardNodes.get(change.card.id)?.card, change.card, lang);
      if (said) announcer.textContent = said;
    } else if (change.op === 'insert') {
      announcer.textContent = say(lang, 'newEntry', { text: headline(change.item) });
      if (!atEdge) held.add(change.item.id);
    } else if (change.op === 'reset') {
      held.clear();
      placeEdge();
    }
    render();
  });

  placeEdge();
  const observer =
    typeof IntersectionObserver === 'function'
      ? new IntersectionObserver((seen) => {
          atEdge = seen.some((s) => s.isIntersecting);
          if (atEdge && held.size) release(false);
        })
      : undefined;
  observer?.observe(edge);

  // Words for where the connection stands; listeners go with the widget (the client may be shared).
  const show = (text: string | undefined) => {
    if (text === undefined) offline.setAttribute('hidden', '');
    else {
      offline.textContent = text;
      offline.removeAttribute('hidden');
    }
  };
  const offs = [
    client.on('status', (st) => {
      if (st.state === 'online' || st.state === 'connecting') show(undefined);
      else if (st.state === 'refused') show(say(lang, 'originBlocked'));
      else if (st.state === 'polling') show(say(lang, 'polling'));
      else show(say(lang, st.reason === 'restart' ? 'restarting' : 'reconnecting', { s: Math.max(1, Math.round(st.retryInMs / 1000)) }));
    }),
    client.on('error', (err) => {
      if (err.code === 'origin_not_allowed') show(say(lang, 'originBlocked'));
    }),
  ];
  fresh.addEventListener('click', () => release(true));
  // The server's word, from the ticker as loaded (or rendered): `analytics: false` where the newsroom
  // turned analytics off. Kept once heard (a ticker from a later change does not say it).
  let reachOff = false;
  const reachAllowed = () => {
    if (view.ticker?.analytics === false) reachOff = true;
    return reachOff ? false : view.ticker ? true : undefined;
  };
  view.on('change', () => void reachAllowed());
  const stopReach = opts.analytics === false ? undefined : trackReach(box, { url: opts.url, ticker: opts.ticker, allowed: reachAllowed });

  /**
   * A permalink (`#entry-<id>`) opened or clicked: loads pages until the entry is there (it may be
   * many pages deep), then scrolls to it and moves focus there. The shadow root hides it from the
   * browser's own fragment scrolling, so the widget does it.
   */
  const locate = async (id = /^#entry-([A-Za-z0-9_-]{1,64})$/.exec(location.hash)?.[1]) => {
    if (!id) return;
    await view.ready;
    const has = () => view.entries.some((e) => e.id === id) || view.pinned.some((e) => e.id === id);
    for (let pages = 0; !has() && view.hasMore && pages < 100; pages++) await view.loadMore();
    if (!has()) return;
    held.delete(id);
    render();
    const node = entries.node(id) ?? pinnedList.node(id);
    node?.scrollIntoView({ block: 'start' });
    node?.focus({ preventScroll: true });
  };
  const onHash = () => void locate().catch(() => undefined);
  // A key event's link: to its entry even when the page's address already names it.
  keyList.addEventListener('click', (ev) => {
    const a = (ev.target as Element).closest('a');
    const id = a?.getAttribute('href')?.slice('#entry-'.length);
    if (!id) return;
    ev.preventDefault();
    history.replaceState(history.state, '', `#entry-${id}`);
    void locate(id).catch(() => undefined);
  });
  window.addEventListener('hashchange', onHash);
  const offOpen = onOpenFromNotification();
  onHash();
  newest.addEventListener('click', () => void view.setOrder('newest'));
  oldest.addEventListener('click', () => void view.setOrder('oldest'));
  more.addEventListener('click', () => {
    const last = list.lastElementChild;
    void view.loadMore().then(() => {
      // Keyboard users land on the first entry that came in.
      (last?.nextElementSibling as HTMLElement | null)?.focus({ preventScroll: true });
    });
  });
  return {
    view,
    unmount: () => {
      for (const off of offs) off();
      window.removeEventListener('hashchange', onHash);
      offOpen();
      observer?.disconnect();
      stopReach?.();
      view.close();
      if (!opts.client) client.close();
      root.replaceChildren();
    },
  };
}
