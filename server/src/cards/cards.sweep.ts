import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { Rounds } from '../lifecycle';
import type { ChangePublisher } from '../realtime/publisher';
import { commit } from '../db/commit';
import { publishCardIn } from './cards.service';
import { dirtyCards } from './cards.repo';

/** Cards looked at per round. */
const PER_ROUND = 200;

/**
 * Publishes the cards whose last write could not go out at once (it came within `gapMs` of the
 * card's last published change), on every node: each marked card is claimed at most once every
 * `gapMs` over all nodes (the claim is the row's `published_at`), so a feed pushing 10 writes a
 * second makes two `card.updated` a second, and the state after the last write is in the next.
 */
export class CardSweep extends Rounds {
  constructor(private readonly opts: { db: Db; publisher: ChangePublisher; logger: Logger; intervalMs: number; gapMs: number }) {
    super({ name: 'card sweep', intervalMs: opts.intervalMs, log: opts.logger.child({ module: 'cards' }), failure: 'could not publish cards; the next round tries again' });
  }

  protected round(): Promise<number> {
    return this.sweep();
  }

  /** One round as of `now`; resolves how many cards it published. */
  async sweep(now: Date = new Date()): Promise<number> {
    let made = 0;
    for (const dirty of await dirtyCards(this.opts.db, PER_ROUND)) {
      if ((await commit(this.opts, (w) => publishCardIn(w, dirty.ticker_id, dirty.id, now, this.opts.gapMs))) === 'done') made++;
    }
    return made;
  }
}
