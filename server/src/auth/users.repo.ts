import { sql } from 'kysely';
import type { Locale, ModeratedUser, User } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import { containsPattern } from '../db/like';
import type { UsersTable } from '../db/tables';
import { newId } from '../db/ids';
import { nameKey } from './names';
import type { Role } from './actor';

/** The whole account, address included: for the user themselves and for admins only. */
export function toUser(row: UsersTable): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as Role,
    locale: row.locale as Locale,
    emailVerifiedAt: row.email_verified_at,
    mutedUntil: row.muted_until,
    bannedAt: row.banned_at,
    createdAt: row.created_at,
  };
}

/** A user as moderators may see them: no address (see `ModeratedUser`). */
export function toModeratedUser(row: UsersTable): ModeratedUser {
  return { id: row.id, displayName: row.display_name, role: row.role as Role, mutedUntil: row.muted_until, bannedAt: row.banned_at };
}

export function findUserByEmail(db: Db | Trx, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findUserById(db: Db | Trx, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A new account's row, written: a reader who registered (unverified) or staff an admin or the ops key made (verified). */
export async function insertUser(
  db: Db | Trx,
  input: { email: string; displayName: string; role: Role; locale: Locale; passwordHash: string; verified: boolean },
): Promise<UsersTable> {
  const now = new Date().toISOString();
  const row: UsersTable = {
    id: newId(),
    email: input.email,
    display_name: input.displayName,
    name_key: nameKey(input.displayName),
    role: input.role,
    locale: input.locale,
    password_hash: input.passwordHash,
    email_verified_at: input.verified ? now : null,
    muted_until: null,
    banned_at: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('users').values(row).execute();
  return row;
}

/** What a user may not do now: banned since, muted until (undefined: no such user). */
export function findRestrictions(db: Db | Trx, id: string): Promise<Pick<UsersTable, 'muted_until' | 'banned_at'> | undefined> {
  return db.selectFrom('users').select(['muted_until', 'banned_at']).where('id', '=', id).executeTakeFirst();
}

export async function updateUser(db: Db | Trx, id: string, set: Partial<UsersTable>): Promise<void> {
  await db.updateTable('users').set(set).where('id', '=', id).execute();
}

/** Marks a user's address confirmed at `now`: false when it was confirmed already (or no such user). */
export async function markEmailVerified(db: Db | Trx, id: string, now: string): Promise<boolean> {
  const changed = await db
    .updateTable('users')
    .set({ email_verified_at: now, updated_at: now })
    .where('id', '=', id)
    .where('email_verified_at', 'is', null)
    .executeTakeFirst();
  return Number(changed.numUpdatedRows) > 0;
}

/** Whether any admin account exists. */
export async function adminExists(db: Db | Trx): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst()) !== undefined;
}

/**
 * One page of users, the newest first, keyset on (created_at, id): of a role, and (`q`) whose
 * address or display name holds the text, any case.
 */
export function searchUsers(
  db: Db | Trx,
  opts: { limit: number; role?: Role; q?: string; after?: { createdAt: string; id: string } },
): Promise<UsersTable[]> {
  let sel = db.selectFrom('users').selectAll();
  if (opts.role) sel = sel.where('role', '=', opts.role);
  if (opts.q) {
    const like = containsPattern(opts.q);
    sel = sel.where((eb) => eb.or([eb(sql`lower(email)`, 'like', sql`${like} escape '\\'`), eb(sql`lower(display_name)`, 'like', sql`${like} escape '\\'`)]));
  }
  if (opts.after) {
    const { createdAt, id } = opts.after;
    sel = sel.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  return sel.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}
