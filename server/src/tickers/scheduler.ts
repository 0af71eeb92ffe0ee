import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { Rounds } from '../lifecycle';
import type { ChangePublisher } from '../realtime/publisher';
import { dueEntries, unscheduleEntry } from './entries.repo';
import { publishIn } from './entries.service';
import { recordVersions } from './versions.repo';
import { commit } from '../db/commit';
import { AppError } from '../errors';

/**
 * Publishes scheduled entries when their time comes. Every node looks every `intervalMs` (and at
 * start, so an entry whose time passed while every node was down goes out when the first one
 * starts); each entry is claimed in its publishing transaction, so exactly one node publishes it.
 */
export class EntryScheduler extends Rounds {
  constructor(private readonly opts: { db: Db; publisher: ChangePublisher; logger: Logger; intervalMs: number }) {
    super('scheduler', opts.intervalMs, opts.logger.child({ module: 'scheduler' }), 'could not publish scheduled entries');
  }

  protected round(): Promise<number> {
    return this.publishDue();
  }

  async publishDue(): Promise<number> {
    let published = 0;
    const now = new Date().toISOString();
    for (const due of await dueEntries(this.opts.db, now, 50)) {
      let changes;
      try {
        changes = await commit(this.opts, async (w) => {
          // Still due when claimed: an editor may have moved it since the list was read.
          const out = await publishIn(w, due.ticker_id, due.id, ['scheduled'], now);
          if (out) await recordVersions(w.trx, out, undefined);
          return out;
        });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        // Refused at its time (the ticker began asking for picture credits since): back to the
        // desk's drafts, with the reason in the log, instead of trying again every second.
        await unscheduleEntry(this.opts.db, due.id);
        this.log.warn({ ticker: due.ticker_id, entry: due.id, reason: err.message, details: err.details }, 'scheduled entry refused at its time: kept as a draft');
        continue;
      }
      if (!changes) continue; // another node was first
      published++;
      this.log.info({ ticker: due.ticker_id, entry: due.id, rev: changes[changes.length - 1]!.rev }, 'scheduled entry published');
    }
    return published;
  }
}
