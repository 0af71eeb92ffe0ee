import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * `tickers.max_pinned`: how many entries a ticker pins at once (new tickers 1; pinning one more
 * unpins the one pinned longest ago). `entries.pinned_at` says when an entry was pinned. Tickers
 * that already pin several keep them: their limit starts at what they pin now.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickers').addColumn('max_pinned', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('entries').addColumn('pinned_at', 'text').execute();
  await sql`UPDATE entries SET pinned_at = updated_at WHERE pinned = 1`.execute(db);
  await sql`UPDATE tickers SET max_pinned = (SELECT count(*) FROM entries e WHERE e.ticker_id = tickers.id AND e.pinned = 1 AND e.deleted_at IS NULL)
    WHERE (SELECT count(*) FROM entries e WHERE e.ticker_id = tickers.id AND e.pinned = 1 AND e.deleted_at IS NULL) > 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('entries').dropColumn('pinned_at').execute();
  await db.schema.alterTable('tickers').dropColumn('max_pinned').execute();
}
