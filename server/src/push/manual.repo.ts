import type { Db, Trx } from '../db/database';
import type { PushManualTable } from '../db/tables';

/* Manual pushes (migration 018): an editor's text for every follow of a ticker, numbered per ticker. */

/** The newest manual push's number of a ticker (0: none yet): where a new follow starts. */
export async function lastManualSeq(db: Db | Trx, tickerId: string): Promise<number> {
  const row = await db.selectFrom('push_manual').select((eb) => eb.fn.max<number | string | null>('seq').as('n')).where('ticker_id', '=', tickerId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export function findManualByClientId(db: Db | Trx, tickerId: string, clientId: string): Promise<PushManualTable | undefined> {
  return db.selectFrom('push_manual').selectAll().where('ticker_id', '=', tickerId).where('client_id', '=', clientId).executeTakeFirst();
}

/**
 * Records a manual push as the ticker's next (`seq` = the last + 1) and moves the ticker's
 * `head_manual` to it (when the ticker is followed), in one transaction: a follow is due for it
 * from then on. Two at once may take the same number: one fails on the unique index (the caller
 * tries again).
 */
export async function insertManual(db: Db, row: Omit<PushManualTable, 'seq'>): Promise<PushManualTable> {
  return db.transaction().execute(async (trx) => {
    const seq = (await lastManualSeq(trx, row.ticker_id)) + 1;
    const made = { ...row, seq };
    await trx.insertInto('push_manual').values(made).execute();
    await trx.updateTable('push_streams').set({ head_manual: seq }).where('ticker_id', '=', row.ticker_id).where('head_manual', '<', seq).execute();
    return made;
  });
}

/** The first manual push of a ticker after `after` that is still worth sending (made at or after `since`, ISO), if any. */
export function nextManual(db: Db, tickerId: string, after: number, since: string): Promise<PushManualTable | undefined> {
  return db
    .selectFrom('push_manual')
    .selectAll()
    .where('ticker_id', '=', tickerId)
    .where('seq', '>', after)
    .where('created_at', '>=', since)
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
}

/** The follows of a ticker, by topics. */
export async function countFollowsByTopics(db: Db, tickerId: string): Promise<{ all: number; keyEvents: number }> {
  const rows = await db.selectFrom('push_follows').select(['topics', (eb) => eb.fn.countAll<string | number>().as('n')]).where('ticker_id', '=', tickerId).groupBy('topics').execute();
  const of = (t: string) => Number(rows.find((r) => r.topics === t)?.n ?? 0);
  return { all: of('all'), keyEvents: of('key-events') };
}
