import { sql } from 'kysely';
import type { AppContext } from '../context';
import { AppError, parseInput } from '../errors';
import { isUniqueViolation } from '../db/database';
import { createUserDirect } from './users.service';
import { adminExists, findUserByEmail, insertUser, toUser } from './users.repo';
import { Email, FirstAdminBody } from '@liveticker/schemas';
import type { Actor } from './actor';
import { OPS_ACTOR } from './actor';
import type { LoginResult } from './auth.service';
import { hashPassword } from './passwords';
import { createSession } from './sessions';

/** ADMIN_EMAIL/ADMIN_PASSWORD: creates that admin on first start; later starts leave it alone. */
export async function bootstrapAdmin(ctx: Pick<AppContext, 'db' | 'config' | 'logger'>): Promise<void> {
  const { adminEmail, adminPassword } = ctx.config;
  if (!adminEmail || !adminPassword) return;
  const email = Email.parse(adminEmail);
  if (await findUserByEmail(ctx.db, email)) return;
  await createUserDirect(ctx, { email, password: adminPassword, displayName: 'Admin', role: 'admin' });
  ctx.logger.info({ module: 'auth', email }, 'created the first admin from ADMIN_EMAIL');
}

/**
 * How long the session the ops key is exchanged for lasts (ms): long enough to set the newsroom
 * up, short enough that a copy left in a browser tab soon means nothing. Then the admin logs in
 * with the password chosen here, like everyone else.
 */
export const FIRST_ADMIN_SESSION_MS = 60 * 60_000;

/** Any number, the same on every node: PostgreSQL's lock for "the first admin is being made". */
const FIRST_ADMIN_LOCK = 0x4c54_0001;

/** Whether the caller sent the ops key itself (as a bearer token: never a cookie). */
export function isOpsKey(actor: Actor | undefined): boolean {
  return actor !== undefined && actor.id === OPS_ACTOR.id && actor.sessionId === undefined && actor.via === 'bearer';
}

/**
 * `POST /auth/first-admin`: a fresh install's way in from a browser. The ops key (scripts' key,
 * which no browser should keep) makes the first admin account and gets a short session of it;
 * once any admin exists it is refused (409), so the key cannot mint admins later on. Two calls
 * at once make one admin: SQLite's write lock (taken at BEGIN) and a PostgreSQL advisory lock
 * hold the check and the insert together.
 */
export async function createFirstAdmin(ctx: Pick<AppContext, 'db' | 'dialect' | 'config' | 'logger'>, actor: Actor | undefined, body: unknown): Promise<LoginResult> {
  if (!actor) throw new AppError('login_required', 'send the ops key as "Authorization: Bearer <key>"');
  if (!isOpsKey(actor)) throw new AppError('forbidden', 'only the ops key makes the first admin; admins add staff under Users');
  const input = parseInput(FirstAdminBody, body, 'first admin');
  // scrypt takes a while: outside the transaction, which holds the database's write lock.
  const passwordHash = await hashPassword(input.password, ctx.config.scrypt);
  const result = await ctx.db
    .transaction()
    .execute(async (trx) => {
      if (ctx.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${FIRST_ADMIN_LOCK})`.execute(trx);
      if (await adminExists(trx)) throw new AppError('conflict', 'an admin exists already: log in with that account (an admin adds others under Users)');
      if (await findUserByEmail(trx, input.email)) throw new AppError('conflict', `a user with ${input.email} exists`, { field: 'email' });
      const row = await insertUser(trx, { email: input.email, displayName: input.displayName, role: 'admin', locale: 'de', passwordHash, verified: true });
      const ttlMs = Math.min(FIRST_ADMIN_SESSION_MS, ctx.config.sessionTtlMs);
      const session = await createSession(trx, row.id, { kind: 'session', ttlMs });
      return { token: session.token, expiresAt: session.expiresAt, user: toUser(row) };
    })
    .catch((err: unknown) => {
      throw isUniqueViolation(err) ? new AppError('conflict', `a user with ${input.email} exists`, { field: 'email' }) : err;
    });
  ctx.logger.info({ module: 'auth', email: input.email, userId: result.user.id }, 'the ops key made the first admin');
  return result;
}
