import type { Db } from '../db/database';
import type { Logger } from '../logger';
import type { ChangePublisher } from '../realtime/publisher';
import type { Write } from '../db/commit';
import { MarkedSweep } from '../db/marked-sweep';
import type { Marked } from '../db/marked-sweep';
import { publishCardIn } from './cards.service';
import { dirtyCards } from './cards.repo';

/**
 * Publishes the cards whose last write could not go out at once (it came within `gapMs` of the
 * card's last published change), on every node: each marked card is claimed at most once every
 * `gapMs` over all nodes (the claim is the row's `published_at`), so a feed pushing 10 writes a
 * second makes two `card.updated` a second, and the state after the last write is in the next.
 */
export class CardSweep extends MarkedSweep {
  constructor(opts: { db: Db; publisher: ChangePublisher; logger: Logger; intervalMs: number; gapMs: number }) {
    super({ ...opts, name: 'card sweep', module: 'cards', failure: 'could not publish cards; the next round tries again', perRound: 200 });
  }

  protected marked(db: Db, limit: number): Promise<Marked[]> {
    return dirtyCards(db, limit);
  }

  protected publish(w: Write, card: Marked, now: Date, gapMs: number): Promise<'later' | 'done'> {
    return publishCardIn(w, card.ticker_id, card.id, now, gapMs);
  }
}
