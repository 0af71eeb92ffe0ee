import type { Entry, EntryChange } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { Actor } from '../auth/actor';

/** One saved version of an entry, with who saved it (null: the scheduler). */
export interface EntryVersion {
  version: number;
  savedAt: string;
  by: { id: string; displayName: string } | null;
  entry: Entry;
}

/** Keeps each saved version of the entries a write changed, and who saved it (null: the scheduler). */
export async function recordVersions(db: Db | Trx, changes: EntryChange[], by: Actor | undefined): Promise<void> {
  const rows = changes
    .filter((c) => c.type !== 'entry.deleted')
    .map((c) => ({ entry_id: c.data.id, ticker_id: c.data.tickerId, version: c.data.version, data: JSON.stringify(c.data), by_id: by?.id ?? null, by_name: by?.displayName ?? null, created_at: c.data.updatedAt }));
  if (rows.length) await db.insertInto('entry_versions').values(rows).onConflict((oc) => oc.columns(['entry_id', 'version']).doNothing()).execute();
}

/** An entry's saved versions, the newest first. */
export async function listVersions(db: Db | Trx, tickerId: string, entryId: string, limit: number): Promise<EntryVersion[]> {
  const rows = await db.selectFrom('entry_versions').selectAll().where('ticker_id', '=', tickerId).where('entry_id', '=', entryId).orderBy('version', 'desc').limit(limit).execute();
  return rows.map((r) => ({ version: r.version, savedAt: r.created_at, by: r.by_id ? { id: r.by_id, displayName: r.by_name ?? '' } : null, entry: JSON.parse(r.data) as Entry }));
}

/** The entry as version `version` of it was saved. */
export async function findVersion(db: Db | Trx, tickerId: string, entryId: string, version: number): Promise<Entry | undefined> {
  const row = await db.selectFrom('entry_versions').select('data').where('ticker_id', '=', tickerId).where('entry_id', '=', entryId).where('version', '=', version).executeTakeFirst();
  return row && (JSON.parse(row.data) as Entry);
}

/** Forgets every saved version of an entry. */
export async function deleteVersions(db: Db | Trx, tickerId: string, entryId: string): Promise<void> {
  await db.deleteFrom('entry_versions').where('ticker_id', '=', tickerId).where('entry_id', '=', entryId).execute();
}
