import { chatStream } from '@liveticker/schemas';
import type { Write } from '../db/commit';
import { AppError } from '../errors';
import { messageStatusIn, pinnedMessageIds, toMessage, updateMessage } from './messages.repo';

/** Pins one visible message of a room (or none), unpinning the previous one; each takes a chat rev. */
export async function pinMessage(w: Write, tickerId: string, messageId: string | null): Promise<void> {
  const stream = chatStream(tickerId);
  const setPinned = (id: string, pinned: 0 | 1) =>
    w.change(stream, 'message.updated', async (rev) =>
      toMessage(await updateMessage(w.trx, id, { pinned, rev, updated_at: new Date().toISOString() })),
    );
  for (const id of await pinnedMessageIds(w.trx, tickerId)) await setPinned(id, 0);
  if (messageId) {
    if ((await messageStatusIn(w.trx, tickerId, messageId)) !== 'visible') throw new AppError('not_found', 'only a visible message of this room can be pinned');
    await setPinned(messageId, 1);
  }
}
