import type { Locale, ModeratedUser, User } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
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
