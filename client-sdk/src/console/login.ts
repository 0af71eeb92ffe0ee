import { LivetickerError, RestClient } from '../rest';
import { t } from './i18n';
import { ACCOUNT_TOKEN, whoAmI } from './session';
import { clearErrors, el, field, say, showErrors } from './ui';

export interface LoginOptions {
  /** The server's origin. */
  url: string;
  /** A client without a login, for `POST /auth/login`. */
  rest: RestClient;
  /** Keeps an account's token and opens the desk with it; `firstAdmin`: the account was just made here. */
  enter: (token: string, opts?: { firstAdmin?: boolean }) => Promise<void>;
  /** A line to show under the form (why the login is shown). */
  message?: string;
  /** The address typed before the page was drawn again (in another language). */
  email?: string;
  /** The language switch, placed above the form. */
  langSwitch: HTMLElement;
}

export interface LoginView {
  readonly element: HTMLElement;
  /** The address typed so far. */
  email(): string;
  focus(): void;
}

/**
 * The way in: an account's address and password, or a personal API token; and, on a fresh
 * install, "First start" for the first admin.
 */
export function loginView(o: LoginOptions): LoginView {
  const form = el('form', { class: 'ltx-login', novalidate: '' });
  const email = el('input', { type: 'email', autocomplete: 'username' });
  email.value = o.email ?? '';
  const password = el('input', { type: 'password', autocomplete: 'current-password' });
  const apiToken = el('input', { type: 'password', autocomplete: 'off' });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  if (o.message) say(out, o.message, 'meta');
  const other = el('details');
  other.append(el('summary', {}, t('login.withToken')), field(t('login.token'), apiToken, 'token', t('login.tokenHint')));
  form.append(el('h1', {}, t('login.title')), field(t('login.email'), email, 'email'), field(t('login.password'), password, 'password'), other, el('button', { type: 'submit', class: 'primary' }, t('login.submit')), out);
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
          throw new LivetickerError('validation_failed', t('login.notAToken'), 400, [{ path: 'token', message: t('login.notATokenField') }]);
        }
        // Checked before it is kept or used for the socket: a wrong one is said here, on the form.
        await whoAmI(new RestClient({ baseUrl: o.url, token: () => next }));
      } else next = (await o.rest.post<{ token: string }>('/auth/login', { email: email.value, password: password.value })).token;
      await o.enter(next);
    } catch (err) {
      showErrors(form, out, err);
    }
  });
  const element = el('div', { class: 'ltx-way-in' });
  element.style.maxWidth = '26rem';
  const top = el('div', { class: 'ltx-lang-row' });
  top.append(o.langSwitch);
  element.append(top, form, firstAdminForm(o));
  return { element, email: () => email.value, focus: () => email.focus() };
}

/**
 * A fresh install has no account to log in with, only the ops key. The key is sent once, with
 * the first admin's address, name and password, and swapped for that account's session (an
 * hour long); it never goes into the page's storage, and its field is emptied at once.
 */
function firstAdminForm(o: LoginOptions): HTMLElement {
  const box = el('details', { class: 'ltx-first' });
  const form = el('form', { novalidate: '', 'data-form': 'first-admin' });
  const key = el('input', { type: 'password', autocomplete: 'off', name: 'ops-key' });
  const email = el('input', { type: 'email', autocomplete: 'username', name: 'admin-email' });
  const name = el('input', { autocomplete: 'name', maxlength: '40', name: 'admin-name' });
  const password = el('input', { type: 'password', autocomplete: 'new-password', maxlength: '128', name: 'admin-password' });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  form.append(
    el('p', { class: 'meta' }, t('first.intro')),
    field(t('first.opsKey'), key, 'opsKey'),
    field(t('first.email'), email, 'email'),
    field(t('first.name'), name, 'displayName'),
    field(t('first.password'), password, 'password', t('first.passwordHint')),
    el('button', { type: 'submit', class: 'primary', 'data-action': 'first-admin' }, t('first.submit')),
    out,
  );
  box.append(el('summary', {}, t('first.summary')), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const opsKey = key.value.trim();
    // Out of the page's fields before anything else happens: only this request carries it.
    key.value = '';
    try {
      if (!opsKey) throw new LivetickerError('validation_failed', t('first.keyMissing'), 400, [{ path: 'opsKey', message: t('first.keyMissingField') }]);
      const rest = new RestClient({ baseUrl: o.url, token: () => opsKey });
      const made = await rest.post<{ token: string }>('/auth/first-admin', { email: email.value, displayName: name.value, password: password.value });
      password.value = '';
      await o.enter(made.token, { firstAdmin: true });
    } catch (err) {
      if (err instanceof LivetickerError && err.code === 'conflict' && !(err.details && typeof err.details === 'object' && 'field' in err.details)) {
        say(out, t('first.hasAdmin'), 'err');
      } else if (err instanceof LivetickerError && err.code === 'login_required') {
        showErrors(form, out, new LivetickerError('validation_failed', t('first.keyWrong'), 401, [{ path: 'opsKey', message: t('first.keyWrongField') }]));
      } else if (err instanceof LivetickerError && err.code === 'conflict') {
        showErrors(form, out, new LivetickerError('validation_failed', err.message, 409, [{ path: 'email', message: t('first.emailTaken') }]));
      } else showErrors(form, out, err);
    }
  });
  return box;
}
