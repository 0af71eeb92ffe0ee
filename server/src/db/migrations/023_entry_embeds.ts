import type { Kysely } from 'kysely';

/**
 * `entries.embed` (issue 25): a post or player of another site, as the server recognised it from
 * its URL (JSON: provider, url, id, canonical, caption, credit); null without one. Numbered 023:
 * another branch adds a 022.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('entries').addColumn('embed', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('entries').dropColumn('embed').execute();
}
