import type { Cluster, Redis } from 'ioredis';

/** A node's counts are trusted this long without a refresh; a node that died drops out after it, ms. */
const STALE_MS = 15_000;

/**
 * Sockets per client address over every node, so MAX_SOCKETS_PER_IP holds behind a load balancer.
 * Each node counts its own; a handshake is let in when the sum over live nodes stays within the
 * limit. Counts of a node that died expire with its heartbeat.
 */
export interface ConnectionStore {
  /** Counts one more socket of `ip` on `nodeId` if every node's together stay within `max`. */
  acquire(nodeId: string, ip: string, max: number): Promise<boolean>;
  release(nodeId: string, ip: string): Promise<void>;
  /** Rewrites this node's counts (heals drift, keeps the node alive). */
  refresh(nodeId: string, counts: Map<string, number>): Promise<void>;
}

/** For nodes of one process (tests) or a lone node. */
export class MemoryConnections implements ConnectionStore {
  private readonly byNode = new Map<string, { at: number; counts: Map<string, number> }>();

  private node(nodeId: string) {
    let n = this.byNode.get(nodeId);
    if (!n) this.byNode.set(nodeId, (n = { at: Date.now(), counts: new Map() }));
    return n;
  }

  /** A node that stopped (a worker that exited): its sockets are gone at once, not when stale. */
  forget(nodeId: string): void {
    this.byNode.delete(nodeId);
  }

  async acquire(nodeId: string, ip: string, max: number): Promise<boolean> {
    let total = 0;
    for (const [id, { at, counts }] of this.byNode) {
      if (id === nodeId || Date.now() - at <= STALE_MS) total += counts.get(ip) ?? 0;
      else this.byNode.delete(id);
    }
    if (total >= max) return false;
    const { counts } = this.node(nodeId);
    counts.set(ip, (counts.get(ip) ?? 0) + 1);
    return true;
  }

  async release(nodeId: string, ip: string): Promise<void> {
    const { counts } = this.node(nodeId);
    const n = (counts.get(ip) ?? 0) - 1;
    if (n > 0) counts.set(ip, n);
    else counts.delete(ip);
  }

  async refresh(nodeId: string, counts: Map<string, number>): Promise<void> {
    this.byNode.set(nodeId, { at: Date.now(), counts: new Map(counts) });
  }
}

/**
 * In Redis: a hash per node (address → sockets) and a sorted set of nodes by last heartbeat. The
 * keys share one hash tag, so the script runs on one slot of a Redis Cluster too.
 */
const ACQUIRE = `
local nodes = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
local total = 0
for _, node in ipairs(nodes) do
  if node ~= ARGV[5] then total = total + tonumber(redis.call('HGET', ARGV[4] .. node, ARGV[2]) or '0') end
end
total = total + tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if total >= tonumber(ARGV[3]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return 1
`;

const RELEASE = `
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left
`;

export class RedisConnections implements ConnectionStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  private get base() {
    return `${this.prefix}{conns}:`;
  }

  async acquire(nodeId: string, ip: string, max: number): Promise<boolean> {
    const res = await this.redis.eval(ACQUIRE, 2, `${this.base}nodes`, `${this.base}${nodeId}`, Date.now() - STALE_MS, ip, max, this.base, nodeId);
    return res === 1;
  }

  async release(nodeId: string, ip: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, `${this.base}${nodeId}`, ip);
  }

  async refresh(nodeId: string, counts: Map<string, number>): Promise<void> {
    const key = `${this.base}${nodeId}`;
    const multi = this.redis.multi().del(key);
    if (counts.size) multi.hset(key, Object.fromEntries(counts));
    multi
      .pexpire(key, STALE_MS * 2)
      .zadd(`${this.base}nodes`, Date.now(), nodeId)
      .zremrangebyscore(`${this.base}nodes`, '-inf', Date.now() - STALE_MS * 4);
    await multi.exec();
  }
}
