import type { Ticker, User } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import { LivetickerError, RestClient } from '../rest';
import { openDesk } from '../desk';
import type { DeskPresence } from '../desk';
import { Composer } from './composer';
import type { ComposerSnapshot } from './composer';
import { EntryPanel } from './entries';
import type { DeskEditorLike } from './entries';
import { ModerationPanel } from './moderation';
import { settingsPanel } from './settings';
import { usersPanel } from './users';
import { CSS, button, clearErrors, el, errorText, field, say, showErrors } from './ui';

export interface ConsoleOptions {
  url: string;
}

/**
 * The console's login in this tab: a session or personal API token of a staff account, never the
 * ops key. A key of its own, so the widget pages (which read the chat's `liveticker.token`) never
 * pick up what the console holds.
 */
const TOKEN_KEY = 'liveticker.console.session';
/** Where consoles before this one kept their token, the ops key too: cleared on sight. */
const OLD_TOKEN_KEY = 'liveticker.token';
/** What a session (`lts_`) or a personal API token (`ltk_`) looks like; the ops key never does. */
const ACCOUNT_TOKEN = /^lt[sk]_[A-Za-z0-9_-]{20,}$/;
/** An entry being written when the session ended, kept in this tab until the next login. */
const UNSAVED_KEY = 'liveticker.console.unsaved';

type Tab = 'entries' | 'settings' | 'chat' | 'users';

type Desk = DeskPresence;

const isStaff = (u: User) => u.role !== 'reader';
const can = (u: User, role: 'editor' | 'moderator' | 'admin') => u.role === 'admin' || u.role === role;

/**
 * The newsroom's web console: log in, pick (or create) a ticker — the address names it, so a
 * link opens it for a colleague — and work it: write and edit entries, drafts and plans, the
 * ticker's settings, the chat's moderation, and (admins) the users.
 */
