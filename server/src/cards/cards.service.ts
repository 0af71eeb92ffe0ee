import { MAX_CARDS_PER_TICKER, PutCardBody, tickerStream } from '@liveticker/schemas';
import type { Card, CardList } from '@liveticker/schemas';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import type { AppContext } from '../context';
import { commit } from '../db/commit';
import type { Write } from '../db/commit';
import type { CardsTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { tickerExists } from '../tickers/tickers.repo';
import { claimCard, countLiveCards, findCard, liveCards, publishedEntryExists, saveCard, setCardRev, toCard } from './cards.repo';

type Ctx = Pick<AppContext, 'db' | 'publisher' | 'config'>;

/**
 * Puts a card's state on its ticker's stream when its last published change is `gapMs` old or
 * more (or it never had one): takes the stream's next revision and records `card.updated` (or
 * `card.deleted`). Otherwise the row stays marked (`dirty`) for the card sweep. The claim is the
 * row's `published_at`, written under the stream's lock, so over every node a card's changes are
 * at least `gapMs` apart, and the state after the last write always goes out (by the sweep).
 */
export async function publishCardIn(w: Write, tickerId: string, id: string, now: Date, gapMs: number): Promise<'later' | 'done'> {
  const stream = tickerStream(tickerId);
  // The stream's lock before the row's, as every writer of the ticker takes them.
  await w.lock(stream);
  const claimed = await claimCard(w.trx, tickerId, id, now.toISOString(), new Date(now.getTime() - gapMs).toISOString());
  if (!claimed) return 'later';
  const rev = await w.rev(stream);
  await setCardRev(w.trx, tickerId, id, rev);
  const card = toCard({ ...claimed, rev });
  w.record(stream, { rev, type: card.deletedAt ? 'card.deleted' : 'card.updated', data: card });
  return 'done';
}

/** Editors, or an API token limited to cards (its owner an editor): a data feed. */
function requireCardWriter(actor: Actor | undefined): Actor {
  return requireRole(actor, 'editor');
}

/**
 * `PUT /tickers/:id/cards/:cardId`: stores the card at once (its version + 1) and publishes it
 * now or, within `cards.gapMs` of its last change, by the sweep. With `version` the write is an
 * editor's form: refused with 409 when the card is at another version (or gone). Without it the
 * card is replaced, whatever it holds (a feed: the last write wins).
 */
export async function putCard(ctx: Ctx, actor: Actor | undefined, tickerId: string, id: string, body: unknown, now = new Date()): Promise<{ card: Card; created: boolean }> {
  requireCardWriter(actor);
  const input = parseInput(PutCardBody, body, 'card');
  return commit(ctx, async (w) => {
    await w.lock(tickerStream(tickerId));
    if (!(await tickerExists(w.trx, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
    const current = await findCard(w.trx, tickerId, id);
    const live = current && !current.deleted_at ? current : undefined;
    if (input.version !== undefined && live?.version !== input.version) {
      throw new AppError('conflict', live ? 'the card was changed meanwhile; reload it and edit again' : 'the card was deleted meanwhile', { currentVersion: live?.version ?? null });
    }
    // Under the stream's lock: two new cards at once cannot both take the last place.
    if (!live && (await countLiveCards(w.trx, tickerId)) >= MAX_CARDS_PER_TICKER) {
      throw new AppError('conflict', `a ticker holds at most ${MAX_CARDS_PER_TICKER} cards; delete one first`, { limit: MAX_CARDS_PER_TICKER });
    }
    if (input.entryId && !(await publishedEntryExists(w.trx, tickerId, input.entryId))) {
      throw new AppError('validation_failed', 'invalid card', [{ path: 'entryId', message: `no published entry ${input.entryId} in this ticker` }]);
    }
    const at = now.toISOString();
    const row: CardsTable = {
      ticker_id: tickerId,
      id,
      type: input.type,
      data: JSON.stringify(input.data),
      version: (current?.version ?? 0) + 1,
      pinned: (input.pinned ?? live?.pinned === 1) ? 1 : 0,
      entry_id: input.entryId === undefined ? (live?.entry_id ?? null) : input.entryId,
      rev: current?.rev ?? 0,
      dirty: 1,
      published_at: current?.published_at ?? null,
      created_at: live?.created_at ?? at,
      updated_at: at,
      deleted_at: null,
    };
    await saveCard(w.trx, row, Boolean(current));
    await publishCardIn(w, tickerId, id, now, ctx.config.cards.gapMs);
    return { card: toCard((await findCard(w.trx, tickerId, id))!), created: !live };
  });
}

/** `DELETE /tickers/:id/cards/:cardId`: leaves a tombstone, published like any change of the card. */
export async function deleteCard(ctx: Ctx, actor: Actor | undefined, tickerId: string, id: string, now = new Date()): Promise<Card> {
  requireCardWriter(actor);
  return commit(ctx, async (w) => {
    await w.lock(tickerStream(tickerId));
    const current = await findCard(w.trx, tickerId, id);
    if (!current || current.deleted_at) throw new AppError('not_found', `no card ${id} in ticker ${tickerId}`);
    const at = now.toISOString();
    await saveCard(w.trx, { ...current, version: current.version + 1, dirty: 1, updated_at: at, deleted_at: at }, true);
    await publishCardIn(w, tickerId, id, now, ctx.config.cards.gapMs);
    return toCard((await findCard(w.trx, tickerId, id))!);
  });
}

/** `GET /tickers/:id/cards`: the ticker's cards as they now stand (pinned first). */
export async function listCards(ctx: Pick<AppContext, 'db'>, tickerId: string): Promise<CardList> {
  if (!(await tickerExists(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  return { items: (await liveCards(ctx.db, tickerId)).map(toCard) };
}

/** A ticker's cards for the rendered page and the feeds. */
export async function cardsOf(ctx: Pick<AppContext, 'db'>, tickerId: string): Promise<Card[]> {
  return (await liveCards(ctx.db, tickerId)).map(toCard);
}
