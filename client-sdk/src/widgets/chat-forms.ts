import type { Message, User as Me } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import type { ChatView } from '../chat';
import { LivetickerError } from '../rest';
import { el } from './dom';
import { say } from './i18n';
import type { Lang } from './i18n';
import type { ChatLogin } from './chat-login';

const REASONS = ['spam', 'abuse', 'hate', 'misinformation', 'other'] as const;

/** What the login forms share: the words, the connection, the login and the box they fill. */
export interface LoginForms {
  lang: Lang;
  client: LivetickerClient;
  login: ChatLogin;
  /** The box under the heading that the forms replace each other in. */
  compose: HTMLElement;
  /** Shows what the login (and the room) call for now (see composeMode). */
  show(): void;
  /** The newsroom's own accounts (the widget shows no login form then). */
  getToken?: () => unknown;
  onLoginRequest?: () => void;
  /** The invitation's words (a key; default `joinPrompt`). */
  prompt?: string;
}

/** The chat's forms: the login's, and the room's (writing, reporting). */
export interface ChatForms extends LoginForms {
  view: ChatView;
  /** The room turned out to be closed (a send was refused). */
  roomClosed(): void;
}

const t = (f: LoginForms, key: string, vars?: Record<string, string | number>) => say(f.lang, key, vars);

/** A line under a form: a success (status) or a refusal (alert). */
export const note = (text: string, kind: 'ok' | 'err') => el('p', { class: `ltc-note ${kind}`, role: kind === 'err' ? 'alert' : 'status' }, text);

/** A refusal in the reader's words (its code's sentence, with the wait when there is one). */
export function errorText(lang: Lang, err: unknown): string {
  if (!(err instanceof LivetickerError)) return say(lang, 'err.other');
  const retry = (err.details as { retryAfter?: number } | undefined)?.retryAfter ?? '';
  const key = `err.${err.code}`;
  const text = say(lang, key, { s: retry });
  return text === key ? say(lang, 'err.other') : text;
}

/**
 * Posts an account request with `returnTo` (this article), so the page the mail opens links back
 * here; a server that will not link to this site (not in its CORS_ORIGINS) gets it without.
 */
async function postWithReturn<T>(client: LivetickerClient, path: string, body: Record<string, unknown>): Promise<T> {
  try {
    return await client.rest.post<T>(path, { ...body, returnTo: location.href.split('#')[0] });
  } catch (err) {
    const aboutReturn = err instanceof LivetickerError && err.code === 'validation_failed' && JSON.stringify(err.details ?? '').includes('returnTo');
    if (aboutReturn) return client.rest.post<T>(path, body);
    throw err;
  }
}

/** Logs out here (and on the server, when asked) and shows the invitation again. */
export function signOut(f: LoginForms): void {
  f.login.signOut(f.client);
  f.show();
}

/** The logged-in reader's box: a message field that sends on Enter, and log out. */
export function showWriter(f: ChatForms): void {
  const area = el('textarea', { rows: '2', maxlength: '500', placeholder: t(f, 'placeholder'), 'aria-label': t(f, 'placeholder') });
  const sendBtn = el('button', { type: 'button', class: 'ltc-send' }, t(f, 'send'));
  const out = el('div');
  const logoutBtn = el('button', { type: 'button', class: 'secondary' }, t(f, 'logout'));
  const submit = async () => {
    const text = area.value;
    if (!text.trim()) return;
    sendBtn.disabled = true;
    try {
      const message = await f.view.send(text);
      area.value = '';
      out.replaceChildren(...(message.status === 'pending' ? [note(t(f, 'pending'), 'ok')] : []));
    } catch (err) {
      out.replaceChildren(note(errorText(f.lang, err), 'err'));
      if (err instanceof LivetickerError && err.code === 'login_required') signOut(f);
      if (err instanceof LivetickerError && err.code === 'room_closed') f.roomClosed();
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
    void f.client.rest.post('/auth/logout', {}).catch(() => undefined);
    signOut(f);
  });
  f.compose.replaceChildren(area, sendBtn, logoutBtn, out);
}

/** Registered (or logged in) but not confirmed yet: say where the link went, offer it again. */
export function showInbox(f: LoginForms, address: string, extra: HTMLElement[] = []): void {
  const resend = el('button', { type: 'button', class: 'secondary' }, t(f, 'resend'));
  const out = el('div');
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    try {
      await postWithReturn(f.client, '/auth/resend-verification', { email: address });
      out.replaceChildren(note(t(f, 'resent'), 'ok'));
    } catch (err) {
      out.replaceChildren(note(errorText(f.lang, err), 'err'));
    } finally {
      resend.disabled = false;
    }
  });
  const buttons: HTMLElement[] = [resend];
  if (f.login.token) {
    const logoutBtn = el('button', { type: 'button', class: 'secondary' }, t(f, 'logout'));
    logoutBtn.addEventListener('click', () => signOut(f));
    buttons.push(logoutBtn);
  } else {
    // Confirmed in the other tab: log in here.
    const loginBtn = el('button', { type: 'button', class: 'secondary ltc-tologin' }, t(f, 'login'));
    loginBtn.addEventListener('click', () => showJoin(f, 'login'));
    buttons.push(loginBtn);
  }
  f.compose.replaceChildren(...extra, note(t(f, 'checkInbox', { email: address }), 'ok'), ...buttons, out);
}

