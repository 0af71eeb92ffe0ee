import type { User as Me } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';

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

/** What the box under the chat's heading offers. */
export type ComposeMode = 'closed' | 'inbox' | 'writer' | 'join';

/**
 * The box's mode: a closed room says so; a login whose address is not confirmed yet is asked to
 * check its inbox; a login writes; everyone else is invited to log in or register.
 */
export function composeMode(state: { closed: boolean; token?: string; me?: Pick<Me, 'emailVerifiedAt'> }): ComposeMode {
  if (state.closed) return 'closed';
  if (state.token && state.me && !state.me.emailVerifiedAt) return 'inbox';
  if (state.token) return 'writer';
  return 'join';
}

/**
 * The chat widget's login: its token (kept in sessionStorage on the widget pages, in memory on a
 * host page) and the account behind it, handed to the client on every change.
 */
export class ChatLogin {
  token: string | undefined;
  me: Me | undefined;
  /** Who is told when the login changes (the widgets sharing it: the chat, the Chats panel, the Chats tab). */
  private readonly watchers = new Set<() => void>();

  constructor(
    private readonly store: 'session' | 'memory',
    initial: string | undefined,
  ) {
    this.token = initial;
  }

  /** The token a widget page kept in this tab (a session only), unless the shared client saw it end. */
  static kept(store: 'session' | 'memory', client?: LivetickerClient): ChatLogin {
    const login = new ChatLogin(store, store === 'session' ? keptSession() : undefined);
    // The shared client already saw this login end (before this widget was mounted): it is gone.
    if (login.token && client?.hasEnded(login.token)) login.forget();
    return login;
  }

  /**
   * A new login: given to the client and the socket reconnected to carry it; kept in the tab
   * unless the host page hands it (`getToken` asks the page again when needed).
   */
  signIn(client: LivetickerClient, token: string, me?: Me, keep = true): void {
    this.token = token;
    this.me = me;
    if (keep) this.keep(token);
    client.setToken(token);
    client.reconnect();
    this.changed();
  }

  /** The account behind the login, once asked for. */
  know(me: Me): void {
    this.me = me;
    this.changed();
  }

  /** Reads on anonymously. */
  signOut(client: LivetickerClient): void {
    const had = this.token !== undefined || this.me !== undefined;
    this.forget();
    client.setToken(undefined);
    if (had) this.changed();
  }

  /** Calls `fn` after every change of the login; returns the function that stops it. */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private changed(): void {
    for (const fn of [...this.watchers]) fn();
  }

  private forget(): void {
    this.token = undefined;
    this.me = undefined;
    this.keep(undefined);
  }

  private keep(value: string | undefined): void {
    if (this.store !== 'session') return;
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  }
}
