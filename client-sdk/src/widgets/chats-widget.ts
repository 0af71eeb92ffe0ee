import type { InboxItem, User as Me } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import { openInbox } from '../inbox';
import type { InboxView, InboxViewChange } from '../inbox';
import { LivetickerError } from '../rest';
import { BASE_CSS, KeyedList, el, formatTime, widgetRoot } from './dom';
import { ChatLogin } from './chat-login';
import { errorText, note, showInbox, showJoin } from './chat-forms';
import type { LoginForms } from './chat-forms';
import { mountChat } from './chat-widget';
import { plural, say } from './i18n';
import './i18n.chat';
import './i18n.chats';
import type { Lang } from './i18n';

export interface ChatsWidgetOptions {
  url: string;
  lang?: Lang;
  /** Share one connection between widgets on a page; it should send cookies (withCredentials). */
  client?: LivetickerClient;
  /** The newsroom's own accounts (as for the chat widget): the panel then shows no login form. */
  getToken?: () => string | undefined | Promise<string | undefined>;
  onLoginRequest?: () => void;
  /** Where the panel's own login keeps its token (as for the chat widget; default `memory`). */
  tokenStore?: 'session' | 'memory';
  /** A login shared with a chat widget on the page (`<liveticker-live>` does this). */
  login?: ChatLogin;
  /** Chats per page, 1–100 (default 20). */
  pageSize?: number;
  /** Draw in a shadow root of the element (default true; see `widgetRoot`). */
  shadow?: boolean;
}

const CSS = `${BASE_CSS}
/* .lt-root.ltcs: the chat opened inside brings BASE_CSS again (.lt-root{all:initial}), later in the root */
.lt-root.ltcs{font:15px/1.45 system-ui,sans-serif;color:#1a1a1a;max-width:28rem;border:1px solid #ddd;border-radius:6px;padding:.75rem;box-sizing:border-box}
.ltcs-head{display:flex;justify-content:space-between;align-items:baseline;gap:.5rem;border-bottom:2px solid #1a1a1a;margin-bottom:.5rem}
.ltcs-head h2{font-size:1.1rem;margin:0}
.ltcs-list{list-style:none;margin:0;padding:0;max-height:28rem;overflow:auto;overflow-anchor:none}
.ltcs-item{display:flex;align-items:stretch;gap:.25rem;border-bottom:1px solid #eee}.ltcs-item::before,.ltcs-item::after{content:none}
.ltcs-open{flex:1;min-width:0;display:block;text-align:left;background:none;border:0;padding:.5rem .25rem;cursor:pointer;color:inherit;font:inherit}
.ltcs-open:hover{background:#f5f8fc}
.ltcs-line{display:flex;align-items:baseline;gap:.4rem;min-width:0;margin-bottom:.1rem}
.ltcs-title{font-weight:700;overflow-wrap:anywhere;min-width:0}
.ltcs-status{font-size:.7rem;font-weight:700;text-transform:uppercase;border-radius:3px;padding:0 .3rem;flex:none;background:#eee;color:#454545}
.ltcs-status.live{background:#b00020;color:#fff}
.ltcs-when{margin-left:auto;font-size:.75rem;color:#595959;flex:none}
.ltcs-last{display:block;color:#454545;font-size:.9rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.ltcs-who{font-weight:600}
.ltcs-counts{display:flex;gap:.35rem;margin-top:.2rem}.ltcs-counts:empty{display:none}
.ltcs-unread,.ltcs-you{font-size:.75rem;font-weight:700;border-radius:9px;padding:0 .45rem}
.ltcs-unread{background:#0a5bd3;color:#fff}.ltcs-you{background:#fff3cd;color:#5c4400;border:1px solid #e0c060}
.ltcs-item.has-unread .ltcs-title{color:#0a4aa8}
.ltcs-leave{flex:none;align-self:center;font-size:.8rem;background:none;border:0;color:#595959;text-decoration:underline;cursor:pointer;padding:.3rem}
.ltcs-empty{padding:.6rem 0;color:#454545}
.ltcs-more,.ltcs-logout{font:inherit;font-size:.85rem;cursor:pointer}
.ltcs-more{display:block;margin:.5rem auto}
.ltcs-logout{background:none;border:0;color:#595959;text-decoration:underline}
.ltcs-bar{display:flex;align-items:center;justify-content:space-between;gap:.5rem;flex-wrap:wrap;margin-bottom:.5rem}
.ltcs-bar h3{font-size:1.05rem;margin:0;order:3;flex:1 1 100%;overflow-wrap:anywhere}
.ltcs [tabindex="-1"]:focus{outline:none}
.ltcs-bar .ltcs-since{order:4;flex:1 1 100%;margin:0}
.ltcs-back,.ltcs-bar .ltcs-leave{font:inherit;font-size:.85rem;cursor:pointer;border-radius:4px;padding:.25rem .6rem}
.ltcs-back{background:#eee;color:#1a1a1a;border:0}
.ltcs-chat .ltc{border:0;padding:0;max-width:none}
.ltc-box textarea,.ltc-box input{width:100%;box-sizing:border-box;font:inherit;padding:.4rem;margin:.2rem 0}
.ltc-box button{font:inherit;padding:.35rem .8rem;margin:.2rem .3rem .2rem 0;cursor:pointer;background:#0a5bd3;color:#fff;border:0;border-radius:4px}
.ltc-box button.secondary{background:#eee;color:#1a1a1a}
.ltc-note{font-size:.85rem;margin:.3rem 0}.ltc-note.err{color:#b00020}.ltc-note.ok{color:#0a7a32}
`;

