import type { Message, Ticker, User as Me } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import type { ChatView } from '../chat';
import { BASE_CSS, KeyedList, defaultTokenStore, el, formatTime, widgetRoot } from './dom';
import { ChatLogin, composeMode } from './chat-login';
import { answersMe, firstUnread, isUnread, ownIds } from '../inbox-order';
import { note, showInbox, showJoin, showReport, showWriter, signOut } from './chat-forms';
import type { ChatForms } from './chat-forms';
import { plural, say } from './i18n';
import { ASK_CSS, AskDesk } from './ask-desk';
import { countReach } from './reach';
import './i18n.chat';
import type { Lang } from './i18n';

export interface ChatWidgetOptions {
  url: string;
  ticker: string;
  lang?: Lang;
  /** Share one connection between widgets on a page; it should send cookies (withCredentials). */
  client?: LivetickerClient;
  /**
   * The newsroom's own accounts: called for the reader's liveticker token (a session or API
   * token the newsroom's backend got for them), at start and whenever the widget needs one.
   * With it, the widget shows no login form of its own: "Log in" asks the host page through
   * `onLoginRequest`.
   */
  getToken?: () => string | undefined | Promise<string | undefined>;
  onLoginRequest?: () => void;
  /**
   * Where the widget's own login keeps its token: `session` (sessionStorage: survives a reload;
   * the default on the widget pages, whose origin is the server's) or `memory` (gone with the
   * page; the default on any other origin, so the host page's storage never holds it).
   */
  tokenStore?: 'session' | 'memory';
  /** Draw in a shadow root of the element (default true; see `widgetRoot`). */
  shadow?: boolean;
  /** Count a question asked in the ticker's reach (default true; `analytics="off"` on the element). */
  analytics?: boolean;
  /**
   * A login shared with other widgets on the page (the Chats panel, `<liveticker-live>`'s tab):
   * logging in or out in one is seen by all. Without it the widget has a login of its own.
   */
  login?: ChatLogin;
  /**
   * Opened from the reader's Chats at their read position (a revision of the chat's stream): the
   * messages after it are marked new, and the list opens at the first of them.
   */
  lastReadRev?: number;
  /** Told whenever the widget's login changes (`<liveticker-live>` shows its Chats tab on a login). */
  onLogin?: (login: ChatLogin) => void;
}

/** At most this many older pages are loaded to reach the first unread message (20 messages each). */
const UNREAD_PAGES = 5;

const CSS = `${BASE_CSS}
.ltc{font:15px/1.45 system-ui,sans-serif;color:#1a1a1a;max-width:28rem;border:1px solid #ddd;border-radius:6px;padding:.75rem}
.ltc-head{display:flex;justify-content:space-between;align-items:baseline;border-bottom:2px solid #1a1a1a;margin-bottom:.5rem}
.ltc-head h2{font-size:1.1rem;margin:0;text-transform:none}.ltc-readers{font-size:.8rem;color:#595959}
.ltc-msgs{list-style:none;margin:0;padding:0;max-height:28rem;overflow:auto}.ltc-msg::before,.ltc-msg::after{content:none}
.ltc-msg{padding:.4rem 0;border-bottom:1px solid #eee}.ltc-msg.pinned{background:#fff8e1;padding:.4rem}
.ltc-author{font-weight:600;margin-right:.4rem}.ltc-time{font-size:.75rem;color:#595959}
.ltc-body{white-space:pre-wrap;overflow-wrap:anywhere}.ltc-gone{color:#595959;font-style:italic}
.ltc-box textarea,.ltc-box input{width:100%;box-sizing:border-box;font:inherit;padding:.4rem;margin:.2rem 0}
.ltc-box button{font:inherit;padding:.35rem .8rem;margin:.2rem .3rem .2rem 0;cursor:pointer;background:#0a5bd3;color:#fff;border:0;border-radius:4px}
.ltc-box button.secondary{background:#eee;color:#1a1a1a}
.ltc-note{font-size:.85rem;margin:.3rem 0}.ltc-note.err{color:#b00020}.ltc-note.ok{color:#0a7a32}
.ltc-more{display:block;margin:.5rem auto;font:inherit;font-size:.85rem;cursor:pointer}
.ltc-report{font-size:.75rem;background:none;border:0;color:#595959;text-decoration:underline;cursor:pointer;padding:0 .2rem;margin-left:.3rem;min-height:0;width:auto}
.ltc-reportform{border:1px solid #ddd;border-radius:4px;margin:.4rem 0;padding:.4rem .6rem}
.ltc-reportform legend{font-size:.85rem;font-weight:600}
.ltc-reportform label{display:block;font-size:.85rem}
.ltc-reportform button{font:inherit;font-size:.85rem;padding:.25rem .7rem;margin:.3rem .3rem 0 0;cursor:pointer;width:auto}
.ltc-closed{font-size:.9rem;color:#454545;background:#f3f3f3;border-radius:4px;padding:.5rem .6rem;margin:.3rem 0}
.ltc [hidden]{display:none}
.ltc-mark{display:inline-block;font-size:.72rem;font-weight:600;border-radius:3px;padding:0 .3rem;margin-left:.3rem;vertical-align:.1em}
.ltc-mark.new{background:#e6efff;color:#0a4aa8}.ltc-mark.you{background:#0a5bd3;color:#fff}
.ltc-msg.unread{box-shadow:inset 3px 0 #0a5bd3;padding-left:.5rem}.ltc-msg.answers{background:#f2f7ff}
`;

