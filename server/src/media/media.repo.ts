import type { Db, Trx } from '../db/database';
import type { MediaTable } from '../db/tables';

/** An uploaded image's row: its variants are in the media store already. */
export async function insertMedia(db: Db | Trx, row: MediaTable): Promise<void> {
  await db.insertInto('media').values(row).execute();
}
