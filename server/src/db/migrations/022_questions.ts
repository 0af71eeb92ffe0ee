import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * Questions to the desk (issue 26).
 *
 * `questions`: one row per question. `seq` the revision of `questions:<ticker>` it was asked at,
 * `rev` that of its last change there (the desk stream's catch-up reads by it); `public_rev` the
 * revision of `questions-public:<ticker>` at its last change there (0: never shown to readers).
 * `votes` is the exact count, kept in the transaction of each vote; `votes_dirty` marks a count
 * the streams do not show yet and `votes_published_at` when they last did (the one-a-second
 * claim across nodes). `body_key` is the text's skeleton (duplicates are refused by it).
 * (ticker, author, client_id) is unique: a retry never makes a second question.
 *
 * `question_votes`: one row per (question, reader); the primary key makes the database refuse a
 * second one, so concurrent upvotes of one reader on any number of nodes count once.
 *
 * `tickers.questions_public`: 0/1. `entries.question`: an answer entry's question (JSON: id, text,
 * the asker's display name when they agreed). Existing tickers get their two question streams.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickers').addColumn('questions_public', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('entries').addColumn('question', 'text').execute();

  await db.schema
    .createTable('questions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull().references('tickers.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('public_rev', 'integer', (c) => c.notNull())
    .addColumn('author_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('show_name', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('body_key', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('votes', 'integer', (c) => c.notNull())
    .addColumn('votes_dirty', 'integer', (c) => c.notNull())
    .addColumn('votes_published_at', 'varchar(40)')
    .addColumn('answered_entry_id', 'varchar(64)')
    .addColumn('dismiss_reason', 'text')
    .addColumn('client_id', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('questions_client').on('questions').columns(['ticker_id', 'author_id', 'client_id']).unique().execute();
  await db.schema.createIndex('questions_rev').on('questions').columns(['ticker_id', 'rev']).execute();
  await db.schema.createIndex('questions_public_rev').on('questions').columns(['ticker_id', 'public_rev']).execute();
  // The desk's queue by newest and by votes, and a reader's own.
  await db.schema.createIndex('questions_new').on('questions').columns(['ticker_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('questions_top').on('questions').columns(['ticker_id', 'votes', 'created_at', 'id']).execute();
  await db.schema.createIndex('questions_author').on('questions').columns(['author_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('questions_dirty').on('questions').columns(['votes_dirty']).execute();

  await db.schema
    .createTable('question_votes')
    .addColumn('question_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('voted_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('question_votes_pk', ['question_id', 'user_id'])
    .execute();

  const tickers = await db.selectFrom('tickers').select('id').execute();
  for (const t of tickers as Array<{ id: string }>) {
    for (const name of [`questions:${t.id}`, `questions-public:${t.id}`]) {
      await db.insertInto('streams').values({ name, rev: 0, epoch: randomBytes(8).toString('hex') }).execute();
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('streams').where('name', 'like', 'questions:%').execute();
  await db.deleteFrom('streams').where('name', 'like', 'questions-public:%').execute();
  await db.schema.dropTable('question_votes').execute();
  await db.schema.dropTable('questions').execute();
  await db.schema.alterTable('entries').dropColumn('question').execute();
  await db.schema.alterTable('tickers').dropColumn('questions_public').execute();
}
