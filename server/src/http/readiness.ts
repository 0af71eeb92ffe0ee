import type { Database } from '../db/database';
import type { Redis, Cluster } from 'ioredis';

/** While storage is full, `/readyz` tries a write at most this often, ms. */
const PROBE_EVERY_MS = 2000;

/** A write about the size of an entry, undone in the same transaction: does storage take it? */
async function probeWrite(db: Database['db'], nodeId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('health_probe').values({ node: nodeId, at: new Date().toISOString(), pad: 'x'.repeat(4096) }).execute();
    await trx.deleteFrom('health_probe').where('node', '=', nodeId).execute();
  });
}

/**
 * Whether this node should get traffic. Ready = it is not draining and its database answers.
 * Redis is a helper (throttles fall back to memory, streams heal from the database), so a Redis
 * outage must not make every node unready at once; its state is in /healthz and the metrics.
 */
export class Readiness {
  private drainingSince: number | undefined;
  private lastProbe = 0;

  constructor(private readonly opts: { database: Database; nodeId: string; redis?: Redis | Cluster }) {}

  /** From now on the node answers not ready and takes no new sessions (a deploy, a close). */
  drain(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  async ready(): Promise<{ ok: boolean; reason?: string }> {
    const { database, nodeId } = this.opts;
    if (this.draining) return { ok: false, reason: 'draining' };
    if (database.health.failing) {
      // Disk full: not ready until a small write of our own goes through again.
      if (Date.now() - this.lastProbe < PROBE_EVERY_MS) return { ok: false, reason: 'storage_full' };
      this.lastProbe = Date.now();
      await probeWrite(database.db, nodeId).catch(() => undefined);
      return database.health.failing ? { ok: false, reason: 'storage_full' } : { ok: true };
    }
    await database.db.selectFrom('streams').select('name').limit(1).execute();
    return { ok: true };
  }

  /** For /healthz: the node is alive whatever these say. */
  health(): Record<string, unknown> {
    return { draining: this.draining, redis: this.opts.redis ? this.opts.redis.status : 'off', storage: this.opts.database.health.failing ? 'full' : 'ok' };
  }
}
