import type { Kysely } from 'kysely';

/**
 * Cards (issue 25): a ticker's live data (a score, election results, a small table) on
 * `ticker:<id>` beside its entries.
 *
 * `cards`: one row per (ticker, card id), kept as a tombstone after a delete (`deleted_at`), so a
 * catch-up can say `card.deleted`. `data` is the card's JSON as validated; `version` counts every
 * write. A write stores the card at once; its change goes out on the stream at most once every
 * 500 ms (CARDS_GAP): `rev` is the stream revision of its last published change,
 * `published_at` when that was (the claim across nodes), `dirty` 1 while the row holds a state
 * the stream has not carried yet (the card sweep publishes it).
 *
 * `sessions.scopes`: what an API token is limited to (comma-separated, e.g. `cards`); null: not
 * limited. Plain types only (text, integer, varchar), the same on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('scopes', 'text').execute();
  await db.schema
    .createTable('cards')
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull().references('tickers.id'))
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('pinned', 'integer', (c) => c.notNull())
    .addColumn('entry_id', 'varchar(64)')
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('dirty', 'integer', (c) => c.notNull())
    .addColumn('published_at', 'varchar(40)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(40)')
    .addPrimaryKeyConstraint('cards_pk', ['ticker_id', 'id'])
    .execute();
  await db.schema.createIndex('cards_rev').on('cards').columns(['ticker_id', 'rev']).execute();
  await db.schema.createIndex('cards_dirty').on('cards').columns(['dirty']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('cards').execute();
  await db.schema.alterTable('sessions').dropColumn('scopes').execute();
}