/**
 * The reader's "Chats": every discussion they wrote in, newest activity first, with the story it
 * belongs to, its status, the last message, how many messages are new and how many answer them.
 * Opening one shows that chat in place, at the first unread message, and marks it read as the
 * reader sees it; a chat with new activity moves to the top while what the reader looks at stays.
 */
export function mountChats(target: HTMLElement | ShadowRoot, opts: ChatsWidgetOptions): { readonly inbox: InboxView | undefined; unmount: () => void } {
  const root = widgetRoot(target, opts.shadow);
  const lang: Lang = opts.lang ?? 'de';
  const t = (key: string, vars?: Record<string, string | number>) => say(lang, key, vars);
  const login = opts.login ?? ChatLogin.kept(opts.tokenStore ?? 'memory', opts.client);
  const client = opts.client ?? createClient({ url: opts.url, token: login.token, withCredentials: true });
  if (opts.client && login.token && !opts.login) client.setToken(login.token);
  /** Where focus is now: the document's, or the shadow root's the panel lives in. */
  const scope = () => (root instanceof ShadowRoot ? root : (root.getRootNode() as Document | ShadowRoot));

  root.replaceChildren();
  const box = el('section', { class: 'lt-root ltcs', 'aria-labelledby': 'ltcs-h' });
  const head = el('header', { class: 'ltcs-head' });
  const logout = el('button', { type: 'button', class: 'ltcs-logout' }, t('logout'));
  head.append(el('h2', { id: 'ltcs-h', tabindex: '-1' }, t('chatsTitle')), logout);
  // What happened out of sight (a chat moved up, a chat left): said, never shown twice.
  const said = el('p', { class: 'lt-sr', role: 'status' });
  const compose = el('div', { class: 'ltc-box' });
  const listBox = el('div');
  const list = el('ul', { class: 'ltcs-list', 'aria-labelledby': 'ltcs-h' });
  const more = el('button', { type: 'button', class: 'ltcs-more' }, t('moreChats'));
  const out = el('div');
  listBox.append(list, more, out);
  const openBox = el('div', { class: 'ltcs-opened' });
  openBox.hidden = true;
  box.append(head, said, compose, listBox, openBox);
  root.append(el('style', {}, CSS), box);

  let inbox: InboxView | undefined;
  let offInbox: Array<() => void> = [];
  let chat: { tickerId: string; close: () => void } | undefined;
  let closed = false;

  const forms: LoginForms = { lang, client, login, compose, getToken: opts.getToken, onLoginRequest: opts.onLoginRequest, prompt: 'chatsPrompt', show: () => show() };

  // ---- the list --------------------------------------------------------------------------
  const row = (item: InboxItem): HTMLElement => {
    const li = el('li', { class: `ltcs-item${item.unread > 0 ? ' has-unread' : ''}`, 'data-id': item.tickerId, part: 'chat' });
    const open = el('button', { type: 'button', class: 'ltcs-open' });
    const line = el('span', { class: 'ltcs-line' });
    line.append(el('span', { class: 'ltcs-title' }, item.title), el('span', { class: `ltcs-status ${item.status}` }, t(item.status)));
    if (item.lastMessage) line.append(el('time', { class: 'ltcs-when', datetime: item.lastMessage.createdAt }, formatTime(item.lastMessage.createdAt, lang).label));
    const last = el('span', { class: 'ltcs-last' });
    const m = item.lastMessage;
    if (!m) last.textContent = t('noMessages');
    else {
      last.append(el('span', { class: 'ltcs-who' }, `${m.author.id === login.me?.id ? t('youSaid') : m.author.displayName}: `));
      last.append(m.deletedAt ? t('deleted') : m.body);
    }
    const counts = el('span', { class: 'ltcs-counts' });
    if (item.unread > 0) counts.append(el('span', { class: 'ltcs-unread', part: 'unread' }, t('unread', { n: item.unread })));
    if (item.repliesToMe > 0) counts.append(el('span', { class: 'ltcs-you', part: 'replies' }, plural(lang, 'repliesToMe', item.repliesToMe)));
    open.append(line, last, counts);
    open.addEventListener('click', () => openChat(item.tickerId));
    const leave = el('button', { type: 'button', class: 'ltcs-leave', 'aria-label': t('leaveChatLabel', { title: item.title }) }, t('leaveChat'));
    leave.addEventListener('click', () => void leaveChat(item.tickerId));
    li.append(open, leave);
    return li;
  };
  /** What a row shows (the reader's id: "You:"); a row is drawn anew only when this changes. */
  const rowKey = (i: InboxItem) => `${i.rev}:${i.lastReadRev}:${i.unread}:${i.repliesToMe}:${i.status}:${i.title}:${i.lastMessage?.rev ?? ''}:${login.me?.id ?? ''}`;
  const rows = new KeyedList<InboxItem>(list, row, rowKey);

  /** The row the reader is at: the one holding focus, else the first one in view. */
  const anchorRow = (): { id: string; top: number; focus?: string } | undefined => {
    const active = scope().activeElement;
    const focused = active && list.contains(active) ? (active.closest('.ltcs-item') as HTMLElement | null) : null;
    const top = list.getBoundingClientRect().top;
    const node = focused ?? (Array.from(list.children) as HTMLElement[]).find((n) => n.dataset.id && n.getBoundingClientRect().bottom > top);
    if (!node?.dataset.id) return undefined;
    return { id: node.dataset.id, top: node.getBoundingClientRect().top, focus: focused ? (active!.classList.contains('ltcs-leave') ? '.ltcs-leave' : '.ltcs-open') : undefined };
  };

  /**
   * Draws the list. What the reader looks at stays where it is: the focused row keeps focus (a
   * row drawn anew gets it back), and a scrolled or focused list is scrolled by what moved above it.
   */
  const render = () => {
    if (!inbox) return;
    const anchor = anchorRow();
    const scrolled = list.scrollTop > 0;
    rows.update(inbox.items, () => el('li', { class: 'ltcs-empty' }, t('chatsEmpty')));
    more.hidden = !inbox.hasMore;
    if (!anchor) return;
    const node = rows.node(anchor.id);
    if (!node) return;
    if (anchor.focus) {
      const target = node.querySelector<HTMLElement>(anchor.focus);
      if (target && scope().activeElement !== target) target.focus({ preventScroll: true });
    }
    if (scrolled || anchor.focus) list.scrollTop += node.getBoundingClientRect().top - anchor.top;
  };

  const onChange = (c: InboxViewChange) => {
    render();
    // A chat that moved up with new messages is said (the list itself is not a live region: it reorders).
    if (c.op === 'update' && c.item.unread > 0 && c.from !== c.to && c.to === 0 && chat?.tickerId !== c.item.tickerId) said.textContent = t('newActivity', { title: c.item.title });
    // The open chat, read as it comes in.
    if (c.op === 'update' && chat?.tickerId === c.item.tickerId) seen();
  };

  const startInbox = () => {
    if (inbox) return;
    inbox = openInbox(client, { userId: login.me?.id, pageSize: opts.pageSize });
    const view = inbox;
    offInbox = [view.on('change', onChange)];
    view.ready.catch((err: unknown) => {
      if (inbox !== view) return;
      if (err instanceof LivetickerError && err.code === 'login_required') return login.signOut(client);
      out.replaceChildren(note(t('chatsFailed'), 'err'));
    });
  };
  const stopInbox = () => {
    for (const off of offInbox) off();
    offInbox = [];
    inbox?.close();
    inbox = undefined;
    rows.update([]);
  };

  /** What the login calls for: the invitation (or the address to confirm), else the list. */
  const show = () => {
    if (closed) return;
    const inside = login.token !== undefined;
    // An open chat has its own "Log out" under its box.
    logout.hidden = !inside || chat !== undefined;
    if (!inside) {
      closeChat(false);
      stopInbox();
      listBox.hidden = true;
      showJoin(forms);
      return;
    }
    if (login.me && !login.me.emailVerifiedAt) showInbox(forms, login.me.email);
    else compose.replaceChildren();
    if (!chat) listBox.hidden = false;
    startInbox();
    render();
  };

  // ---- one chat, opened in place --------------------------------------------------------
  let listScroll = 0;
  /** Marks the open chat read up to what it shows, while the page is in view. */
  const seen = () => {
    if (!chat || !inbox || !openView || document.visibilityState !== 'visible') return;
    const item = inbox.get(chat.tickerId);
    const rev = openView.rev;
    if (rev < 0 || (item && rev <= item.lastReadRev)) return;
    inbox.markRead(chat.tickerId, rev).catch(() => undefined);
  };
  let openView: { rev: number } | undefined;

  const openChat = (tickerId: string) => {
    const item = inbox?.get(tickerId);
    if (!item || !inbox) return;
    listScroll = list.scrollTop;
    closeChat(false);
    const bar = el('div', { class: 'ltcs-bar' });
    const back = el('button', { type: 'button', class: 'ltcs-back' }, `← ${t('backToChats')}`);
    const title = el('h3', { tabindex: '-1' }, item.title);
    const leave = el('button', { type: 'button', class: 'ltcs-leave', 'aria-label': t('leaveChatLabel', { title: item.title }) }, t('leaveChat'));
    bar.append(back, title, leave);
    const host = el('div', { class: 'ltcs-chat' });
    openBox.replaceChildren(bar, host);
    // What was new when it was opened (the newest are above the first unread one, where the list opens).
    if (item.unread > 0) {
      const since = el('p', { class: 'ltcs-since ltcs-counts' });
      since.append(el('span', { class: 'ltcs-unread' }, t('unread', { n: item.unread })));
      if (item.repliesToMe > 0) since.append(el('span', { class: 'ltcs-you' }, plural(lang, 'repliesToMe', item.repliesToMe)));
      bar.append(since);
    }
    // The login is the panel's (no getToken: asking the host again would reconnect the socket for nothing).
    const mounted = mountChat(host, { url: opts.url, ticker: tickerId, lang, client, login, lastReadRev: item.lastReadRev, shadow: false });
    openView = mounted.view;
    const offView = mounted.view.on('change', () => seen());
    const onVisible = () => seen();
    document.addEventListener('visibilitychange', onVisible);
    chat = {
      tickerId,
      close: () => {
        offView();
        document.removeEventListener('visibilitychange', onVisible);
        mounted.unmount();
        openView = undefined;
      },
    };
    back.addEventListener('click', () => closeChat(true));
    leave.addEventListener('click', () => void leaveChat(tickerId));
    listBox.hidden = true;
    openBox.hidden = false;
    logout.hidden = true;
    title.focus();
    // Read once the reader is at the first unread message.
    mounted.opened.then(seen, () => undefined);
  };

  /** Back to the list, where the reader left it (focus on the chat they had open). */
  const closeChat = (refocus: boolean) => {
    if (!chat) return;
    const tickerId = chat.tickerId;
    chat.close();
    chat = undefined;
    openBox.replaceChildren();
    openBox.hidden = true;
    listBox.hidden = login.token === undefined;
    logout.hidden = login.token === undefined;
    list.scrollTop = listScroll;
    if (refocus) (rows.node(tickerId)?.querySelector<HTMLElement>('.ltcs-open') ?? list.querySelector<HTMLElement>('.ltcs-open'))?.focus();
  };

  const leaveChat = async (tickerId: string) => {
    if (!inbox) return;
    const title = inbox.get(tickerId)?.title ?? '';
    const index = inbox.items.findIndex((i) => i.tickerId === tickerId);
    try {
      await inbox.leave(tickerId);
    } catch (err) {
      out.replaceChildren(note(errorText(lang, err), 'err'));
      return;
    }
    said.textContent = t('leftChat', { title });
    if (chat?.tickerId === tickerId) closeChat(false);
    // Focus goes to the row that took its place (or the heading when none is left).
    const next = rows.node(inbox.items[Math.min(index, inbox.items.length - 1)]?.tickerId ?? '')?.querySelector<HTMLElement>('.ltcs-open');
    (next ?? (box.querySelector('#ltcs-h') as HTMLElement)).focus();
  };

  more.addEventListener('click', () => void inbox?.loadMore().catch(() => undefined));
  logout.addEventListener('click', () => {
    void client.rest.post('/auth/logout', {}).catch(() => undefined);
    login.signOut(client);
  });

  const offs = [
    login.watch(show),
    client.on('sessionEnded', () => login.signOut(client)),
  ];
  /** Who the login is, for "You:" and the chat's marks. */
  const loadMe = () =>
    void client.rest.get<Me>('/me').then(
      (user) => login.know(user),
      () => undefined,
    );
  show();
  if (opts.getToken && !login.token) {
    void Promise.resolve(opts.getToken()).then(
      (given) => {
        if (!given || closed) return;
        login.signIn(client, given, undefined, false);
        loadMe();
      },
      () => undefined,
    );
  }
  if (login.token && !login.me) loadMe();

  return {
    get inbox() {
      return inbox;
    },
    unmount: () => {
      closeChat(false);
      closed = true;
      for (const off of offs) off();
      stopInbox();
      if (!opts.client) client.close();
      root.replaceChildren();
    },
  };
}
