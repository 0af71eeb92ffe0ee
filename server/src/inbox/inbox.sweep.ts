import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { Rounds } from '../lifecycle';
import type { ChangePublisher } from '../realtime/publisher';
import { commit } from '../db/commit';
import { claimDirtyChat, dirtyChats, dueMembers, staleMembers } from './inbox.repo';
import { refreshItems, sendDueItem } from './inbox.service';

/** Members brought up to date per transaction. */
const CHUNK = 200;
/** Chats looked at per round. */
const CHATS_PER_ROUND = 50;

/**
 * The coalesced half of the inbox's live updates. A message concerns its author and the one it
 * replies to at once (their items change in the message's own transaction); for every other
 * member of the chat it only moves `unread` and `lastMessage`, and writing to thousands of
 * readers' streams per message would make a busy chat's every message cost thousands of writes.
 * So the message marks its chat dirty (`inbox_dirty`), and every `intervalMs` (1 s) each node
 * brings the items of the chats marked since up to date: one `inbox.updated` per member per
 * round however many messages came. Every other way an item changes (a reply, the author's own
 * message, a read position) sends it at once only when it was not sent in the last second;
 * else it is held (`due_at`) and this sweep sends it once that second is over, as it then
 * stands: at most one a second per item under load, and the last state always arrives. A chat is
 * done when its row is deleted at the revision it was read at; a crash before that leaves the
 * row for the next round (on this node or another). Two nodes sweeping one chat at the same time
 * may both update a member: two full items, the second as right as the first.
 */
export class InboxSweep extends Rounds {
  constructor(private readonly opts: { db: Db; publisher: ChangePublisher; logger: Logger; intervalMs: number }) {
    super({ name: 'inbox sweep', intervalMs: opts.intervalMs, log: opts.logger.child({ module: 'inbox' }), failure: 'could not bring inbox items up to date; the next round tries again' });
  }

  protected round(): Promise<number> {
    return this.sweep();
  }

  /**
   * One round: every chat marked dirty, its stale members' items published, then the items held
   * back because they were sent less than a second before (`due_at`) whose second is over at
   * `now`. Resolves how many were published.
   */
  async sweep(now = new Date()): Promise<number> {
    let items = 0;
    for (const chat of await dirtyChats(this.opts.db, CHATS_PER_ROUND)) {
      for (;;) {
        const done = await commit(this.opts, async (w) => {
          const members = await staleMembers(w.trx, chat.ticker_id, chat.seq, CHUNK);
          await refreshItems(w, chat.ticker_id, members, chat.seq);
          // Last, as a message marks it last: the two never wait for each other in a circle.
          if (members.length < CHUNK) await claimDirtyChat(w.trx, chat.ticker_id, chat.seq);
          return members.length;
        });
        items += done;
        if (done < CHUNK) break;
      }
    }
    for (let round = 0; round < 50; round++) {
      const due = await dueMembers(this.opts.db, now.toISOString(), CHUNK);
      for (const m of due) if (await commit(this.opts, (w) => sendDueItem(w, m.user_id, m.ticker_id, now))) items++;
      if (due.length < CHUNK) break;
    }
    return items;
  }
}
