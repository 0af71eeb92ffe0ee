import type { Db } from '../db/database';
import type { Actor, Role } from './actor';
import { newToken, tokenHash } from './tokens';
import { newId } from '../db/ids';
import { parseScopes } from './scopes';

export interface NewSession {
  id: string;
  token: string;
  expiresAt: string | null;
}

/** A login session (`lts_…`, expires) or a personal API token (`ltk_…`, named, until revoked). */
export async function createSession(
  db: Db,
  userId: string,
  opts: { kind: 'session' | 'api'; ttlMs?: number; name?: string; scopes?: string[] },
): Promise<NewSession> {
  const token = newToken(opts.kind === 'session' ? 'lts_' : 'ltk_');
  const id = newId();
  const now = new Date();
  const expiresAt = opts.ttlMs ? new Date(now.getTime() + opts.ttlMs).toISOString() : null;
  await db
    .insertInto('sessions')
    .values({
      id,
      token_hash: tokenHash(token),
      user_id: userId,
      kind: opts.kind,
      name: opts.name ?? null,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
      scopes: opts.scopes?.length ? opts.scopes.join(',') : null,
    })
    .execute();
  return { id, token, expiresAt };
}

/** Resolves a token to its user, unless revoked, expired or the user is banned. */
export async function actorForToken(db: Db, token: string): Promise<Actor | undefined> {
  if (!token.startsWith('lts_') && !token.startsWith('ltk_')) return undefined;
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as session_id',
      'sessions.expires_at',
      'sessions.revoked_at',
      'sessions.kind',
      'sessions.last_used_at',
      'sessions.scopes',
      'users.id as user_id',
      'users.display_name',
      'users.role',
      'users.email_verified_at',
      'users.muted_until',
      'users.banned_at',
    ])
    .where('sessions.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  const now = new Date().toISOString();
  if (!row || row.revoked_at || row.banned_at || (row.expires_at && row.expires_at <= now)) return undefined;
  // API tokens show when they were last used; written at most once a minute.
  if (row.kind === 'api' && (!row.last_used_at || Date.parse(row.last_used_at) < Date.now() - 60_000)) {
    await db.updateTable('sessions').set({ last_used_at: now }).where('id', '=', row.session_id).execute();
  }
  return {
    id: row.user_id,
    displayName: row.display_name,
    role: row.role as Role,
    emailVerified: row.email_verified_at !== null,
    mutedUntil: row.muted_until,
    sessionId: row.session_id,
    ...(parseScopes(row.scopes) ? { scopes: parseScopes(row.scopes) } : {}),
  };
}

/** Revokes sessions of a user (all, or of one kind, or one); returns the revoked ids. */
export async function revokeSessions(
  db: Db,
  userId: string,
  opts: { kind?: 'session' | 'api'; id?: string; exceptId?: string } = {},
): Promise<string[]> {
  let q = db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (opts.kind) q = q.where('kind', '=', opts.kind);
  if (opts.id) q = q.where('id', '=', opts.id);
  if (opts.exceptId) q = q.where('id', '!=', opts.exceptId);
  const ids = (await q.execute()).map((r) => r.id);
  if (ids.length) {
    await db.updateTable('sessions').set({ revoked_at: new Date().toISOString() }).where('id', 'in', ids).execute();
  }
  return ids;
}

/** A user's API tokens not revoked (expired ones too), the newest first. */
export function activeApiTokens(db: Db, userId: string) {
  return db
    .selectFrom('sessions')
    .select(['id', 'name', 'created_at', 'expires_at', 'last_used_at', 'scopes'])
    .where('user_id', '=', userId)
    .where('kind', '=', 'api')
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
}
