import { chatStream } from '@liveticker/schemas';
import type { Write } from '../db/commit';
import { AppError } from '../errors';
import { toMessage } from './messages.repo';

/** Pins one visible message of a room (or none), unpinning the previous one; each takes a chat rev. */
export async function pinMessage(w: Write, tickerId: string, messageId: string | null): Promise<void> {
  const stream = chatStream(tickerId);
  const setPinned = (id: string, pinned: 0 | 1) =>
    w.change(stream, 'message.updated', async (rev) =>
      toMessage(await w.trx.updateTable('messages').set({ pinned, rev, updated_at: new Date().toISOString() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow()),
    );
  const previous = await w.trx.selectFrom('messages').select('id').where('ticker_id', '=', tickerId).where('pinned', '=', 1).execute();
  for (const row of previous) await setPinned(row.id, 0);
  if (messageId) {
    const target = await w.trx.selectFrom('messages').select('status').where('id', '=', messageId).where('ticker_id', '=', tickerId).executeTakeFirst();
    if (!target || target.status !== 'visible') throw new AppError('not_found', 'only a visible message of this room can be pinned');
    await setPinned(messageId, 1);
  }
}
