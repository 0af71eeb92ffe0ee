import type { Message, Ticker, User as Me } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import type { ChatView } from '../chat';
import { LivetickerError } from '../rest';
import { BASE_CSS, KeyedList, el, formatTime } from './dom';
import { plural, say } from './i18n';
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
   * right on the widget pages, whose origin is the server's) or `memory` (gone with the page;
   * the default for the elements on a host page, so the page's storage never holds it).
   */
  tokenStore?: 'session' | 'memory';
}

const TOKEN_KEY = 'liveticker.token';
/**
 * The only thing the widget's own login keeps: a session (`lts_`). Anything else found under its
 * key — an ops key an older console left in this tab — is never used, and is removed.
 */
const SESSION_TOKEN = /^lts_[A-Za-z0-9_-]{20,}$/;

function keptSession(): string | undefined {
  const value = sessionStorage.getItem(TOKEN_KEY);
  if (value === null) return undefined;
  if (SESSION_TOKEN.test(value)) return value;
  sessionStorage.removeItem(TOKEN_KEY);
  return undefined;
}
const REASONS = ['spam', 'abuse', 'hate', 'misinformation', 'other'] as const;

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
`;

function errorText(lang: Lang, err: unknown): string {
  if (!(err instanceof LivetickerError)) return say(lang, 'err.other');
  const retry = (err.details as { retryAfter?: number } | undefined)?.retryAfter ?? '';
  const key = `err.${err.code}`;
  const text = say(lang, key, { s: retry });
  return text === key ? say(lang, 'err.other') : text;
}

function renderMessage(m: Message, lang: Lang, onReport: (m: Message, li: HTMLElement) => void, pinned = false): HTMLElement {
  const li = el('li', { class: `ltc-msg${pinned ? ' pinned' : ''}`, 'data-id': m.id, part: 'message' });
  li.append(el('span', { class: 'ltc-author' }, m.author.displayName));
  li.append(el('time', { class: 'ltc-time', datetime: m.createdAt }, formatTime(m.createdAt, lang).label));
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
export function mountChat(root: HTMLElement | ShadowRoot, opts: ChatWidgetOptions): { view: ChatView; unmount: () => void } {
  const lang: Lang = opts.lang ?? 'de';
  const t = (key: string, vars?: Record<string, string | number>) => say(lang, key, vars);
  const store = opts.tokenStore ?? 'session';
  const keep = (value: string | undefined) => {
    if (store !== 'session') return;
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  };
  let token = store === 'session' ? keptSession() : undefined;
  // The shared client already saw this login end (before this widget was mounted): it is gone.
  if (token && opts.client?.hasEnded(token)) {
    token = undefined;
    keep(undefined);
  }
  const client = opts.client ?? createClient({ url: opts.url, token, withCredentials: true });
  if (opts.client && token) client.setToken(token);
  const view = client.chat(opts.ticker);
  let closed = false;
  let me: Me | undefined;

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
  box.append(head, compose, pinned, list, more);
  root.append(el('style', {}, CSS), box);

  const note = (text: string, kind: 'ok' | 'err') => el('p', { class: `ltc-note ${kind}`, role: kind === 'err' ? 'alert' : 'status' }, text);

  function showWriter(): void {
    const area = el('textarea', { rows: '2', maxlength: '500', placeholder: t('placeholder'), 'aria-label': t('placeholder') });
    const sendBtn = el('button', { type: 'button', class: 'ltc-send' }, t('send'));
    const out = el('div');
    const logoutBtn = el('button', { type: 'button', class: 'secondary' }, t('logout'));
    const submit = async () => {
      const text = area.value;
      if (!text.trim()) return;
      sendBtn.disabled = true;
      try {
        const message = await view.send(text);
        area.value = '';
        out.replaceChildren(...(message.status === 'pending' ? [note(t('pending'), 'ok')] : []));
      } catch (err) {
        out.replaceChildren(note(errorText(lang, err), 'err'));
        if (err instanceof LivetickerError && err.code === 'login_required') signOut();
        if (err instanceof LivetickerError && err.code === 'room_closed') {
          closed = true;
          showCompose();
        }
      } finally {
        sendBtn.disabled = false;
      }
    };
    sendBtn.addEventListener('click', () => void submit());
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        void submit();
      }
    });
    logoutBtn.addEventListener('click', () => {
      void client.rest.post('/auth/logout', {}).catch(() => undefined);
      signOut();
    });
    compose.replaceChildren(area, sendBtn, logoutBtn, out);
  }

  function signOut(): void {
    token = undefined;
    me = undefined;
    keep(undefined);
    client.setToken(undefined);
    showCompose();
  }

  /** What the box under the heading offers: closed room, the writer, "check your inbox", or the invitation. */
  /**
   * Posts an account request with `returnTo` (this article), so the page the mail opens links back
   * here; a server that will not link to this site (not in its CORS_ORIGINS) gets it without.
   */
  async function postWithReturn<T>(path: string, body: Record<string, unknown>): Promise<T> {
    try {
      return await client.rest.post<T>(path, { ...body, returnTo: location.href.split('#')[0] });
    } catch (err) {
      const aboutReturn = err instanceof LivetickerError && err.code === 'validation_failed' && JSON.stringify(err.details ?? '').includes('returnTo');
      if (aboutReturn) return client.rest.post<T>(path, body);
      throw err;
    }
  }

  function showCompose(): void {
    if (closed) compose.replaceChildren(el('p', { class: 'ltc-closed', role: 'status' }, t('roomClosed')));
    else if (token && me && !me.emailVerifiedAt) showInbox(me.email);
    else if (token) showWriter();
    else showJoin();
  }

  /** Registered (or logged in) but not confirmed yet: say where the link went, offer it again. */
  function showInbox(address: string, extra: HTMLElement[] = []): void {
    const resend = el('button', { type: 'button', class: 'secondary' }, t('resend'));
    const out = el('div');
    resend.addEventListener('click', async () => {
      resend.disabled = true;
      try {
        await postWithReturn('/auth/resend-verification', { email: address });
        out.replaceChildren(note(t('resent'), 'ok'));
      } catch (err) {
        out.replaceChildren(note(errorText(lang, err), 'err'));
      } finally {
        resend.disabled = false;
      }
    });
    const buttons: HTMLElement[] = [resend];
    if (token) {
      const logoutBtn = el('button', { type: 'button', class: 'secondary' }, t('logout'));
      logoutBtn.addEventListener('click', () => signOut());
      buttons.push(logoutBtn);
    } else {
      // Confirmed in the other tab: log in here.
      const loginBtn = el('button', { type: 'button', class: 'secondary ltc-tologin' }, t('login'));
      loginBtn.addEventListener('click', () => showJoin('login'));
      buttons.push(loginBtn);
    }
    compose.replaceChildren(...extra, note(t('checkInbox', { email: address }), 'ok'), ...buttons, out);
  }

  /** Report: an inline choice of reasons under the message; readers without a login are asked to log in. */
  function report(m: Message, li: HTMLElement): void {
    if (!token) {
      showJoin();
      compose.prepend(note(t('err.login_required'), 'err'));
      compose.querySelector('input')?.focus();
      return;
    }
    if (li.querySelector('.ltc-reportform')) return;
    const form = el('fieldset', { class: 'ltc-reportform' });
    form.append(el('legend', {}, t('reportTitle')));
    const name = `reason-${m.id}`;
    for (const reason of REASONS) {
      const label = el('label');
      const radio = el('input', { type: 'radio', name, value: reason });
      if (reason === 'spam') radio.checked = true;
      label.append(radio, ` ${t(`reason.${reason}`)}`);
      form.append(label);
    }
    const send = el('button', { type: 'button' }, t('reportSend'));
    const cancel = el('button', { type: 'button', class: 'secondary' }, t('cancel'));
    const out = el('div');
    form.append(send, cancel, out);
    cancel.addEventListener('click', () => form.remove());
    send.addEventListener('click', async () => {
      send.disabled = true;
      const reason = (form.querySelector('input:checked') as HTMLInputElement | null)?.value ?? 'other';
      try {
        await client.rest.post(`/messages/${m.id}/reports`, { reason });
        form.replaceWith(note(t('reported'), 'ok'));
      } catch (err) {
        out.replaceChildren(note(errorText(lang, err), 'err'));
        send.disabled = false;
      }
    });
    li.append(form);
    (form.querySelector('input') as HTMLInputElement).focus();
  }

  function showJoin(mode: 'login' | 'register' = 'login'): void {
    if (opts.getToken) {
      // The newsroom's accounts: its page does the login, then hands the widget a token.
      const ask = el('button', { type: 'button', class: 'ltc-primary' }, t('login'));
      ask.addEventListener('click', () => opts.onLoginRequest?.());
      compose.replaceChildren(el('p', { class: 'ltc-join' }, t('joinPrompt')), ask);
      return;
    }
    const email = el('input', { type: 'email', placeholder: t('email'), 'aria-label': t('email'), autocomplete: 'email', name: 'email' });
    const password = el('input', { type: 'password', placeholder: t('password'), 'aria-label': t('password'), name: 'password', autocomplete: mode === 'login' ? 'current-password' : 'new-password' });
    const name = el('input', { type: 'text', placeholder: t('displayName'), 'aria-label': t('displayName'), name: 'displayName', maxlength: '40' });
    const primary = el('button', { type: 'button', class: 'ltc-primary' }, t(mode));
    const other = el('button', { type: 'button', class: 'secondary' }, t(mode === 'login' ? 'register' : 'login'));
    const out = el('div');
    other.addEventListener('click', () => showJoin(mode === 'login' ? 'register' : 'login'));
    primary.addEventListener('click', async () => {
      primary.disabled = true;
      try {
        if (mode === 'register') {
          const res = await postWithReturn<{ email: string }>('/auth/register', { email: email.value, password: password.value, displayName: name.value, locale: lang });
          showInbox(res.email, [note(t('registered', { email: res.email }), 'ok')]);
          return;
        } else {
          const res = await client.rest.post<{ token: string; user: Me }>('/auth/login', { email: email.value, password: password.value });
          token = res.token;
          me = res.user;
          keep(token);
          client.setToken(token);
          client.reconnect();
          showCompose();
        }
      } catch (err) {
        out.replaceChildren(note(errorText(lang, err), 'err'));
      } finally {
        primary.disabled = false;
      }
    });
    // Forgot the password: a link to choose a new one goes to the address typed above.
    const forgot = el('button', { type: 'button', class: 'secondary' }, t('forgot'));
    forgot.addEventListener('click', async () => {
      if (!email.checkValidity() || !email.value) {
        email.focus();
        return;
      }
      forgot.disabled = true;
      try {
        await postWithReturn('/auth/password-reset', { email: email.value });
        out.replaceChildren(note(t('resetSent', { email: email.value.trim() }), 'ok'));
      } catch (err) {
        out.replaceChildren(note(errorText(lang, err), 'err'));
      } finally {
        forgot.disabled = false;
      }
    });
    compose.replaceChildren(el('p', { class: 'ltc-join' }, t('joinPrompt')), email, password, ...(mode === 'register' ? [name] : []), primary, other, ...(mode === 'login' ? [forgot] : []), out);
  }

  const keyOf = (m: Message) => `${m.rev}:${m.status}:${m.deletedAt ?? ''}`;
  const pinnedList = new KeyedList<Message>(pinned, (m) => renderMessage(m, lang, report, true), keyOf);
  const messages = new KeyedList<Message>(list, (m) => renderMessage(m, lang, report), keyOf);
  const render = () => {
    pinnedList.update(view.pinned);
    messages.update(view.messages, () => el('li', { class: 'ltc-msg' }, t('noMessages')));
    more.hidden = !view.hasMore;
    if (view.readers !== undefined) readers.textContent = plural(lang, 'readers', view.readers);
  };
  view.on('change', render);
  more.addEventListener('click', () => void view.loadMore());
  // The login ended (ban, logout elsewhere, expiry): say why; reading goes on anonymously.
  const offs = [
    client.on('sessionEnded', ({ reason }) => {
      const wasIn = token !== undefined;
      signOut();
      if (!wasIn) return;
      // Banned: no invitation to log in again beside it (the discussion stays readable).
      if (reason === 'banned') compose.replaceChildren(note(t('ended.banned'), 'err'));
      else compose.prepend(note(t('ended.other'), 'err'));
    }),
  ];
  showCompose();
  if (opts.getToken) {
    void Promise.resolve(opts.getToken()).then(
      (given) => {
        if (!given) return;
        token = given;
        client.setToken(token);
        client.reconnect();
        void client.rest.get<Me>('/me').then((user) => {
          me = user;
          showCompose();
        }, () => undefined);
        showCompose();
      },
      () => undefined,
    );
  }
  // Is the room open, and is a kept login confirmed? (Until the answers come, the box offers what it would anyway.)
  void client.rest.get<Ticker>(`/tickers/${opts.ticker}`).then(
    (ticker) => {
      closed = ticker.chat.mode === 'closed';
      if (closed) showCompose();
    },
    () => undefined,
  );
  if (token) {
    void client.rest.get<Me>('/me').then(
      (user) => {
        me = user;
        showCompose();
      },
      () => undefined,
    );
  }
  return {
    view,
    unmount: () => {
      for (const off of offs) off();
      view.close();
      if (!opts.client) client.close();
      root.replaceChildren();
    },
  };
}
