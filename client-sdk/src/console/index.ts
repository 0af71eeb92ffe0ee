import type { Ticker, User } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import { mountDesk } from './desk';
import type { Desk } from './desk';
import { t } from './i18n';
import { loginView } from './login';
import { dropToken, forgetOldToken, keepToken, keepUnsaved, loginRefused, storedToken, whoAmI } from './session';
import { CSS } from './style';
import { el, errorText } from './ui';

export interface ConsoleOptions {
  url: string;
}

/**
 * The newsroom's web console: log in, pick (or create) a ticker — the address names it, so a
 * link opens it for a colleague — and work it: write and edit entries, drafts and plans, the
 * ticker's settings, the chat's moderation, and (admins) the users.
 */
export function mountConsole(root: HTMLElement, opts: ConsoleOptions): { unmount: () => void } {
  forgetOldToken();
  let token = storedToken();
  // A session that ends while the desk is open (logout elsewhere, a ban, expiry) goes back to the login.
  const connect = (tk: string | undefined): LivetickerClient => {
    const c = createClient({ url: opts.url, token: tk });
    if (tk) c.on('sessionEnded', sessionLost);
    return c;
  };
  let desk: Desk | undefined;
  /** The session ended (logout elsewhere, expiry, a ban): the unsaved entry is kept, then the login shown. */
  const sessionLost = () => {
    const snap = desk?.composer()?.snapshot();
    if (snap) keepUnsaved(snap);
    dropToken();
    showLogin(t(snap ? 'login.sessionEndedKept' : 'login.sessionEnded'));
  };
  const app = el('div', { class: 'ltx' });
  root.replaceChildren(el('style', {}, CSS), app);
  let client: LivetickerClient = connect(token);

  const closeDesk = () => {
    desk?.close();
    desk = undefined;
  };

  function showLogin(message?: string): void {
    closeDesk();
    const login = loginView({ url: opts.url, rest: client.rest, enter, message });
    app.replaceChildren(login.element);
    login.focus();
  }

  /** Keeps an account's token for this tab and opens the desk with it. */
  async function enter(next: string): Promise<void> {
    token = next;
    keepToken(token);
    client.close();
    client = connect(token);
    await showDesk();
  }

  async function showDesk(): Promise<void> {
    const me: User = await whoAmI(client.rest);
    if (me.role === 'reader') {
      dropToken();
      showLogin(t('login.reader', { name: me.displayName }));
      return;
    }
    const tickers = (await client.rest.get<{ items: Ticker[] }>('/tickers', { limit: 100 })).items;
    closeDesk();
    desk = await mountDesk(app, { url: opts.url, client, token, me, tickers, logout, sessionLost });
  }

  function logout(): void {
    void client.rest.post('/auth/logout', {}).catch(() => undefined);
    dropToken();
    token = undefined;
    client.close();
    client = connect(undefined);
    showLogin(t('login.loggedOut'));
  }

  if (token) {
    void showDesk().catch((err) => {
      // Only a refused login ends it; a server that does not answer right now does not log anyone out.
      if (loginRefused(err)) dropToken();
      showLogin(loginRefused(err) ? t('login.sessionEnded') : errorText(err));
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
