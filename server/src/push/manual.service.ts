import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import type { AppContext } from '../context';
import { isUniqueViolation, streamPosition } from '../db/database';
import { newId } from '../db/ids';
import type { PushManualTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { findTicker } from '../tickers/tickers.repo';
import { ManualPushBody } from '@liveticker/schemas';
import type { FollowerCount, ManualPush } from '@liveticker/schemas';
import { countFollowsByTopics, findManualByClientId, insertManual } from './manual.repo';

type Ctx = Pick<AppContext, 'db' | 'logger' | 'limiters'> & { push?: Pick<AppContext['push'], 'changed'> };

async function mustExist(ctx: Ctx, tickerId: string): Promise<void> {
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
}

async function countOf(ctx: Ctx, tickerId: string): Promise<FollowerCount> {
  const n = await countFollowsByTopics(ctx.db, tickerId);
  return { total: n.all + n.keyEvents, ...n };
}

/** How many devices follow a ticker (editors: the console shows it beside the manual push). */
export async function followerCount(ctx: Ctx, actor: Actor | undefined, tickerId: string): Promise<FollowerCount> {
  requireRole(actor, 'editor');
  await mustExist(ctx, tickerId);
  return countOf(ctx, tickerId);
}

function toManual(row: PushManualTable, followers: FollowerCount): ManualPush {
  return { id: row.id, tickerId: row.ticker_id, text: row.text, rev: Number(row.rev), createdAt: row.created_at, followers };
}

/**
 * An editor's manual push ("Breaking: …") to every follow of a ticker, both topics. Only recorded
 * here: the deliverer sends it, once per follow across nodes and restarts, as it sends entries.
 * The same `clientId` again answers with the first (created: false) and sends nothing more.
 */
export async function sendManualPush(ctx: Ctx, actor: Actor | undefined, tickerId: string, body: unknown): Promise<{ created: boolean; push: ManualPush }> {
  const editor = requireRole(actor, 'editor');
  const b = parseInput(ManualPushBody, body, 'push');
  await mustExist(ctx, tickerId);
  const count = () => countOf(ctx, tickerId);
  const again = b.clientId ? await findManualByClientId(ctx.db, tickerId, b.clientId) : undefined;
  if (again) return { created: false, push: toManual(again, await count()) };
  // Every device of the ticker's followers rings (Urgency high): a few per ticker, whoever sends them.
  await ctx.limiters.consume('manualPushTicker', tickerId);
  for (let attempt = 0; ; attempt++) {
    try {
      const pos = await streamPosition(ctx.db, `ticker:${tickerId}`);
      const row = await insertManual(ctx.db, {
        id: newId(),
        ticker_id: tickerId,
        rev: pos?.rev ?? 0,
        text: b.text,
        author_id: editor.id,
        client_id: b.clientId ?? null,
        created_at: new Date().toISOString(),
      });
      ctx.logger.info({ ticker: tickerId, push: row.id, seq: row.seq, by: editor.id }, 'manual push sent');
      ctx.push?.changed();
      return { created: true, push: toManual(row, await count()) };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // The same clientId at once from another request: that one made it.
      const raced = b.clientId ? await findManualByClientId(ctx.db, tickerId, b.clientId) : undefined;
      if (raced) return { created: false, push: toManual(raced, await count()) };
      // Another manual push of the ticker took the same number: take the next.
      if (attempt >= 4) throw err;
    }
  }
}
