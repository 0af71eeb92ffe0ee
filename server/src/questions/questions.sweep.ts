import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { Rounds } from '../lifecycle';
import type { ChangePublisher } from '../realtime/publisher';
import { commit } from '../db/commit';
import { flushVotesIn } from './questions.service';
import { dirtyQuestions } from './questions.repo';

/** Questions looked at per round. */
const PER_ROUND = 100;

/**
 * Publishes the vote counts of questions on every node (as PollSweep does for polls): a vote
 * keeps the exact count on the row and marks it (`votes_dirty`) in its own transaction; a round
 * claims each marked row at most once every `votesGapMs` over all nodes (the claim is the row's
 * `votes_published_at`), so a flood of votes makes one `question.updated` a second per question,
 * and the count after the last vote is in the next one.
 */
export class QuestionSweep extends Rounds {
  constructor(private readonly opts: { db: Db; publisher: ChangePublisher; logger: Logger; intervalMs: number; votesGapMs: number }) {
    super({ name: 'question sweep', intervalMs: opts.intervalMs, log: opts.logger.child({ module: 'questions' }), failure: 'could not publish question vote counts; the next round tries again' });
  }

  protected round(): Promise<number> {
    return this.sweep();
  }

  /** One round as of `now`; resolves how many counts it published. */
  async sweep(now: Date = new Date()): Promise<number> {
    let made = 0;
    for (const dirty of await dirtyQuestions(this.opts.db, PER_ROUND)) {
      if ((await commit(this.opts, (w) => flushVotesIn(w, dirty.ticker_id, dirty.id, now, this.opts.votesGapMs))) === 'done') made++;
    }
    return made;
  }
}
