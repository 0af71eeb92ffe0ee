import type { BlockList } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { commit } from '../db/commit';
import type { Write } from '../db/commit';
import { AppError } from '../errors';
import { refreshItems, owner } from './inbox.service';
import { blockRows, countBlocks, deleteBlock, insertBlock, isBlocked, userRole } from './blocks.repo';
import { membersWithUnreadBy } from './inbox.repo';

type Ctx = Pick<AppContext, 'db' | 'publisher'>;

/** Most users one reader may block. */
export const MAX_BLOCKS = 1000;

/** `GET /me/blocks`: the users the reader blocked, newest first. */
export async function listBlocks(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined): Promise<BlockList> {
  const who = owner(actor);
  const rows = await blockRows(ctx.db, who.id);
  return { items: rows.map((r) => ({ userId: r.blocked_id, displayName: r.display_name, createdAt: r.created_at })) };
}

/**
 * `PUT /me/blocks/:userId`: the reader blocks a reader (staff cannot be blocked: their messages
 * are the newsroom's). Saying it again changes nothing. The reader's inbox items of chats where
 * the blocked user has messages the reader has not read are brought up to date at once.
 */
export async function block(ctx: Ctx, actor: Actor | undefined, userId: string): Promise<void> {
  const who = owner(actor);
  if (userId === who.id) throw new AppError('validation_failed', 'you cannot block yourself', [{ path: 'userId', message: 'is you' }]);
  const target = await userRole(ctx.db, userId);
  if (!target) throw new AppError('not_found', `no user ${userId}`);
  if (target.role !== 'reader') throw new AppError('validation_failed', 'the newsroom cannot be blocked', [{ path: 'userId', message: 'is staff' }]);
  await commit(ctx, async (w) => {
    if (await isBlocked(w.trx, who.id, userId)) return;
    if ((await countBlocks(w.trx, who.id)) >= MAX_BLOCKS) throw new AppError('conflict', `at most ${MAX_BLOCKS} blocked users`);
    await insertBlock(w.trx, who.id, userId, new Date().toISOString());
    await blocksChanged(w, who.id, userId);
  });
}

/** `DELETE /me/blocks/:userId`: the block ends (none is fine). */
export async function unblock(ctx: Ctx, actor: Actor | undefined, userId: string): Promise<void> {
  const who = owner(actor);
  await commit(ctx, async (w) => {
    if (await deleteBlock(w.trx, who.id, userId)) await blocksChanged(w, who.id, userId);
  });
}

/** The reader's items of the chats where `blockedId` wrote after the reader's read position. */
async function blocksChanged(w: Write, userId: string, blockedId: string): Promise<void> {
  const members = await membersWithUnreadBy(w.trx, blockedId, { reader: userId });
  for (const m of members) await refreshItems(w, m.ticker_id, [m], 0);
}