/** How a message stands to the reader: new since their last visit, an answer to them. */
interface Marks {
  unread: boolean;
  answers: boolean;
}

function renderMessage(m: Message, lang: Lang, onReport: (m: Message, li: HTMLElement) => void, marks: Marks, pinned = false): HTMLElement {
  const li = el('li', { class: `ltc-msg${pinned ? ' pinned' : ''}${marks.unread ? ' unread' : ''}${marks.answers ? ' answers' : ''}`, 'data-id': m.id, part: 'message' });
  li.append(el('span', { class: 'ltc-author' }, m.author.displayName));
  li.append(el('time', { class: 'ltc-time', datetime: m.createdAt }, formatTime(m.createdAt, lang).label));
  if (marks.answers) li.append(el('span', { class: 'ltc-mark you' }, say(lang, 'answersYou')));
  if (marks.unread) li.append(el('span', { class: 'ltc-mark new' }, say(lang, 'newMessage')));
  if (!m.deletedAt) {
    const report = el('button', { type: 'button', class: 'ltc-report', 'aria-label': `${say(lang, 'report')}: ${m.author.displayName}` }, say(lang, 'report'));
    report.addEventListener('click', () => onReport(m, li));
    li.append(report);
  }
  li.append(m.deletedAt ? el('div', { class: 'ltc-body ltc-gone' }, say(lang, 'deleted')) : el('div', { class: 'ltc-body' }, m.body));
  return li;
}

/**
 * The chat beside a ticker: live messages for everyone, and for a verified login a box to write.
 * Readers without an account see "To join the discussion, log in or register" with both forms.
 */
