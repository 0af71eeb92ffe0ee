import type { Kysely } from 'kysely';

/** Pushes sent per ticker and minute (and day), for the desk's Reach: push sent → opened. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analytics_minutes').addColumn('push_sent', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('analytics_days').addColumn('push_sent', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analytics_days').dropColumn('push_sent').execute();
  await db.schema.alterTable('analytics_minutes').dropColumn('push_sent').execute();
}
