import type { Change } from '@liveticker/schemas';
import type { ChangeSource } from '../realtime/changelog';
import { entriesChangedSince } from './entries.repo';
import { findTicker } from './tickers.repo';
import { cardsChangedSince, toCard } from '../cards/cards.repo';

/**
 * Changes of `ticker:<id>` after `since`: the ticker's meta (if it changed) and every entry whose
 * last change is newer, each once in its current state, in rev order. An entry created after
 * `since` is `entry.created` even if edited since; a tombstone is `entry.deleted`.
 */
export const tickerChanges: ChangeSource = async (db, tickerId, since, head, limit) => {
  const [ticker, entries, cards] = await Promise.all([findTicker(db, tickerId), entriesChangedSince(db, tickerId, since, limit), cardsChangedSince(db, tickerId, since, head, limit)]);
  const changes: Change[] = [];
  for (const e of entries) {
    if (e.rev > head) break;
    const type = e.deletedAt ? 'entry.deleted' : e.seq > since ? 'entry.created' : 'entry.updated';
    changes.push({ rev: e.rev, type, data: e });
  }
  for (const c of cards) changes.push({ rev: c.rev, type: c.deleted_at ? 'card.deleted' : 'card.updated', data: toCard(c) });
  if (ticker && ticker.rev > since && ticker.rev <= head) changes.push({ rev: ticker.rev, type: 'ticker.updated', data: ticker });
  // Each list is in rev order and cut at `limit`: the first `limit` of them together are a prefix.
  if (cards.length || changes.some((c) => c.type === 'ticker.updated')) changes.sort((a, b) => a.rev - b.rev);
  return changes.slice(0, limit);
};
