import type { Kysely } from 'kysely';

/**
 * First-party, cookieless analytics (issue 28). Nothing here names a reader: no address, no user
 * agent, no cookie; unique readers are hashes made with a salt that is forgotten after its day.
 *
 * `analytics_salts`: the day's secret salt (one row, `day` = YYYY-MM-DD in UTC); every node hashes
 * with the same one, and yesterday's row is deleted, so yesterday's hashes cannot be made again.
 * `analytics_batches`: batch ids already counted (a retried beacon counts once), kept two days.
 * `analytics_minutes`: per ticker and minute (`YYYY-MM-DDTHH:MM`, UTC): page views, views from a
 * push click, entry views, clicks, follows, votes, questions, events dropped, and the peak of
 * readers online (sampled every 10 s from the sockets every node counts).
 * `analytics_entries`: per ticker, entry and minute: views, seconds in view, link and teaser clicks.
 * `analytics_uniques`: per ticker and hour, each reader hash once (uniques per hour and per day).
 * `analytics_sources`: per ticker, day and referring host: page views.
 * `analytics_days`: what is older than the retention (ANALYTICS_RETENTION_DAYS) rolls up into
 * per-day rows; the unique readers of a day are counted here once the day has passed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('analytics_salts')
    .addColumn('day', 'varchar(10)', (c) => c.primaryKey())
    .addColumn('salt', 'varchar(64)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('analytics_batches')
    .addColumn('batch_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('analytics_batches_at').on('analytics_batches').column('at').execute();
  const counts = ['page_views', 'push_views', 'entry_views', 'link_clicks', 'teaser_clicks', 'embed_consents', 'follows_started', 'follows_stopped', 'poll_votes', 'questions', 'dropped', 'readers_online'];
  let minutes = db.schema.createTable('analytics_minutes').addColumn('ticker_id', 'varchar(80)', (c) => c.notNull()).addColumn('minute', 'varchar(16)', (c) => c.notNull());
  for (const name of counts) minutes = minutes.addColumn(name, 'integer', (c) => c.notNull().defaultTo(0));
  await minutes.addPrimaryKeyConstraint('analytics_minutes_pk', ['ticker_id', 'minute']).execute();
  let days = db.schema.createTable('analytics_days').addColumn('ticker_id', 'varchar(80)', (c) => c.notNull()).addColumn('day', 'varchar(10)', (c) => c.notNull());
  for (const name of [...counts, 'unique_readers']) days = days.addColumn(name, 'integer', (c) => c.notNull().defaultTo(0));
  await days.addPrimaryKeyConstraint('analytics_days_pk', ['ticker_id', 'day']).execute();
  await db.schema
    .createTable('analytics_entries')
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('entry_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('minute', 'varchar(16)', (c) => c.notNull())
    .addColumn('views', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('link_clicks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('teaser_clicks', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_entries_pk', ['ticker_id', 'entry_id', 'minute'])
    .execute();
  await db.schema
    .createTable('analytics_uniques')
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('hour', 'varchar(13)', (c) => c.notNull())
    .addColumn('hash', 'varchar(44)', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_uniques_pk', ['ticker_id', 'hour', 'hash'])
    .execute();
  await db.schema
    .createTable('analytics_sources')
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('page_views', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_sources_pk', ['ticker_id', 'day', 'host'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['analytics_sources', 'analytics_uniques', 'analytics_entries', 'analytics_days', 'analytics_minutes', 'analytics_batches', 'analytics_salts']) await db.schema.dropTable(t).execute();
}
