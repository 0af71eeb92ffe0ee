import type { Kysely } from 'kysely';
import { nameKey } from '../../auth/names';

/**
 * Each user's display name in its compared form (`nameKey`: the confusables skeleton, letters
 * and digits only), indexed, so a new name confusable with a staff member's or another user's is
 * found with one lookup.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('name_key', 'text').execute();
  const users = (await db.selectFrom('users').select(['id', 'display_name']).execute()) as Array<{ id: string; display_name: string }>;
  for (const u of users) await db.updateTable('users').set({ name_key: nameKey(u.display_name) }).where('id', '=', u.id).execute();
  await db.schema.createIndex('users_name_key').on('users').column('name_key').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_name_key').execute();
  await db.schema.alterTable('users').dropColumn('name_key').execute();
}
