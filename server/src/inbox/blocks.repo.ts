import type { Db, Trx } from '../db/database';

/** The users a reader blocked, newest first, with their names. */
export function blockRows(db: Db, userId: string) {
  return db
    .selectFrom('user_blocks as b')
    .innerJoin('users as u', 'u.id', 'b.blocked_id')
    .select(['b.blocked_id', 'u.display_name', 'b.created_at'])
    .where('b.user_id', '=', userId)
    .orderBy('b.created_at', 'desc')
    .orderBy('b.blocked_id')
    .execute();
}

/** A user's role, or undefined when there is no such user. */
export function userRole(db: Db, id: string): Promise<{ id: string; role: string } | undefined> {
  return db.selectFrom('users').select(['id', 'role']).where('id', '=', id).executeTakeFirst();
}

/** Whether `userId` blocked `blockedId`. */
export async function isBlocked(db: Db | Trx, userId: string, blockedId: string): Promise<boolean> {
  return (await db.selectFrom('user_blocks').select('user_id').where('user_id', '=', userId).where('blocked_id', '=', blockedId).executeTakeFirst()) !== undefined;
}

/** How many users `userId` blocked. */
export async function countBlocks(db: Db | Trx, userId: string): Promise<number> {
  const { n } = await db.selectFrom('user_blocks').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return Number(n);
}

export async function insertBlock(trx: Trx, userId: string, blockedId: string, at: string): Promise<void> {
  await trx.insertInto('user_blocks').values({ user_id: userId, blocked_id: blockedId, created_at: at }).execute();
}

/** Ends a block; false when there was none. */
export async function deleteBlock(trx: Trx, userId: string, blockedId: string): Promise<boolean> {
  const gone = await trx.deleteFrom('user_blocks').where('user_id', '=', userId).where('blocked_id', '=', blockedId).executeTakeFirst();
  return Number(gone.numDeletedRows) > 0;
}

