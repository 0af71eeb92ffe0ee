import type { Kysely } from 'kysely';

/** Every version of every entry as it was saved, and who saved it (the desk's history and restore). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('entry_versions')
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('ticker_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('by_id', 'text')
    .addColumn('by_name', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('entry_versions_pk', ['entry_id', 'version'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('entry_versions').execute();
}
