import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logger';
import { BUS_VERSION } from './bus';
import type { Bus, ControlEnvelope } from './bus';

/** Blocks a node keeps in memory at most; past it, the expired ones are dropped first. */
const MAX_BLOCKS = 100_000;

/**
 * Readers cut off for flooding (a user, else an address), kept out of every node for a while.
 * Each node holds every block in memory, so a handshake asks no one: a reconnect storm's ten
 * thousand handshakes cost no Redis round trip each. A block is announced on the bus and written
 * to one Redis sorted set (member: the reader, score: until when); a node reads the set when it
 * starts and after the bus was away, so it also knows the blocks it did not hear about.
 * Without Redis, blocks reach the nodes alive on the bus (a restarted worker misses the earlier ones).
 */
export class FloodBlocks {
  private readonly until = new Map<string, number>();
  private readonly log: Logger;

  constructor(
    private readonly opts: { redis?: Redis | Cluster; prefix: string; bus: Bus; nodeId: string; logger: Logger },
  ) {
    this.log = opts.logger.child({ module: 'flood-blocks' });
  }

  private get key(): string {
    return `${this.opts.prefix}{flood}:blocks`;
  }

  /** Reads the blocks that still hold from Redis (at start, and after the bus was away). */
  async load(): Promise<void> {
    const redis = this.opts.redis;
    if (!redis) return;
    const now = Date.now();
    const got = await redis.zrangebyscore(this.key, now, '+inf', 'WITHSCORES');
    for (let i = 0; i + 1 < got.length; i += 2) this.note(got[i], Number(got[i + 1]));
    await redis.zremrangebyscore(this.key, '-inf', now);
  }

  /** Keeps `reader` out of every node for `seconds`. */
  async block(reader: string, seconds: number): Promise<void> {
    const until = Date.now() + seconds * 1000;
    this.note(reader, until);
    const msg: ControlEnvelope = { v: BUS_VERSION, node: this.opts.nodeId, type: 'flood.blocked', data: { reader, until } };
    await Promise.all([
      this.opts.redis?.zadd(this.key, until, reader).catch((err: unknown) => this.log.warn({ err }, 'could not store a flood block')),
      this.opts.bus.publishControl(msg).catch((err: unknown) => this.log.warn({ err }, 'could not announce a flood block')),
    ]);
  }

  /** A block another node announced. */
  receive(msg: ControlEnvelope): void {
    const { reader, until } = msg.data;
    if (typeof reader === 'string' && typeof until === 'number' && Number.isFinite(until)) this.note(reader, until);
  }

  /** How many seconds `reader` is still kept out (0: not at all). */
  remaining(reader: string): number {
    const until = this.until.get(reader);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.until.delete(reader);
    return 0;
  }

  private note(reader: string, until: number): void {
    if (until <= Date.now()) return;
    if (this.until.size >= MAX_BLOCKS) {
      for (const [k, u] of this.until) if (u <= Date.now()) this.until.delete(k);
      // Still full of live blocks (a flood of distinct addresses): the oldest give way.
      for (const k of this.until.keys()) {
        if (this.until.size < MAX_BLOCKS) break;
        this.until.delete(k);
      }
    }
    this.until.set(reader, Math.max(until, this.until.get(reader) ?? 0));
  }
}
