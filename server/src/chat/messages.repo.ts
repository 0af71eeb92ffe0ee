import type { Message, Report } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { MessagesTable, ReportsTable } from '../db/tables';

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

export function toReport(row: ReportsTable): Report {
  return {
    id: row.id,
    messageId: row.message_id,
    tickerId: row.ticker_id,
    reporter: { id: row.reporter_id, displayName: row.reporter_name },
    reason: row.reason,
    note: row.note,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    rev: row.mod_rev,
  };
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
