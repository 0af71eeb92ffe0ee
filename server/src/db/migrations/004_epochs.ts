import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * A stream's epoch names its history. A client keeps `(epoch, rev)`; when the epoch it holds is
 * not the stream's (the stream was recreated) or its rev is ahead of the head (the database was
 * restored from a backup), it starts over instead of waiting for revisions that never come.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('streams').addColumn('epoch', 'varchar(32)', (c) => c.notNull().defaultTo('')).execute();
  const rows = (await db.selectFrom('streams').select('name').execute()) as Array<{ name: string }>;
  for (const { name } of rows) {
    await db.updateTable('streams').set({ epoch: newEpoch() }).where('name', '=', name).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('streams').dropColumn('epoch').execute();
}

/** Frozen here: a migration never imports live code, and live code never imports it. */
function newEpoch(): string {
  return randomBytes(8).toString('hex');
}
