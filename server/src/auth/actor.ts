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
  /** How the request authenticated: cookie-authenticated writes need a same-origin check. */
  via?: 'cookie' | 'bearer';
}

/** Editors write entries and tickers; moderators moderate; admins may do everything. */
export function hasRole(actor: Actor, role: Role): boolean {
  return actor.role === 'admin' || role === 'reader' || actor.role === role;
}

export const OPS_ACTOR: Actor = { id: 'ops', displayName: 'Newsroom', role: 'admin', emailVerified: true };
