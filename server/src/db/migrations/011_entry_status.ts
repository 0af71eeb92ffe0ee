import type { Kysely } from 'kysely';

/**
 * Drafts and scheduled entries: `status` (`published` for every entry so far) and `publish_at`.
 * An unpublished entry has rev 0 and a negative seq: no reader query or catch-up reaches it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('entries').addColumn('status', 'text', (c) => c.notNull().defaultTo('published')).execute();
  await db.schema.alterTable('entries').addColumn('publish_at', 'text').execute();
  await db.schema.createIndex('entries_due').on('entries').columns(['status', 'publish_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('entries_due').execute();
  await db.schema.alterTable('entries').dropColumn('publish_at').execute();
  await db.schema.alterTable('entries').dropColumn('status').execute();
}
