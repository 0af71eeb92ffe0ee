export type Role = 'reader' | 'editor' | 'moderator' | 'admin';

/** Who is making a request, as resolved from a token, cookie or the ops key. */
export interface Actor {
  id: string;
  displayName: string;
  role: Role;
  /** Set for users; the ops key has none. */
  emailVerified: boolean;
  sessionId?: string;
}

/** Editors write entries and tickers; moderators moderate; admins may do everything. */
export function hasRole(actor: Actor, role: Role): boolean {
  return actor.role === 'admin' || role === 'reader' || actor.role === role;
}

export const OPS_ACTOR: Actor = { id: 'ops', displayName: 'Newsroom', role: 'admin', emailVerified: true };
