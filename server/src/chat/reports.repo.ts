import type { Report } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { ReportsTable } from '../db/tables';

/* Readers' reports of chat messages, each open until a moderator resolves it. */

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

/** Whether this reader reported this message already (open or resolved). */
export async function hasReported(db: Db | Trx, messageId: string, reporterId: string): Promise<boolean> {
  return (await db.selectFrom('reports').select('id').where('message_id', '=', messageId).where('reporter_id', '=', reporterId).executeTakeFirst()) !== undefined;
}

export async function insertReport(db: Db | Trx, row: ReportsTable): Promise<void> {
  await db.insertInto('reports').values(row).execute();
}

export function findOpenReport(db: Db | Trx, id: string): Promise<ReportsTable | undefined> {
  return db.selectFrom('reports').selectAll().where('id', '=', id).where('resolved_at', 'is', null).executeTakeFirst();
}

/** A room's open reports, in the order they came. */
export function openReports(db: Db | Trx, tickerId: string, limit: number): Promise<ReportsTable[]> {
  return db.selectFrom('reports').selectAll().where('ticker_id', '=', tickerId).where('resolved_at', 'is', null).orderBy('mod_rev').limit(limit).execute();
}

/**
 * Resolves a report while it is still open (the claim: of two moderators acting at once, one
 * wins); undefined when it is not open (any more).
 */
export function resolveOpenReport(db: Db | Trx, id: string, set: Pick<ReportsTable, 'resolved_at' | 'resolved_by' | 'resolution' | 'mod_rev'>): Promise<ReportsTable | undefined> {
  return db.updateTable('reports').set(set).where('id', '=', id).where('resolved_at', 'is', null).returningAll().executeTakeFirst();
}
