import type { User } from '@liveticker/schemas';
import { LivetickerError } from '../rest';
import type { RestClient } from '../rest';
import type { ComposerSnapshot } from './draft';

/**
 * What the console keeps in this tab's storage, and nothing else: the login (an account's
 * session or API token, never the ops key) and an entry being written when the session ended.
 * The language is not kept here: it is the account's (before login, the browser's).
 */

/**
 * The console's login in this tab: a session or personal API token of a staff account, never the
 * ops key. A key of its own, so the widget pages (which read the chat's `liveticker.token`) never
 * pick up what the console holds.
 */
const TOKEN_KEY = 'liveticker.console.session';
/** Where consoles before this one kept their token, the ops key too: cleared on sight. */
const OLD_TOKEN_KEY = 'liveticker.token';
/** What a session (`lts_`) or a personal API token (`ltk_`) looks like; the ops key never does. */
export const ACCOUNT_TOKEN = /^lt[sk]_[A-Za-z0-9_-]{20,}$/;
/** An entry being written when the session ended, kept in this tab until the next login. */
const UNSAVED_KEY = 'liveticker.console.unsaved';

/** The login this tab keeps, if it looks like an account's (anything else is dropped). */
export function storedToken(): string | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  if (token && !ACCOUNT_TOKEN.test(token)) {
    sessionStorage.removeItem(TOKEN_KEY);
    return undefined;
  }
  return token;
}

export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function dropToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Consoles before this one kept their token under the chat's key, the ops key included, where a
 * widget page opened in the same tab would take it up. Anything there that is no session is
 * dropped (a reader's chat session of this tab stays).
 */
export function forgetOldToken(): void {
  const old = sessionStorage.getItem(OLD_TOKEN_KEY);
  if (old !== null && !/^lts_/.test(old)) sessionStorage.removeItem(OLD_TOKEN_KEY);
}

/** Keeps the entry being written for the next login in this tab. */
export function keepUnsaved(snap: ComposerSnapshot): void {
  sessionStorage.setItem(UNSAVED_KEY, JSON.stringify(snap));
}

/** The entry kept for `tickerId` by keepUnsaved, taken out of storage; one for another ticker stays. */
export function takeUnsaved(tickerId: string): ComposerSnapshot | undefined {
  const kept = sessionStorage.getItem(UNSAVED_KEY);
  if (!kept) return undefined;
  try {
    const snap = JSON.parse(kept) as ComposerSnapshot;
    if (snap.tickerId !== tickerId) return undefined;
    sessionStorage.removeItem(UNSAVED_KEY);
    return snap;
  } catch {
    sessionStorage.removeItem(UNSAVED_KEY);
    return undefined;
  }
}

/** The account behind the token (the ops key is no account: `/me` refuses it, and so does the console). */
export async function whoAmI(rest: RestClient): Promise<User> {
  return rest.get<User>('/me');
}

/** Whether an error means the login is no longer good (not: the server did not answer). */
export function loginRefused(err: unknown): boolean {
  return err instanceof LivetickerError && (err.code === 'login_required' || err.code === 'invalid_token');
}

/** `POST /api/v1/media` with the picture as `file`; the answer names its address and size. */
export async function uploadMedia(url: string, token: string | undefined, file: File): Promise<{ url: string; width: number; height: number }> {
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
