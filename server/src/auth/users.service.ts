import { parseScopes } from './scopes';
import { isUniqueViolation } from '../db/database';
import { CreateApiTokenBody, CreateUserBody, PatchMeBody, PatchUserBody } from '@liveticker/schemas';
import type { User } from '@liveticker/schemas';
import { z } from 'zod';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { commit } from '../db/commit';
import { AppError, parseInput } from '../errors';
import type { Actor } from './actor';
import { requireRightsHeld, requireRole } from './guard';
import { checkReaderName, nameKey } from './names';
import { hashPassword } from './passwords';
import { activeApiTokens, createSession, revokeSessions } from './sessions';
import { restrictUser } from './restrictions';
import { findUserByEmail, findUserById, insertUser, searchUsers, toUser, updateUser } from './users.repo';

type Ctx = Pick<AppContext, 'db' | 'publisher' | 'endSessions' | 'sessionsChanged' | 'config'>;

export async function me(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined): Promise<User> {
  if (!actor?.sessionId) throw new AppError('login_required', 'log in to see your account');
  const row = await findUserById(ctx.db, actor.id);
  if (!row) throw new AppError('login_required', 'log in to see your account');
  return toUser(row);
}

export async function patchMe(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, body: unknown): Promise<User> {
  const current = await me(ctx, actor);
  const input = parseInput(PatchMeBody, body, 'profile');
  if (input.displayName !== undefined && current.role === 'reader') await checkReaderName(ctx.db, input.displayName, current.id);
  await updateUser(ctx.db, current.id, {
    ...(input.displayName !== undefined && { display_name: input.displayName, name_key: nameKey(input.displayName) }),
    ...(input.locale !== undefined && { locale: input.locale }),
    updated_at: new Date().toISOString(),
  });
  return toUser((await findUserById(ctx.db, current.id))!);
}

const UserCursor = z.object({ c: z.string(), i: z.string() });
const ListUsersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(300).optional(),
  role: z.enum(['reader', 'editor', 'moderator', 'admin']).optional(),
  /** Part of an address or display name, any case. */
  q: z.string().trim().min(1).max(100).optional(),
});


export async function listUsers(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, query: unknown) {
  requireRole(actor, 'admin');
  const q = parseInput(ListUsersQuery, query, 'query');
  const c = q.cursor ? decodeCursor(UserCursor, q.cursor) : undefined;
  const rows = await searchUsers(ctx.db, { limit: q.limit + 1, role: q.role, q: q.q, after: c && { createdAt: c.c, id: c.i } });
  const items = rows.slice(0, q.limit).map(toUser);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor({ c: last.createdAt, i: last.id }) : null };
}

/** Admin: change a user's role, ban or unban, mute until a time. A ban cuts their sockets off at once. */
export async function patchUser(ctx: Ctx, actor: Actor | undefined, id: string, body: unknown): Promise<User> {
  const who = requireRole(actor, 'admin');
  const input = parseInput(PatchUserBody, body, 'user');
  const row = await findUserById(ctx.db, id);
  if (!row) throw new AppError('not_found', `no user ${id}`);
  // The role, a ban with the end of the user's sessions and the log of both are written together
  // or not at all (a ban or mute from here takes the same path as one from a room).
  const ended = await commit(ctx, async (w) => {
    if (input.role !== undefined) await updateUser(w.trx, id, { role: input.role, updated_at: new Date().toISOString() });
    if (input.banned === undefined && input.mutedUntil === undefined) return [];
    return restrictUser(w, who, row, { banned: input.banned, mutedUntil: input.mutedUntil, tickerId: null });
  });
  if (input.banned) {
    ctx.endSessions(id, ended, 'banned');
  } else if (input.role !== undefined && input.role !== row.role) {
    // Open sockets take the new role at once, without a reconnect (a demoted moderator leaves
    // the moderation streams).
    ctx.sessionsChanged(id);
  }
  return toUser((await findUserById(ctx.db, id))!);
}

/**
 * API tokens are staff credentials that work from anywhere: made, listed and revoked with the
 * rights this request holds, not only the role the account has (a staff cookie sent from a news
 * site must not mint a bearer token that the page could read).
 */
export async function createApiToken(ctx: Ctx, actor: Actor | undefined, body: unknown) {
  const user = await me(ctx, actor);
  requireRole(actor, 'reader'); // logged in and verified
  requireRightsHeld(actor);
  if (user.role === 'reader') throw new AppError('forbidden', 'API tokens are for editors, moderators and admins');
  const input = parseInput(CreateApiTokenBody, body, 'token');
  const s = await createSession(ctx.db, user.id, {
    kind: 'api',
    name: input.name,
    ttlMs: input.expiresInDays ? input.expiresInDays * 86_400_000 : undefined,
    scopes: input.scopes,
  });
  return { id: s.id, name: input.name, token: s.token, createdAt: new Date().toISOString(), expiresAt: s.expiresAt, lastUsedAt: null, scopes: input.scopes ?? [] };
}

export async function listApiTokens(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined) {
  const user = await me(ctx, actor);
  requireRightsHeld(actor);
  const rows = await activeApiTokens(ctx.db, user.id);
  return {
    items: rows.map((r) => ({ id: r.id, name: r.name ?? '', createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at, scopes: parseScopes(r.scopes) ?? [] })),
    nextCursor: null,
  };
}

export async function revokeApiToken(ctx: Ctx, actor: Actor | undefined, id: string): Promise<void> {
  const user = await me(ctx, actor);
  requireRightsHeld(actor);
  const ended = await revokeSessions(ctx.db, user.id, { kind: 'api', id });
  if (ended.length === 0) throw new AppError('not_found', `no token ${id}`);
  ctx.endSessions(user.id, ended, 'token_revoked');
}

/** Creates a verified user with a role (the CLI's `user:create` and ADMIN_EMAIL bootstrap). */
export async function createUserDirect(
  ctx: Pick<AppContext, 'db' | 'config'>,
  input: { email: string; password: string; displayName: string; role: User['role'] },
): Promise<User> {
  const exists = () => new AppError('conflict', `a user with ${input.email} exists`, { field: 'email' });
  if (await findUserByEmail(ctx.db, input.email)) throw exists();
  const passwordHash = await hashPassword(input.password, ctx.config.scrypt);
  const row = await insertUser(ctx.db, { email: input.email, displayName: input.displayName, role: input.role, locale: 'de', passwordHash, verified: true }).catch((err: unknown) => {
    throw isUniqueViolation(err) ? exists() : err;
  });
  return toUser(row);
}

/** Admin: adds a verified user with a role (newsroom staff, or readers migrated from elsewhere). */
export async function createUser(ctx: Pick<AppContext, 'db' | 'config'>, actor: Actor | undefined, body: unknown): Promise<User> {
  requireRole(actor, 'admin');
  const input = parseInput(CreateUserBody, body, 'user');
  // Staff names are the admin's choice; a reader's is held to the readers' rules.
  if (input.role === 'reader') await checkReaderName(ctx.db, input.displayName);
  return createUserDirect(ctx, input);
}
