import type { Db, Trx } from '../db/database';
import type { ChatSettingsTable } from '../db/tables';

/** A room's own settings (limits and word lists); undefined while it has the defaults. */
export function findChatSettings(db: Db | Trx, tickerId: string): Promise<ChatSettingsTable | undefined> {
  return db.selectFrom('chat_settings').selectAll().where('ticker_id', '=', tickerId).executeTakeFirst();
}

/** Puts a room's settings in place of those it had (in the caller's transaction). */
export async function replaceChatSettings(trx: Trx, row: ChatSettingsTable): Promise<void> {
  await trx.deleteFrom('chat_settings').where('ticker_id', '=', row.ticker_id).execute();
  await trx.insertInto('chat_settings').values(row).execute();
}
