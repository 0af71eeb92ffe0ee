import { questionsPublicityChanged } from '../questions/publicity';
import { CreateTickerBody, PatchTickerBody, publicQuestionsStream, questionsStream, tickerStream, tickerStreams } from '@liveticker/schemas';
import type { ChatMode, Ticker } from '@liveticker/schemas';
import { z } from 'zod';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { isUniqueViolation } from '../db/database';
import { commit, createStreams } from '../db/commit';
import type { Write } from '../db/commit';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { AppError, parseInput } from '../errors';
import { findTicker, insertTicker, listTickers, toTicker, updateTicker } from './tickers.repo';
import { slugify } from './slug';
import { unpinOldest } from './entries.service';

type Ctx = Pick<AppContext, 'db' | 'publisher'>;

export async function getTicker(ctx: Pick<AppContext, 'db'>, id: string): Promise<Ticker> {
  const ticker = await findTicker(ctx.db, id);
  if (!ticker) throw new AppError('not_found', `no ticker ${id}`);
  return ticker;
}

const TickerCursor = z.object({ c: z.string(), i: z.string() });
export const ListTickersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
  status: z.enum(['scheduled', 'live', 'ended']).optional(),
});

export async function listTickersPage(ctx: Pick<AppContext, 'db'>, query: unknown) {
  const q = parseInput(ListTickersQuery, query, 'query');
  const after = q.cursor ? decodeCursor(TickerCursor, q.cursor) : undefined;
  const rows = await listTickers(ctx.db, {
    limit: q.limit + 1,
    status: q.status,
    after: after && { createdAt: after.c, id: after.i },
  });
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor({ c: last.createdAt, i: last.id }) : null };
}

/** A coverage window ends after it starts (a typo in a date would otherwise say "ended" at once). */
function checkCoverage(start: string | null, end: string | null): void {
  if (start && end && Date.parse(end) < Date.parse(start)) {
    throw new AppError('validation_failed', 'invalid ticker', [{ path: 'coverageEnd', message: 'the coverage ends before it starts' }]);
  }
}

export async function createTicker(ctx: Ctx, actor: Actor | undefined, body: unknown): Promise<Ticker> {
  requireRole(actor, 'editor');
  const input = parseInput(CreateTickerBody, body, 'ticker');
  checkCoverage(input.coverageStart ?? null, input.coverageEnd ?? null);
  const id = input.id ?? slugify(input.title);
  const now = new Date().toISOString();
  const taken = () => new AppError('conflict', `the ticker id ${id} is taken`, { id, field: 'id' });
  try {
    return await commit(ctx, async (w) => {
      if (await findTicker(w.trx, id)) throw taken();
      await createStreams(w.trx, [...tickerStreams(id), questionsStream(id), publicQuestionsStream(id)]);
      const change = await w.change(tickerStream(id), 'ticker.updated', async (rev) => {
        const row = {
          id,
          title: input.title,
          description: input.description,
          status: input.status,
          locale: input.locale,
          coverage_start: input.coverageStart ?? null,
          coverage_end: input.coverageEnd ?? null,
          chat_mode: input.chat?.mode ?? 'open',
          slow_mode_seconds: input.chat?.slowModeSeconds ?? 0,
          max_pinned: input.maxPinned,
          require_image_credit: input.requireImageCredit ? 1 : 0,
          questions_public: 0,
          rev,
          created_at: now,
          updated_at: now,
        };
        await insertTicker(w.trx, row);
        return toTicker(row);
      });
      return change.data;
    });
  } catch (err) {
    // Two creates of one id at once: both passed the check, the loser hits the primary key.
    throw isUniqueViolation(err) ? taken() : err;
  }
}

export async function patchTicker(ctx: Ctx, actor: Actor | undefined, id: string, body: unknown): Promise<Ticker> {
  requireRole(actor, 'editor');
  const input = parseInput(PatchTickerBody, body, 'ticker');
  return commit(ctx, async (w) => {
    const current = await findTicker(w.trx, id);
    if (!current) throw new AppError('not_found', `no ticker ${id}`);
    checkCoverage(input.coverageStart === undefined ? current.coverageStart : input.coverageStart, input.coverageEnd === undefined ? current.coverageEnd : input.coverageEnd);
    const change = await w.change(tickerStream(id), 'ticker.updated', (rev) =>
      updateTicker(w.trx, id, {
        ...(input.title !== undefined && { title: input.title }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.status !== undefined && { status: input.status }),
        ...(input.locale !== undefined && { locale: input.locale }),
        ...(input.coverageStart !== undefined && { coverage_start: input.coverageStart }),
        ...(input.coverageEnd !== undefined && { coverage_end: input.coverageEnd }),
        ...(input.chat?.mode !== undefined && { chat_mode: input.chat.mode }),
        ...(input.chat?.slowModeSeconds !== undefined && { slow_mode_seconds: input.chat.slowModeSeconds }),
        ...(input.maxPinned !== undefined && { max_pinned: input.maxPinned }),
        ...(input.requireImageCredit !== undefined && { require_image_credit: input.requireImageCredit ? 1 : 0 }),
        ...(input.questions !== undefined && { questions_public: input.questions.public ? 1 : 0 }),
        rev,
        updated_at: new Date().toISOString(),
      }),
    );
    // Questions made public or private: the readers' stream follows, in the same transaction.
    if (input.questions !== undefined && input.questions.public !== current.questions.public) await questionsPublicityChanged(w, id, input.questions.public);
    // A lower limit unpins the oldest pins beyond it, in the same transaction.
    if (input.maxPinned !== undefined && input.maxPinned < current.maxPinned) await unpinOldest(w, id, input.maxPinned);
    return change.data;
  });
}

/** The room's mode and slow mode, which readers see on the ticker: a `ticker.updated` in `w`. */
export async function setRoomMode(w: Write, id: string, room: { mode?: ChatMode; slowModeSeconds?: number }): Promise<Ticker> {
  const change = await w.change(tickerStream(id), 'ticker.updated', (rev) =>
    updateTicker(w.trx, id, {
      ...(room.mode !== undefined && { chat_mode: room.mode }),
      ...(room.slowModeSeconds !== undefined && { slow_mode_seconds: room.slowModeSeconds }),
      rev,
      updated_at: new Date().toISOString(),
    }),
  );
  return change.data;
}
