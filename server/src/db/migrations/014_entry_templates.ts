import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * Entry templates: the shapes a desk posts again and again. `ticker_id` null: newsroom-wide.
 * `name_key` (the name in lower case) is unique within a scope (a ticker's, or the newsroom's):
 * a desk picks a template by its name. A ticker's templates go with it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('entry_templates')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('ticker_id', 'varchar(80)', (c) => c.references('tickers.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_by_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_by_name', 'varchar(120)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  // NULLs are distinct in a unique index: the newsroom's scope is '' here.
  await db.schema
    .createIndex('entry_templates_name')
    .unique()
    .on('entry_templates')
    .expression(sql`(coalesce(ticker_id, ''))`)
    .column('name_key')
    .execute();

  // Two newsroom-wide defaults, ordinary rows: desks may change or delete them. Their bodies are
  // already what the entry sanitizer keeps.
  const now = new Date().toISOString();
  const seed = { ticker_id: null, version: 1, created_by_id: 'ops', created_by_name: 'Newsroom', created_at: now, updated_at: now };
  await db
    .insertInto('entry_templates')
    .values([
      { ...seed, id: 'default-score-update', name: 'Score update', name_key: 'score update', kind: 'key-event', title: 'Goal', body: '<p><strong>Home 1–0 Away</strong> – </p>' },
      {
        ...seed,
        id: 'default-quote',
        name: 'Quote',
        name_key: 'quote',
        kind: 'quote',
        title: null,
        body: '<blockquote><p>“…”</p></blockquote><p>— <cite>Name, role</cite></p>',
      },
    ])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('entry_templates').execute();
}
