import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { Rounds } from '../lifecycle';
import type { ChangePublisher } from '../realtime/publisher';
import { commit } from '../db/commit';
import { closeIn, flushIn } from './polls.service';
import { dirtyPolls, duePolls } from './polls.repo';

/** Polls looked at per round. */
const PER_ROUND = 100;

/**
 * The time-driven changes of polls, on every node (as the scheduler; each change is claimed in
 * its own transaction, so one node makes it):
 *
 * - a poll whose `closesAt` has come is closed (the change every reader gets at once);
 * - a poll with votes the stream does not show yet (`poll_dirty`, marked after each vote
 *   committed) gets its counts published, at most once per `resultsGapMs` over every node (the
 *   claim is the row's `poll_results_at`), so a flood of votes makes one change a second and
 *   the last vote is in the next one. The mark is deleted in the transaction that counts, before
 *   it counts: a vote marked before that is counted, one marked after leaves a mark for the next
 *   round. A vote whose node died between its commit and its mark shows with the next vote or
 *   the close.
 */
export class PollSweep extends Rounds {
  constructor(private readonly opts: { db: Db; publisher: ChangePublisher; logger: Logger; intervalMs: number; resultsGapMs: number }) {
    super('poll sweep', opts.intervalMs, opts.logger.child({ module: 'polls' }), 'could not close polls or publish their counts; the next round tries again');
  }

  protected round(): Promise<number> {
    return this.sweep();
  }

  /** One round as of `now`; resolves how many changes it made. */
  async sweep(now: Date = new Date()): Promise<number> {
    let made = 0;
    for (const due of await duePolls(this.opts.db, now.toISOString(), PER_ROUND)) {
      const closed = await commit(this.opts, (w) => closeIn(w, due.ticker_id, due.id, now.toISOString(), now.toISOString()));
      if (!closed) continue; // another node was first
      made++;
      this.log.info({ ticker: due.ticker_id, entry: due.id, rev: closed.rev }, 'poll closed at its time');
    }
    for (const dirty of await dirtyPolls(this.opts.db, PER_ROUND)) {
      const out = await commit(this.opts, (w) => flushIn(w, dirty.ticker_id, dirty.entry_id, now, this.opts.resultsGapMs));
      if (out && out !== 'later') made++;
    }
    return made;
  }
}