export function mountChat(target: HTMLElement | ShadowRoot, opts: ChatWidgetOptions): { view: ChatView; opened: Promise<void>; unmount: () => void } {
  const root = widgetRoot(target, opts.shadow);
  const lang: Lang = opts.lang ?? 'de';
  const t = (key: string, vars?: Record<string, string | number>) => say(lang, key, vars);
  const login = opts.login ?? ChatLogin.kept(opts.tokenStore ?? defaultTokenStore(opts.url), opts.client);
  const client = opts.client ?? createClient({ url: opts.url, token: login.token, withCredentials: true });
  if (opts.client && login.token) client.setToken(login.token);
  const view = client.chat(opts.ticker);
  let closed = false;

  root.replaceChildren();
  const box = el('section', { class: 'lt-root ltc' });
  const readers = el('span', { class: 'ltc-readers' });
  const head = el('header', { class: 'ltc-head' });
  head.append(el('h2', {}, t('chatTitle')), readers);
  const compose = el('div', { class: 'ltc-box' });
  const pinned = el('ul', { class: 'ltc-msgs ltc-pinned' });
  // Keyed: only messages that came in are new nodes, so only they are announced.
  const list = el('ul', { class: 'ltc-msgs ltc-list', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const more = el('button', { class: 'ltc-more', type: 'button' }, t('moreMessages'));
  // "Ask the newsroom": its login is the chat's (the compose box's invitation when there is none).
  // Reach counting waits for the ticker to say whether the newsroom counts at all (below).
  let reachAllowed: boolean | undefined;
  const ask = new AskDesk({
    lang,
    client,
    ticker: opts.ticker,
    compose,
    counted: opts.analytics === false ? undefined : () => countReach({ url: opts.url, ticker: opts.ticker, allowed: () => reachAllowed }, { type: 'question.ask' }),
  });
  box.append(head, compose, ask.element, pinned, list, more);
  root.append(el('style', {}, CSS + ASK_CSS), box);

  const forms: ChatForms = {
    lang,
    client,
    view,
    login,
    compose,
    getToken: opts.getToken,
    onLoginRequest: opts.onLoginRequest,
    show: () => {
      const mode = composeMode({ closed, token: login.token, me: login.me });
      ask.show(mode);
      if (mode === 'closed') compose.replaceChildren(el('p', { class: 'ltc-closed', role: 'status' }, t('roomClosed')));
      else if (mode === 'inbox') showInbox(forms, login.me!.email);
      else if (mode === 'writer') showWriter(forms);
      else showJoin(forms);
    },
    roomClosed: () => {
      closed = true;
      forms.show();
    },
  };
  /** Who the login is (is the address confirmed?), then the box again. */
  const loadMe = () =>
    void client.rest.get<Me>('/me').then(
      (user) => {
        login.know(user);
        forms.show();
      },
      () => undefined,
    );

  const report = (m: Message, li: HTMLElement) => showReport(forms, m, li);
  // The reader's own messages among those loaded: replies to them are marked "answers you".
  let own = new Set<string>();
  const marks = (m: Message): Marks => ({ unread: isUnread(m, opts.lastReadRev, login.me?.id), answers: answersMe(m, own, login.me?.id) });
  const keyOf = (m: Message) => {
    const k = marks(m);
    return `${m.rev}:${m.status}:${m.deletedAt ?? ''}:${k.unread ? 'n' : ''}${k.answers ? 'a' : ''}`;
  };
  const pinnedList = new KeyedList<Message>(pinned, (m) => renderMessage(m, lang, report, marks(m), true), keyOf);
  const messages = new KeyedList<Message>(list, (m) => renderMessage(m, lang, report, marks(m)), keyOf);
  const render = () => {
    own = ownIds([...view.messages, ...view.pinned], login.me?.id);
    pinnedList.update(view.pinned);
    messages.update(view.messages, () => el('li', { class: 'ltc-msg' }, t('noMessages')));
    more.hidden = !view.hasMore;
    if (view.readers !== undefined) readers.textContent = plural(lang, 'readers', view.readers);
  };
  view.on('change', render);
  const offLogin = login.watch(() => {
    forms.show();
    render();
    opts.onLogin?.(login);
  });
  more.addEventListener('click', () => void view.loadMore());
  // The login ended (ban, logout elsewhere, expiry): say why; reading goes on anonymously.
  const offs = [
    client.on('sessionEnded', ({ reason }) => {
      const wasIn = login.token !== undefined;
      signOut(forms);
      if (!wasIn) return;
      // Banned: no invitation to log in again beside it (the discussion stays readable).
      if (reason === 'banned') compose.replaceChildren(note(t('ended.banned'), 'err'));
      else compose.prepend(note(t('ended.other'), 'err'));
    }),
  ];
  forms.show();
  if (opts.getToken) {
    void Promise.resolve(opts.getToken()).then(
      (given) => {
        if (!given) return;
        login.signIn(client, given, undefined, false);
        loadMe();
        forms.show();
      },
      () => undefined,
    );
  }
  // Is the room open, and is a kept login confirmed? (Until the answers come, the box offers what it would anyway.)
  void client.rest.get<Ticker>(`/tickers/${opts.ticker}`).then(
    (ticker) => {
      reachAllowed = ticker.analytics !== false;
      closed = ticker.chat.mode === 'closed';
      if (closed) forms.show();
    },
    () => undefined,
  );
  if (login.token && !login.me) loadMe();
  if (login.token) opts.onLogin?.(login);
  /**
   * Opened at the reader's read position: older pages until the first unread message is loaded
   * (at most a few), then the list scrolled so it is the lowest one in view, the newer ones above.
   */
  const opened = (async () => {
    await view.ready;
    if (opts.lastReadRev === undefined) return;
    for (let i = 0; i < UNREAD_PAGES && view.hasMore && view.order === 'newest' && !view.messages.some((m) => m.seq <= opts.lastReadRev!); i++) await view.loadMore();
    render();
    const first = firstUnread(view.messages, opts.lastReadRev, login.me?.id);
    const node = first && messages.node(first.id);
    if (!node) return;
    const below = node.getBoundingClientRect().bottom - list.getBoundingClientRect().bottom;
    if (below > 0) list.scrollTop += below;
  })();
  opened.catch(() => undefined);
  return {
    view,
    opened,
    unmount: () => {
      ask.destroy();
      offLogin();
      for (const off of offs) off();
      view.close();
      if (!opts.client) client.close();
      root.replaceChildren();
    },
  };
}
