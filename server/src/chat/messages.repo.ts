import type { Message } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { MessagesTable } from '../db/tables';

/** A message as readers see it: a deleted one is a tombstone without its text. */
export function toMessage(row: MessagesTable, opts: { forModerators?: boolean } = {}): Message {
  const gone = row.status === 'deleted';
  const m: Message = {
    id: row.id,
    tickerId: row.ticker_id,
    seq: row.seq,
    rev: row.rev,
    author: { id: row.author_id, displayName: row.author_name },
    body: gone ? '' : row.body,
    replyTo: row.reply_to,
    status: row.status,
    pinned: row.pinned === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
  if (opts.forModerators) m.holdReason = row.hold_reason;
  return m;
}

export function findMessage(db: Db | Trx, id: string) {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A page of the chat as readers see it (visible messages and tombstones) in `seq` order. */
export async function listMessages(
  db: Db,
  opts: { tickerId: string; order: 'newest' | 'oldest'; limit: number; afterSeq?: number },
): Promise<Message[]> {
  let q = db
    .selectFrom('messages')
    .selectAll()
    .where('ticker_id', '=', opts.tickerId)
    .where('seq', '>', 0)
    .where('pinned', '=', 0);
  if (opts.afterSeq !== undefined) q = q.where('seq', opts.order === 'newest' ? '<' : '>', opts.afterSeq);
  const rows = await q.orderBy('seq', opts.order === 'newest' ? 'desc' : 'asc').limit(opts.limit).execute();
  return rows.map((r) => toMessage(r));
}

export async function listPinnedMessages(db: Db, tickerId: string): Promise<Message[]> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('ticker_id', '=', tickerId)
    .where('pinned', '=', 1)
    .where('status', '=', 'visible')
    .execute();
  return rows.map((r) => toMessage(r));
}

/** The message an author already sent to a room with this idempotency key, if any. */
export function findByClientId(db: Db | Trx, tickerId: string, authorId: string, clientId: string) {
  return db.selectFrom('messages').selectAll().where('ticker_id', '=', tickerId).where('author_id', '=', authorId).where('client_id', '=', clientId).executeTakeFirst();
}

/** Whether an author sent this very text to a room after `since` (ISO time). */
export async function sentSince(db: Db | Trx, opts: { tickerId: string; authorId: string; body: string; since: string }): Promise<boolean> {
  const dup = await db
    .selectFrom('messages')
    .select('id')
    .where('author_id', '=', opts.authorId)
    .where('created_at', '>', opts.since)
    .where('ticker_id', '=', opts.tickerId)
    .where('body', '=', opts.body)
    .executeTakeFirst();
  return dup !== undefined;
}

/** The messages of these ids, in no particular order (none asked: none read). */
export async function findMessages(db: Db | Trx, ids: string[]): Promise<MessagesTable[]> {
  return ids.length ? db.selectFrom('messages').selectAll().where('id', 'in', ids).execute() : [];
}

/** A room's held messages, in the order they were held. */
export function heldMessages(db: Db | Trx, tickerId: string, limit: number): Promise<MessagesTable[]> {
  return db.selectFrom('messages').selectAll().where('ticker_id', '=', tickerId).where('status', '=', 'pending').orderBy('mod_rev').limit(limit).execute();
}

/** The ids of a room's pinned messages (one at most, as pinMessage keeps it), whatever their status. */
export async function pinnedMessageIds(db: Db | Trx, tickerId: string): Promise<string[]> {
  const rows = await db.selectFrom('messages').select('id').where('ticker_id', '=', tickerId).where('pinned', '=', 1).execute();
  return rows.map((r) => r.id);
}

/** The status of a message of this room; undefined when the room has no such message. */
export async function messageStatusIn(db: Db | Trx, tickerId: string, id: string): Promise<MessagesTable['status'] | undefined> {
  const row = await db.selectFrom('messages').select('status').where('id', '=', id).where('ticker_id', '=', tickerId).executeTakeFirst();
  return row?.status;
}

export async function insertMessage(db: Db | Trx, row: MessagesTable): Promise<void> {
  await db.insertInto('messages').values(row).execute();
}

/** Changes a message and answers its row as it is now; throws when there is no such message. */
export function updateMessage(db: Db | Trx, id: string, set: Partial<MessagesTable>): Promise<MessagesTable> {
  return db.updateTable('messages').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}
