import type { Db } from './database';
import type { Logger } from '../logger';
import { Rounds } from '../lifecycle';
import type { ChangePublisher } from '../realtime/publisher';
import { commit } from './commit';
import type { Write } from './commit';

/** A marked row of a ticker's: what a round looks at. */
export interface Marked {
  id: string;
  ticker_id: string;
}

/**
 * The rounds shared by the coalesced changes (a question's vote count, a card): each round takes
 * up to `perRound` marked rows and has `publish` claim each in a transaction of its own ('done'
 * when it published, 'later' when the row's last publication is too recent: the mark stays).
 */
export abstract class MarkedSweep extends Rounds {
  constructor(
    private readonly sweepOpts: { db: Db; publisher: ChangePublisher; logger: Logger; intervalMs: number; gapMs: number; name: string; module: string; failure: string; perRound: number },
  ) {
    super({ name: sweepOpts.name, intervalMs: sweepOpts.intervalMs, log: sweepOpts.logger.child({ module: sweepOpts.module }), failure: sweepOpts.failure });
  }

  protected abstract marked(db: Db, limit: number): Promise<Marked[]>;
  protected abstract publish(w: Write, row: Marked, now: Date, gapMs: number): Promise<'later' | 'done'>;

  protected round(): Promise<number> {
    return this.sweep();
  }

  /** One round as of `now`; resolves how many changes it published. */
  async sweep(now: Date = new Date()): Promise<number> {
    let made = 0;
    for (const row of await this.marked(this.sweepOpts.db, this.sweepOpts.perRound)) {
      if ((await commit(this.sweepOpts, (w) => this.publish(w, row, now, this.sweepOpts.gapMs))) === 'done') made++;
    }
    return made;
  }
}
