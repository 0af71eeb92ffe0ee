import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { prune, sampleOnline } from './analytics.service';

/**
 * Every `sampleMs` (10 s): the readers online of the tickers this node has readers of (the totals
 * over every node that presence keeps) into the minute's peak; every `pruneMs`: old rows pruned
 * and rolled up. Both write values, never increments, so every node may do both.
 */
export class AnalyticsSampler {
  readonly name = 'analytics';
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    private readonly opts: { db: Db; logger: Logger; online: () => Map<string, number>; sampleMs: number; pruneMs: number; retentionDays: number },
  ) {
    this.log = opts.logger.child({ module: 'analytics' });
  }

  start(): void {
    const every = (ms: number, what: string, run: () => Promise<void>) => {
      const t = setInterval(() => {
        this.running = this.running.then(run).catch((err: unknown) => this.log.warn({ err }, `${what} failed; the next round tries again`));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.sampleMs, 'sampling readers online', () => sampleOnline(this.opts.db, this.opts.online()));
    every(this.opts.pruneMs, 'pruning analytics', () => prune(this.opts.db, this.opts.retentionDays));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.running;
  }
}
