import type { Ticker } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { TickersTable } from '../db/tables';

export function toTicker(row: TickersTable): Ticker {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status as Ticker['status'],
    locale: row.locale as Ticker['locale'],
    coverageStart: row.coverage_start,
    coverageEnd: row.coverage_end,
    chat: { mode: row.chat_mode as Ticker['chat']['mode'], slowModeSeconds: row.slow_mode_seconds },
    maxPinned: row.max_pinned,
    requireImageCredit: row.require_image_credit === 1,
    questions: { public: row.questions_public === 1 },
    rev: row.rev,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findTicker(db: Db | Trx, id: string): Promise<Ticker | undefined> {
  const row = await db.selectFrom('tickers').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toTicker(row);
}

/** One page of tickers, newest first, keyset on (created_at, id). */
export async function listTickers(
  db: Db,
  opts: { limit: number; after?: { createdAt: string; id: string }; status?: string },
): Promise<Ticker[]> {
  let q = db.selectFrom('tickers').selectAll();
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.after) {
    const { createdAt, id } = opts.after;
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]),
    );
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  return rows.map(toTicker);
}

/** Whether a ticker of this id exists (reads the id only). */
export async function tickerExists(db: Db | Trx, id: string): Promise<boolean> {
  return (await db.selectFrom('tickers').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Whether there is any ticker at all. */
export async function anyTicker(db: Db | Trx): Promise<boolean> {
  return (await db.selectFrom('tickers').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export async function insertTicker(db: Db | Trx, row: TickersTable): Promise<void> {
  await db.insertInto('tickers').values(row).execute();
}

/** Changes a ticker and answers it as it is now; throws when there is no such ticker. */
export async function updateTicker(db: Db | Trx, id: string, set: Partial<TickersTable>): Promise<Ticker> {
  return toTicker(await db.updateTable('tickers').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow());
}
