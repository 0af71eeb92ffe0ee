import type { Kysely } from 'kysely';

/**
 * Manual pushes ("Breaking: …"): an editor's short text sent once to every follow of a ticker,
 * through the same claimed delivery as entries.
 *
 * `push_manual`: one row per manual push, numbered per ticker (`seq` 1, 2, …); `rev` the ticker
 * stream's revision when it was sent; `client_id` the console's key for it, so a request sent
 * twice makes one push.
 *
 * `push_follows.manual_seq`: the manual push of its ticker up to which a follow has been served
 * (a new follow starts at the newest one: what was sent before it is not news to it).
 * `push_streams.head_manual`: the newest manual push of the ticker.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('push_manual')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticker_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('push_manual_seq').on('push_manual').columns(['ticker_id', 'seq']).unique().execute();
  await db.schema.createIndex('push_manual_client').on('push_manual').columns(['ticker_id', 'client_id']).unique().execute();
  await db.schema.alterTable('push_follows').addColumn('manual_seq', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('push_streams').addColumn('head_manual', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('push_streams').dropColumn('head_manual').execute();
  await db.schema.alterTable('push_follows').dropColumn('manual_seq').execute();
  await db.schema.dropTable('push_manual').execute();
}
