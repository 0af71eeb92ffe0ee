import type { BlockList } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { commit } from '../db/commit';
import type { Write } from '../db/commit';
import { AppError } from '../errors';
import { refreshItems, owner } from './inbox.service';

type Ctx = Pick<AppContext, 'db' | 'publisher'>;

/** Most users one reader may block. */
export const MAX_BLOCKS = 1000;

/** `GET /me/blocks`: the users the reader blocked, newest first. */
export async function listBlocks(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined): Promise<BlockList> {
  const who = owner(actor);
  const rows = await ctx.db
    .selectFrom('user_blocks as b')
    .innerJoin('users as u', 'u.id', 'b.blocked_id')
    .select(['b.blocked_id', 'u.display_name', 'b.created_at'])
    .where('b.user_id', '=', who.id)
    .orderBy('b.created_at', 'desc')
    .orderBy('b.blocked_id')
    .execute();
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
  const target = await ctx.db.selectFrom('users').select(['id', 'role']).where('id', '=', userId).executeTakeFirst();
  if (!target) throw new AppError('not_found', `no user ${userId}`);
  if (target.role !== 'reader') throw new AppError('validation_failed', 'the newsroom cannot be blocked', [{ path: 'userId', message: 'is staff' }]);
  await commit(ctx, async (w) => {
    const known = await w.trx.selectFrom('user_blocks').select('user_id').where('user_id', '=', who.id).where('blocked_id', '=', userId).executeTakeFirst();
    if (known) return;
    const { n } = await w.trx.selectFrom('user_blocks').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', who.id).executeTakeFirstOrThrow();
    if (Number(n) >= MAX_BLOCKS) throw new AppError('conflict', `at most ${MAX_BLOCKS} blocked users`);
    await w.trx.insertInto('user_blocks').values({ user_id: who.id, blocked_id: userId, created_at: new Date().toISOString() }).execute();
    await blocksChanged(w, who.id, userId);
  });
}

/** `DELETE /me/blocks/:userId`: the block ends (none is fine). */
export async function unblock(ctx: Ctx, actor: Actor | undefined, userId: string): Promise<void> {
  const who = owner(actor);
  await commit(ctx, async (w) => {
    const gone = await w.trx.deleteFrom('user_blocks').where('user_id', '=', who.id).where('blocked_id', '=', userId).executeTakeFirst();
    if (Number(gone.numDeletedRows) > 0) await blocksChanged(w, who.id, userId);
  });
}

/** The reader's items of the chats where `blockedId` wrote after the reader's read position. */
async function blocksChanged(w: Write, userId: string, blockedId: string): Promise<void> {
  const members = await w.trx
    .selectFrom('chat_members as cm')
    .selectAll('cm')
    .where('cm.user_id', '=', userId)
    .where('cm.active', '=', 1)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('messages as m')
          .select('m.id')
          .where('m.author_id', '=', blockedId)
          .whereRef('m.ticker_id', '=', 'cm.ticker_id')
          .whereRef('m.seq', '>', 'cm.last_read_rev')
          .where('m.status', '=', 'visible'),
      ),
    )
    .orderBy('cm.ticker_id')
    .execute();
  for (const m of members) await refreshItems(w, m.ticker_id, [m], 0);
}
