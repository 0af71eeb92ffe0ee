import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('streams')
    .addColumn('name', 'varchar(120)', (c) => c.primaryKey())
    .addColumn('rev', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('tickers')
    .addColumn('id', 'varchar(80)', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('locale', 'varchar(8)', (c) => c.notNull())
    .addColumn('coverage_start', 'varchar(40)')
    .addColumn('coverage_end', 'varchar(40)')
    .addColumn('chat_mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('slow_mode_seconds', 'integer', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tickers_created').on('tickers').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('entries')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull().references('tickers.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('image', 'text')
    .addColumn('teaser', 'text')
    .addColumn('pinned', 'integer', (c) => c.notNull())
    .addColumn('author_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('author_name', 'varchar(120)', (c) => c.notNull())
    .addColumn('published_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(40)')
    .execute();
  // "changes since rev N" and the keyset pages are each one index range.
  await db.schema.createIndex('entries_rev').unique().on('entries').columns(['ticker_id', 'rev']).execute();
  await db.schema.createIndex('entries_seq').unique().on('entries').columns(['ticker_id', 'seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('entries').execute();
  await db.schema.dropTable('tickers').execute();
  await db.schema.dropTable('streams').execute();
}
