import type { Kysely } from 'kysely';

/**
 * Live polls (issue 26). Numbered 019: another branch adds an 018.
 *
 * `entries.poll`: the poll as the editor wrote it (JSON: question, options, closesAt, results
 * mode, allowAnonymous); `poll_closes_at` its planned close (the sweep's index); `poll_closed_at`
 * when it closed; `poll_results` the counts as last published on the stream (JSON) and
 * `poll_results_at` when (the one-a-second claim across nodes).
 *
 * `poll_votes`: one row per (poll, voter): `voter` is `u:<user id>` for a logged-in reader or
 * `d:<device id>` for an anonymous one; the primary key makes the database refuse a second row,
 * so a second vote (or fifty at once on two nodes) changes the one row instead.
 *
 * `poll_dirty`: polls with votes the stream does not show yet; the sweep claims a row by deleting it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('entries').addColumn('poll', 'text').execute();
  await db.schema.alterTable('entries').addColumn('poll_closes_at', 'text').execute();
  await db.schema.alterTable('entries').addColumn('poll_closed_at', 'text').execute();
  await db.schema.alterTable('entries').addColumn('poll_results', 'text').execute();
  await db.schema.alterTable('entries').addColumn('poll_results_at', 'text').execute();
  await db.schema.createIndex('entries_poll_due').on('entries').columns(['poll_closed_at', 'poll_closes_at']).execute();

  await db.schema
    .createTable('poll_votes')
    .addColumn('entry_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('voter', 'varchar(80)', (c) => c.notNull())
    .addColumn('option_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('member', 'integer', (c) => c.notNull())
    .addColumn('voted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('poll_votes_pk', ['entry_id', 'voter'])
    .execute();
  // The counts: one index range per poll, grouped by option.
  await db.schema.createIndex('poll_votes_counts').on('poll_votes').columns(['entry_id', 'option_id', 'member']).execute();

  await db.schema
    .createTable('poll_dirty')
    .addColumn('entry_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('poll_dirty').execute();
  await db.schema.dropTable('poll_votes').execute();
  await db.schema.dropIndex('entries_poll_due').execute();
  for (const c of ['poll_results_at', 'poll_results', 'poll_closed_at', 'poll_closes_at', 'poll']) {
    await db.schema.alterTable('entries').dropColumn(c).execute();
  }
}
