import type { Db } from '../db/database';
import type { Logger } from '../logger';
import type { ChangePublisher } from '../realtime/publisher';
import type { Write } from '../db/commit';
import { MarkedSweep } from '../db/marked-sweep';
import type { Marked } from '../db/marked-sweep';
import { flushVotesIn } from './questions.service';
import { dirtyQuestions } from './questions.repo';

/**
 * Publishes the vote counts of questions on every node (as PollSweep does for polls): a vote
 * keeps the exact count on the row and marks it (`votes_dirty`) in its own transaction; a round
 * claims each marked row at most once every `votesGapMs` over all nodes (the claim is the row's
 * `votes_published_at`), so a flood of votes makes one `question.updated` a second per question,
 * and the count after the last vote is in the next one.
 */
export class QuestionSweep extends MarkedSweep {
  constructor(opts: { db: Db; publisher: ChangePublisher; logger: Logger; intervalMs: number; votesGapMs: number }) {
    super({ ...opts, gapMs: opts.votesGapMs, name: 'question sweep', module: 'questions', failure: 'could not publish question vote counts; the next round tries again', perRound: 100 });
  }

  protected marked(db: Db, limit: number): Promise<Marked[]> {
    return dirtyQuestions(db, limit);
  }

  protected publish(w: Write, question: Marked, now: Date, gapMs: number): Promise<'later' | 'done'> {
    return flushVotesIn(w, question.ticker_id, question.id, now, gapMs);
  }
}
