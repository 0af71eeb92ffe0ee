import type { Kysely } from 'kysely';

/** `tickers.require_image_credit`: a picture must name its credit before it goes out. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickers').addColumn('require_image_credit', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickers').dropColumn('require_image_credit').execute();
}