/** The invitation: log in or register here (with a forgotten-password link), or the newsroom's login. */
export function showJoin(f: LoginForms, mode: 'login' | 'register' = 'login'): void {
  if (f.getToken) {
    // The newsroom's accounts: its page does the login, then hands the widget a token.
    const ask = el('button', { type: 'button', class: 'ltc-primary' }, t(f, 'login'));
    ask.addEventListener('click', () => f.onLoginRequest?.());
    f.compose.replaceChildren(el('p', { class: 'ltc-join' }, t(f, f.prompt ?? 'joinPrompt')), ask);
    return;
  }
  const email = el('input', { type: 'email', placeholder: t(f, 'email'), 'aria-label': t(f, 'email'), autocomplete: 'email', name: 'email' });
  const password = el('input', { type: 'password', placeholder: t(f, 'password'), 'aria-label': t(f, 'password'), name: 'password', autocomplete: mode === 'login' ? 'current-password' : 'new-password' });
  const name = el('input', { type: 'text', placeholder: t(f, 'displayName'), 'aria-label': t(f, 'displayName'), name: 'displayName', maxlength: '40' });
  const primary = el('button', { type: 'button', class: 'ltc-primary' }, t(f, mode));
  const other = el('button', { type: 'button', class: 'secondary' }, t(f, mode === 'login' ? 'register' : 'login'));
  const out = el('div');
  other.addEventListener('click', () => showJoin(f, mode === 'login' ? 'register' : 'login'));
  primary.addEventListener('click', async () => {
    primary.disabled = true;
    try {
      if (mode === 'register') {
        const res = await postWithReturn<{ email: string }>(f.client, '/auth/register', { email: email.value, password: password.value, displayName: name.value, locale: f.lang });
        showInbox(f, res.email, [note(t(f, 'registered', { email: res.email }), 'ok')]);
        return;
      }
      const res = await f.client.rest.post<{ token: string; user: Me }>('/auth/login', { email: email.value, password: password.value });
      f.login.signIn(f.client, res.token, res.user);
      f.show();
    } catch (err) {
      out.replaceChildren(note(errorText(f.lang, err), 'err'));
    } finally {
      primary.disabled = false;
    }
  });
  // Forgot the password: a link to choose a new one goes to the address typed above.
  const forgot = el('button', { type: 'button', class: 'secondary' }, t(f, 'forgot'));
  forgot.addEventListener('click', async () => {
    if (!email.checkValidity() || !email.value) {
      email.focus();
      return;
    }
    forgot.disabled = true;
    try {
      await postWithReturn(f.client, '/auth/password-reset', { email: email.value });
      out.replaceChildren(note(t(f, 'resetSent', { email: email.value.trim() }), 'ok'));
    } catch (err) {
      out.replaceChildren(note(errorText(f.lang, err), 'err'));
    } finally {
      forgot.disabled = false;
    }
  });
  f.compose.replaceChildren(el('p', { class: 'ltc-join' }, t(f, f.prompt ?? 'joinPrompt')), email, password, ...(mode === 'register' ? [name] : []), primary, other, ...(mode === 'login' ? [forgot] : []), out);
}

/** Report: an inline choice of reasons under the message; readers without a login are asked to log in. */
export function showReport(f: ChatForms, m: Message, li: HTMLElement): void {
  if (!f.login.token) {
    showJoin(f);
    f.compose.prepend(note(t(f, 'err.login_required'), 'err'));
    f.compose.querySelector('input')?.focus();
    return;
  }
  if (li.querySelector('.ltc-reportform')) return;
  const form = el('fieldset', { class: 'ltc-reportform' });
  form.append(el('legend', {}, t(f, 'reportTitle')));
  const name = `reason-${m.id}`;
  for (const reason of REASONS) {
    const label = el('label');
    const radio = el('input', { type: 'radio', name, value: reason });
    if (reason === 'spam') radio.checked = true;
    label.append(radio, ` ${t(f, `reason.${reason}`)}`);
    form.append(label);
  }
  const send = el('button', { type: 'button' }, t(f, 'reportSend'));
  const cancel = el('button', { type: 'button', class: 'secondary' }, t(f, 'cancel'));
  const out = el('div');
  form.append(send, cancel, out);
  cancel.addEventListener('click', () => form.remove());
  send.addEventListener('click', async () => {
    send.disabled = true;
    const reason = (form.querySelector('input:checked') as HTMLInputElement | null)?.value ?? 'other';
    try {
      await f.client.rest.post(`/messages/${m.id}/reports`, { reason });
      form.replaceWith(note(t(f, 'reported'), 'ok'));
    } catch (err) {
      out.replaceChildren(note(errorText(f.lang, err), 'err'));
      send.disabled = false;
    }
  });
  li.append(form);
  (form.querySelector('input') as HTMLInputElement).focus();
}