export function mountConsole(root: HTMLElement, opts: ConsoleOptions): { unmount: () => void } {
  forgetOldToken();
  let token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  if (token && !ACCOUNT_TOKEN.test(token)) {
    sessionStorage.removeItem(TOKEN_KEY);
    token = undefined;
  }
  // A session that ends while the desk is open (logout elsewhere, a ban, expiry) goes back to the login.
  const connect = (t: string | undefined): LivetickerClient => {
    const c = createClient({ url: opts.url, token: t });
    if (t) c.on('sessionEnded', sessionLost);
    return c;
  };
  let me: User | undefined;
  let cleanup: Array<() => void> = [];
  let composer: Composer | undefined;
  /** The session ended (logout elsewhere, expiry, a ban): the unsaved entry is kept, then the login shown. */
  const sessionLost = () => {
    const snap = composer?.snapshot();
    if (snap) sessionStorage.setItem(UNSAVED_KEY, JSON.stringify(snap));
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(snap ? 'Your session ended: log in again, and the entry you were writing comes back.' : 'Your session ended: log in again.');
  };
  const app = el('div', { class: 'ltx' });
  root.replaceChildren(el('style', {}, CSS), app);

  const closeTicker = () => {
    for (const c of cleanup) c();
    cleanup = [];
  };
  let client: LivetickerClient = connect(token);

  function showLogin(message?: string): void {
    closeTicker();
    const form = el('form', { class: 'ltx-login', novalidate: '' });
    const email = el('input', { type: 'email', autocomplete: 'username' });
    const password = el('input', { type: 'password', autocomplete: 'current-password' });
    const apiToken = el('input', { type: 'password', autocomplete: 'off' });
    const out = el('p', { role: 'status', 'aria-live': 'polite' });
    if (message) say(out, message, 'meta');
    const other = el('details');
    other.append(el('summary', {}, 'With an API token'), field('Personal API token', apiToken, 'token', 'Made under /me/tokens; starts with ltk_.'));
    form.append(el('h1', {}, 'Newsroom console'), field('E-mail', email, 'email'), field('Password', password, 'password'), other, el('button', { type: 'submit', class: 'primary' }, 'Log in'), out);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        let next: string;
        if (apiToken.value) {
          next = apiToken.value.trim();
          // The ops key (or anything else that is no account's token) is not sent, and never kept.
          if (!ACCOUNT_TOKEN.test(next)) {
            apiToken.value = '';
            throw new LivetickerError('validation_failed', 'not an API token', 400, [
              { path: 'token', message: 'this is no API token (they start with ltk_); the ops key does not log in here: on a fresh install use it once under “First start”' },
            ]);
          }
          // Checked before it is kept or used for the socket: a wrong one is said here, on the form.
          await whoAmI(new RestClient({ baseUrl: opts.url, token: () => next }));
        } else next = (await client.rest.post<{ token: string }>('/auth/login', { email: email.value, password: password.value })).token;
        await enter(next);
      } catch (err) {
        showErrors(form, out, err);
      }
    });
    const wrap = el('div', { class: 'ltx-way-in' });
    wrap.style.maxWidth = '26rem';
    wrap.append(form, firstAdminForm());
    app.replaceChildren(wrap);
    email.focus();
  }

  /** Keeps an account's token for this tab and opens the desk with it. */
  async function enter(next: string): Promise<void> {
    token = next;
    sessionStorage.setItem(TOKEN_KEY, token);
    client.close();
    client = connect(token);
    await showDesk();
  }

  /**
   * A fresh install has no account to log in with, only the ops key. The key is sent once, with
   * the first admin's address, name and password, and swapped for that account's session (an
   * hour long); it never goes into the page's storage, and its field is emptied at once.
   */
  function firstAdminForm(): HTMLElement {
    const box = el('details', { class: 'ltx-first' });
    const form = el('form', { novalidate: '', 'data-form': 'first-admin' });
    const key = el('input', { type: 'password', autocomplete: 'off', name: 'ops-key' });
    const email = el('input', { type: 'email', autocomplete: 'username', name: 'admin-email' });
    const name = el('input', { autocomplete: 'name', maxlength: '40', name: 'admin-name' });
    const password = el('input', { type: 'password', autocomplete: 'new-password', maxlength: '128', name: 'admin-password' });
    const out = el('p', { role: 'status', 'aria-live': 'polite' });
    form.append(
      el('p', { class: 'meta' }, 'A new installation has no accounts yet. The ops key (data/ops-key, or ADMIN_API_KEY) creates the first admin once; from then on you log in with that address and password.'),
      field('Ops key', key, 'opsKey'),
      field('Your e-mail', email, 'email'),
      field('Your name', name, 'displayName'),
      field('New password', password, 'password', 'At least 8 characters.'),
      el('button', { type: 'submit', class: 'primary', 'data-action': 'first-admin' }, 'Create the first admin and log in'),
      out,
    );
    box.append(el('summary', {}, 'First start: create the first admin'), form);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const opsKey = key.value.trim();
      // Out of the page's fields before anything else happens: only this request carries it.
      key.value = '';
      try {
        if (!opsKey) throw new LivetickerError('validation_failed', 'the ops key is missing', 400, [{ path: 'opsKey', message: 'paste the ops key here' }]);
        const rest = new RestClient({ baseUrl: opts.url, token: () => opsKey });
        const made = await rest.post<{ token: string }>('/auth/first-admin', { email: email.value, displayName: name.value, password: password.value });
        password.value = '';
        await enter(made.token);
      } catch (err) {
        if (err instanceof LivetickerError && err.code === 'conflict' && !(err.details && typeof err.details === 'object' && 'field' in err.details)) {
          say(out, 'This installation has an admin already: log in above with that account (an admin adds others under Users).', 'err');
        } else if (err instanceof LivetickerError && err.code === 'login_required') {
          showErrors(form, out, new LivetickerError('validation_failed', 'the ops key is wrong', 401, [{ path: 'opsKey', message: 'this is not the ops key of this server' }]));
        } else if (err instanceof LivetickerError && err.code === 'conflict') {
          showErrors(form, out, new LivetickerError('validation_failed', err.message, 409, [{ path: 'email', message: 'this address has an account already' }]));
        } else showErrors(form, out, err);
      }
    });
    return box;
  }

  async function showDesk(): Promise<void> {
    me = await whoAmI(client.rest);
    if (!isStaff(me)) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin(`${me.displayName} is a reader account: the console is for the newsroom's editors, moderators and admins.`);
      return;
    }
    const tickers = (await client.rest.get<{ items: Ticker[] }>('/tickers', { limit: 100 })).items;
    const pick = el('select', { name: 'ticker', 'aria-label': 'Ticker' });
    const option = (t: Ticker) => el('option', { value: t.id }, `${t.title} · ${t.status === 'live' ? 'LIVE' : t.status === 'ended' ? 'ended' : 'not started'}`);
    for (const t of tickers) pick.append(option(t));
    const top = el('header', { class: 'ltx-top' });
    const who = el('span', { class: 'me' }, `${me.displayName} (${me.role})`);
    const logout = button('Log out', { 'data-action': 'logout' }, () => {
      void client.rest.post('/auth/logout', {}).catch(() => undefined);
      sessionStorage.removeItem(TOKEN_KEY);
      token = undefined;
      client.close();
      client = connect(undefined);
      showLogin('Logged out.');
    });
    top.append(el('h1', {}, 'Desk'), pick);
    const newBox = el('form', { class: 'ltx-inline', hidden: '', novalidate: '' });
    if (can(me, 'editor')) {
      const title = el('input', { maxlength: '200', name: 'new-title' });
      const id = el('input', { maxlength: '64', placeholder: 'from the title', name: 'new-id' });
      const out = el('span', { role: 'status' });
      newBox.append(field('New ticker title', title, 'title'), field('Address name (optional)', id, 'id'), el('button', { type: 'submit', class: 'primary', 'data-action': 'create-ticker' }, 'Create'), out);
      newBox.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          const t = await client.rest.post<Ticker>('/tickers', { title: title.value, ...(id.value.trim() && { id: id.value.trim() }), status: 'scheduled' });
          tickers.unshift(t);
          pick.prepend(option(t));
          pick.value = t.id;
          newBox.hidden = true;
          title.value = id.value = '';
          void open(t.id, 'settings');
        } catch (err) {
          // A taken address is a conflict naming the field.
          const details = err instanceof LivetickerError && err.code === 'conflict' ? new LivetickerError('validation_failed', err.message, 409, [{ path: 'id', message: 'this address is taken' }]) : err;
          showErrors(newBox, out, details);
        }
      });
      top.append(button('New ticker', { 'data-action': 'new-ticker' }, () => {
        newBox.hidden = !newBox.hidden;
        if (!newBox.hidden) newBox.querySelector('input')?.focus();
      }));
    }
    top.append(who, logout);
    const presence = el('div', { class: 'ltx-presence', 'aria-live': 'polite', 'data-testid': 'presence' });
    const tabs = el('nav', { class: 'ltx-tabs', role: 'tablist', 'aria-label': 'Desk' });
    const main = el('main');
    app.replaceChildren(top, newBox, presence, tabs, main);

    const user = me;
    const available: Array<[Tab, string]> = [
      ...(can(user, 'editor') ? ([['entries', 'Entries']] as Array<[Tab, string]>) : []),
      ...(can(user, 'moderator') ? ([['chat', 'Chat']] as Array<[Tab, string]>) : []),
      ...(can(user, 'editor') || can(user, 'moderator') ? ([['settings', 'Settings']] as Array<[Tab, string]>) : []),
      ...(can(user, 'admin') ? ([['users', 'Users']] as Array<[Tab, string]>) : []),
    ];
    const params = new URLSearchParams(location.search);
    let current: { id: string; tab: Tab } | undefined;
    /** Bumped by every open: an answer for a ticker no longer wanted is dropped, not shown. */
    let generation = 0;

    /** Opens a ticker (and a tab): the address follows, so reloading or sharing keeps the place. */
    const open = async (id: string, tab: Tab = current?.tab ?? available[0]![0]) => {
      closeTicker();
      const mine = ++generation;
      if (!available.some(([t]) => t === tab)) tab = available[0]![0];
      current = { id, tab };
      const url = new URL(location.href);
      url.searchParams.set('ticker', id);
      url.searchParams.set('tab', tab);
      history.replaceState(null, '', url);
      tabs.replaceChildren(
        ...available.map(([t, label]) => {
          const b = el('button', { type: 'button', role: 'tab', 'aria-selected': String(t === tab), 'data-tab': t }, label);
          b.addEventListener('click', () => void open(id, t));
          return b;
        }),
      );
      let ticker: Ticker;
      main.replaceChildren(el('p', { class: 'meta' }, 'Loading…'));
      try {
        ticker = await client.rest.get<Ticker>(`/tickers/${id}`);
      } catch (err) {
        if (mine === generation) main.replaceChildren(el('p', { class: 'err' }, `Ticker ${id}: ${errorText(err)}`));
        return;
      }
      if (mine !== generation) return;
      document.title = `${ticker.title} – liveticker console`;
      // Presence: who else works this ticker, and on which entry.
      const desk: Desk | undefined = can(user, 'editor') ? openDesk(client, id) : undefined;
      let panel: EntryPanel | undefined;
      const showPresence = (editors: DeskEditorLike[]) => {
        const others = editors.filter((x) => x.id !== user.id);
        presence.replaceChildren(...(others.length ? [el('span', {}, 'Also here: '), ...others.map((x) => el('span', { class: 'who', 'data-user': x.id }, x.displayName))] : []));
        panel?.setEditors(others);
        composer?.setEditors(others);
      };
      if (desk) {
        desk.on('change', showPresence);
        desk.on('error', (err) => say(presence, `Presence: ${errorText(err)}`, 'meta'));
        cleanup.push(() => desk.close());
      }
      presence.replaceChildren();
      if (tab === 'entries') {
        const upload = (file: File) => uploadMedia(opts.url, token, file);
        const writer = new Composer(client, ticker, user, { upload, desk, saved: () => panel?.refresh(), sessionLost });
        composer = writer;
        const kept = sessionStorage.getItem(UNSAVED_KEY);
        if (kept) {
          try {
            const snap = JSON.parse(kept) as ComposerSnapshot;
            if (snap.tickerId === ticker.id) {
              writer.restore(snap);
              sessionStorage.removeItem(UNSAVED_KEY);
            }
          } catch {
            sessionStorage.removeItem(UNSAVED_KEY);
          }
        }
        panel = new EntryPanel(client, ticker, (e) => writer.edit(e));
        const grid = el('div', { class: 'ltx-grid' });
        grid.append(composer.element, panel.element);
        main.replaceChildren(grid);
        if (desk) showPresence(desk.editors);
        cleanup.push(
          () => {
            writer.destroy();
            if (composer === writer) composer = undefined;
          },
          () => panel?.destroy(),
        );
      } else if (tab === 'settings') {
        main.replaceChildren(
          settingsPanel(client, ticker, (t) => {
            const i = tickers.findIndex((x) => x.id === t.id);
            if (i >= 0) tickers[i] = t;
            pick.querySelector(`option[value="${t.id}"]`)?.replaceWith(option(t));
            pick.value = t.id;
          }, { chatOnly: !can(user, 'editor') }),
        );
      } else if (tab === 'chat') {
        const mod = new ModerationPanel(client, id, user);
        main.replaceChildren(mod.element);
        cleanup.push(() => mod.destroy());
      } else {
        main.replaceChildren(usersPanel(client, user));
      }
    };
    pick.addEventListener('change', () => void open(pick.value));
    const wanted = params.get('ticker');
    const wantedTab = params.get('tab') as Tab | null;
    if (wanted && !tickers.some((t) => t.id === wanted)) {
      // A link to a ticker beyond the first hundred (or a wrong one): try it directly.
      try {
        const t = await client.rest.get<Ticker>(`/tickers/${wanted}`);
        tickers.push(t);
        pick.append(option(t));
      } catch {
        main.replaceChildren(el('p', { class: 'err' }, `There is no ticker “${wanted}”.`));
      }
    }
    if (wanted && tickers.some((t) => t.id === wanted)) pick.value = wanted;
    if (pick.value) await open(pick.value, wantedTab && available.some(([t]) => t === wantedTab) ? wantedTab : undefined);
    else if (can(user, 'admin')) main.replaceChildren(el('p', { class: 'meta' }, 'No tickers yet: create one with “New ticker”.'), usersPanel(client, user));
    else main.replaceChildren(el('p', { class: 'meta' }, 'No tickers yet: create one with “New ticker”.'));
  }

  if (token) {
    void showDesk().catch((err) => {
      // Only a refused login ends it; a server that does not answer right now does not log anyone out.
      const refused = err instanceof LivetickerError && (err.code === 'login_required' || err.code === 'invalid_token');
      if (refused) sessionStorage.removeItem(TOKEN_KEY);
      showLogin(err instanceof LivetickerError && (err.code === 'login_required' || err.code === 'invalid_token') ? 'Your session ended: log in again.' : errorText(err));
    });
  } else showLogin();
  return {
    unmount: () => {
      closeTicker();
      client.close();
      root.replaceChildren();
    },
  };
}

