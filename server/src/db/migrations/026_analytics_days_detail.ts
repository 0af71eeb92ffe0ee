import type { Kysely } from 'kysely';

/**
 * What the analytics roll-ups keep beyond the minute rows (issue 28):
 *
 * `analytics_entry_days`: per ticker, entry and day (`YYYY-MM-DD`, UTC): an entry's views, seconds
 * in view and clicks once its minute rows are older than the retention (rolled up, not lost).
 * `analytics_hours`: per ticker and hour (`YYYY-MM-DDTHH`): the distinct readers of that hour,
 * counted from the hour's hashes before the hourly prune deletes them (the day they belong to has
 * passed), so an hourly chart of yesterday stays hourly; kept as long as the minute rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('analytics_entry_days')
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('entry_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('views', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('link_clicks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('teaser_clicks', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_entry_days_pk', ['ticker_id', 'entry_id', 'day'])
    .execute();
  await db.schema
    .createTable('analytics_hours')
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('hour', 'varchar(13)', (c) => c.notNull())
    .addColumn('unique_readers', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_hours_pk', ['ticker_id', 'hour'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('analytics_hours').execute();
  await db.schema.dropTable('analytics_entry_days').execute();
}
