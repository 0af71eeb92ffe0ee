import type { Locale, ModeratedUser, User } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { UsersTable } from '../db/tables';
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
