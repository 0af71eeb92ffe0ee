import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Room settings beside the public ones (chat_mode, slow_mode_seconds) already on tickers.
  await db.schema
    .createTable('chat_settings')
    .addColumn('ticker_id', 'varchar(80)', (c) => c.primaryKey().references('tickers.id').onDelete('cascade'))
    .addColumn('rate_burst', 'integer', (c) => c.notNull())
    .addColumn('rate_per_minute', 'integer', (c) => c.notNull())
    .addColumn('duplicate_window_seconds', 'integer', (c) => c.notNull())
    .addColumn('banned_words', 'text', (c) => c.notNull())
    .addColumn('watch_words', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull().references('tickers.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('mod_rev', 'integer', (c) => c.notNull())
    .addColumn('author_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('author_name', 'varchar(80)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('reply_to', 'varchar(40)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('hold_reason', 'varchar(16)')
    .addColumn('pinned', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(40)')
    .execute();
  // Idempotent sends: one message per (author, clientId).
  await db.schema.createIndex('messages_client').unique().on('messages').columns(['author_id', 'client_id']).execute();
  // Readers' catch-up and pages (rev/seq are 0 while a message is held, hence not unique).
  await db.schema.createIndex('messages_rev').on('messages').columns(['ticker_id', 'rev']).execute();
  await db.schema.createIndex('messages_seq').on('messages').columns(['ticker_id', 'seq']).execute();
  await db.schema.createIndex('messages_mod_rev').on('messages').columns(['ticker_id', 'mod_rev']).execute();
  // Duplicate suppression looks at a user's recent messages.
  await db.schema.createIndex('messages_author').on('messages').columns(['author_id', 'created_at']).execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('message_id', 'varchar(40)', (c) => c.notNull().references('messages.id'))
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('reporter_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('reporter_name', 'varchar(80)', (c) => c.notNull())
    .addColumn('reason', 'varchar(20)', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('mod_rev', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('resolved_at', 'varchar(40)')
    .addColumn('resolved_by', 'varchar(40)')
    .addColumn('resolution', 'varchar(16)')
    .execute();
  await db.schema.createIndex('reports_once').unique().on('reports').columns(['message_id', 'reporter_id']).execute();
  await db.schema.createIndex('reports_mod_rev').on('reports').columns(['ticker_id', 'mod_rev']).execute();

  // Who did what, when: every moderation action.
  await db.schema
    .createTable('moderation_log')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('ticker_id', 'varchar(80)')
    .addColumn('actor_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('actor_name', 'varchar(80)', (c) => c.notNull())
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('moderation_log_ticker').on('moderation_log').columns(['ticker_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('moderation_log').execute();
  await db.schema.dropTable('reports').execute();
  await db.schema.dropTable('messages').execute();
  await db.schema.dropTable('chat_settings').execute();
}
