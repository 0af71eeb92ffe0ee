import type { Ticker, User } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import { mountDesk } from './desk';
import type { Desk } from './desk';
import type { ComposerSnapshot } from './draft';
import { accountLang, browserLang, lang, setLang, t } from './i18n';
import type { Key, Lang } from './i18n';
import { langSwitch } from './lang-switch';
import { loginView } from './login';
import type { LoginView } from './login';
import { dropToken, forgetOldToken, keepToken, keepUnsaved, loginRefused, storedToken, whoAmI } from './session';
import { CSS } from './style';
import { el, errorText } from './ui';

export interface ConsoleOptions {
  url: string;
}

/** Why the login is shown: a catalogue line (said again in a new language) or a server's words. */
type Notice = { key: Key; vars?: Record<string, string> } | { text: string };

/**
 * The newsroom's web console: log in, pick (or create) a ticker — the address names it, so a
 * link opens it for a colleague — and work it: write and edit entries, drafts and plans, the
 * ticker's settings, the chat's moderation, and (admins) the users. It speaks the account's
 * language (before login the browser's, else English), with a switch that saves it to the account.
 */
export function mountConsole(root: HTMLElement, opts: ConsoleOptions): { unmount: () => void } {
  forgetOldToken();
  let token = storedToken();
  const useLang = (l: Lang) => {
    setLang(l);
    document.documentElement.lang = l;
  };
  useLang(browserLang(navigator.language));
  // A session that ends while the desk is open (logout elsewhere, a ban, expiry) goes back to the login.
  const connect = (tk: string | undefined): LivetickerClient => {
    const c = createClient({ url: opts.url, token: tk });
    if (tk) c.on('sessionEnded', sessionLost);
    return c;
  };
  /** The logged-in staff account; undefined while the login is shown. */
  let me: User | undefined;
  let desk: Desk | undefined;
  let login: LoginView | undefined;
  let notice: Notice | undefined;
  /** The switch was used before logging in: that choice becomes the account's. */
  let chosenBeforeLogin = false;
  /** The session ended (logout elsewhere, expiry, a ban): the unsaved entry is kept, then the login shown. */
  const sessionLost = () => {
    const snap = desk?.composer()?.snapshot();
    if (snap) keepUnsaved(snap);
    dropToken();
    showLogin({ key: snap ? 'login.sessionEndedKept' : 'login.sessionEnded' });
  };
  const app = el('div', { class: 'ltx' });
  root.replaceChildren(el('style', {}, CSS), app);
  let client: LivetickerClient = connect(token);

  const closeDesk = () => {
    desk?.close();
    desk = undefined;
  };

  /** The switch: saved to the account when logged in (a failed save keeps the language as it was), then everything drawn again in it. */
  const languages = () => {
    const s = langSwitch(async (next) => {
      if (me) {
        try {
          me = await client.rest.patch<User>('/me', { locale: next });
        } catch (err) {
          s.failed(t('lang.notSaved', { error: errorText(err) }));
          return;
        }
      } else chosenBeforeLogin = true;
      useLang(next);
      if (me) {
        // The entry being written (or only opened) comes back in the new language's form; an open merge is asked again on save.
        const carried = desk?.composer()?.snapshot({ open: true });
        await showDesk(carried).catch((err) => (loginRefused(err) ? sessionLost() : s.failed(errorText(err))));
      } else showLogin(notice);
      root.querySelector<HTMLElement>('select[name=console-lang]')?.focus();
    });
    return s.element;
  };

  function showLogin(why?: Notice): void {
    closeDesk();
    me = undefined;
    notice = why;
    const email = login?.email();
    login = loginView({
      url: opts.url,
      rest: client.rest,
      enter,
      message: why && ('key' in why ? t(why.key, why.vars) : why.text),
      email,
      langSwitch: languages(),
    });
    app.replaceChildren(login.element);
    login.focus();
  }

  /** Keeps an account's token for this tab and opens the desk with it. */
  async function enter(next: string, how: { firstAdmin?: boolean } = {}): Promise<void> {
    token = next;
    keepToken(token);
    client.close();
    client = connect(token);
    // A new account has no language of its own yet: it takes the one its console showed.
    if (how.firstAdmin) chosenBeforeLogin = true;
    await showDesk();
  }

  async function showDesk(carried?: ComposerSnapshot): Promise<void> {
    let who = await whoAmI(client.rest);
    if (who.role === 'reader') {
      dropToken();
      showLogin({ key: 'login.reader', vars: { name: who.displayName } });
      return;
    }
    if (chosenBeforeLogin && who.locale !== lang()) who = await client.rest.patch<User>('/me', { locale: lang() }).catch(() => who);
    chosenBeforeLogin = false;
    const tickers = (await client.rest.get<{ items: Ticker[] }>('/tickers', { limit: 100 })).items;
    me = who;
    login = undefined;
    useLang(accountLang(who.locale));
    closeDesk();
    desk = await mountDesk(app, { url: opts.url, client, token, me: who, tickers, langSwitch: languages(), logout, sessionLost, carried });
  }

  function logout(): void {
    void client.rest.post('/auth/logout', {}).catch(() => undefined);
    dropToken();
    token = undefined;
    client.close();
    client = connect(undefined);
    showLogin({ key: 'login.loggedOut' });
  }

  if (token) {
    void showDesk().catch((err) => {
      // Only a refused login ends it; a server that does not answer right now does not log anyone out.
      if (loginRefused(err)) dropToken();
      showLogin(loginRefused(err) ? { key: 'login.sessionEnded' } : { text: errorText(err) });
    });
  } else showLogin();
  return {
    unmount: () => {
      closeDesk();
      client.close();
      root.replaceChildren();
    },
  };
}
