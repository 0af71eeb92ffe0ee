import type { TokenScope } from '@liveticker/schemas';

export type Role = 'reader' | 'editor' | 'moderator' | 'admin';

/** Who is making a request, as resolved from a token, cookie or the ops key. */
export interface Actor {
  id: string;
  displayName: string;
  role: Role;
  emailVerified: boolean;
  /** ISO time until which the user may not post; null when not muted. */
  mutedUntil?: string | null;
  /** The session or API token this request came with (absent for the ops key). */
  sessionId?: string;
  /** An API token limited to these scopes (auth/scopes.ts); absent: not limited. */
  scopes?: TokenScope[];
  /** How the request authenticated: cookie-authenticated writes need a same-origin check. */
  via?: 'cookie' | 'bearer';
  /**
   * A staff role kept back for this request or socket, which acts as a reader instead: a
   * session cookie sent from a page other than the newsroom's own (a news site named in
   * CORS_ORIGINS). `reason` is the refusal's message.
   */
  withheld?: { role: Role; reason: string };
}

/** Editors write entries and tickers; moderators moderate; admins may do everything. */
export function hasRole(actor: Actor, role: Role): boolean {
  return actor.role === 'admin' || role === 'reader' || actor.role === role;
}

/** The desk: verified editors and moderators (and admins). They see every question and every poll's counts, hidden from readers or not. */
export function isDeskMember(actor: Actor | undefined): boolean {
  return Boolean(actor?.emailVerified && (hasRole(actor, 'editor') || hasRole(actor, 'moderator')));
}

export const OPS_ACTOR: Actor = { id: 'ops', displayName: 'Newsroom', role: 'admin', emailVerified: true };

/**
 * The actor as a reader, its staff role kept back with `reason` (see `Actor.withheld`). Acting
 * as a reader covers every check at once: role guards, what a reader may see (drafts), and
 * what staff are spared (read limits, slow mode).
 */
export function withholdStaffRole(actor: Actor, reason: string): Actor {
  return actor.role === 'reader' ? actor : { ...actor, role: 'reader', withheld: { role: actor.role, reason } };
}
