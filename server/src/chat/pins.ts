import type { Change } from '@liveticker/schemas';
import type { Trx } from '../db/database';
import { nextRev } from '../db/database';
import { AppError } from '../errors';
import { toMessage } from './messages.repo';

/** Pins one visible message of a room (or none), unpinning the previous one; each takes a chat rev. */
export async function pinMessage(trx: Trx, tickerId: string, messageId: string | null): Promise<Change[]> {
  const changes: Change[] = [];
  const stream = `chat:${tickerId}`;
  const previous = await trx.selectFrom('messages').selectAll().where('ticker_id', '=', tickerId).where('pinned', '=', 1).execute();
  for (const row of previous) {
    const rev = await nextRev(trx, stream);
    const updated = await trx
      .updateTable('messages')
      .set({ pinned: 0, rev, updated_at: new Date().toISOString() })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    changes.push({ rev, type: 'message.updated', data: toMessage(updated) });
  }
  if (messageId) {
    const target = await trx.selectFrom('messages').selectAll().where('id', '=', messageId).where('ticker_id', '=', tickerId).executeTakeFirst();
    if (!target || target.status !== 'visible') throw new AppError('not_found', 'only a visible message of this room can be pinned');
    const rev = await nextRev(trx, stream);
    const updated = await trx
      .updateTable('messages')
      .set({ pinned: 1, rev, updated_at: new Date().toISOString() })
      .where('id', '=', messageId)
      .returningAll()
      .executeTakeFirstOrThrow();
    changes.push({ rev, type: 'message.updated', data: toMessage(updated) });
  }
  return changes;
}