/** `POST /api/v1/media` with the picture as `file`; the answer names its address and size. */
async function uploadMedia(url: string, token: string | undefined, file: File): Promise<{ url: string; width: number; height: number }> {
  const form = new FormData();
  form.append('file', file, file.name || 'picture');
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, '')}/api/v1/media`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new LivetickerError('unavailable', `cannot reach the server: ${(err as Error).message}`);
  }
  const json = (await res.json().catch(() => undefined)) as { error?: { code: never; message: string; details?: unknown } } | undefined;
  if (!res.ok) throw new LivetickerError(json?.error?.code ?? 'internal', json?.error?.message ?? res.statusText, res.status, json?.error?.details);
  return json as unknown as { url: string; width: number; height: number };
}

/** The account behind the token (the ops key is no account: `/me` refuses it, and so does the console). */
async function whoAmI(rest: RestClient): Promise<User> {
  return rest.get<User>('/me');
}

/**
 * Consoles before this one kept their token under the chat's key, the ops key included, where a
 * widget page opened in the same tab would take it up. Anything there that is no session is
 * dropped (a reader's chat session of this tab stays).
 */
function forgetOldToken(): void {
  const old = sessionStorage.getItem(OLD_TOKEN_KEY);
  if (old !== null && !/^lts_/.test(old)) sessionStorage.removeItem(OLD_TOKEN_KEY);
}
