import type { Server as IoServer } from 'socket.io';
import type { Cluster, Redis } from 'ioredis';
import { SOCKET_EVENTS, chatStream, tickerStream } from '@liveticker/schemas';
import type { Logger } from '../logger';

/** A node's reports are trusted this long; a node that died drops out after it, ms. */
const STALE_MS = 5000;
/** Longest wait between two `presence` pushes to a big room, ms. */
const MAX_PUSH_GAP_MS = 10_000;

/**
 * Least time between two `presence` pushes to a ticker whose largest room here has `sockets`
 * sockets: every second for up to a thousand, then one millisecond per socket (at most 10 s).
 * A push costs one write per socket, so a big audience's count costs about a thousand writes a
 * second however fast it changes (a reconnect storm changes it every second), not one per reader
 * per second.
 */
export function pushGapMs(sockets: number, intervalMs = 1000): number {
  return Math.min(MAX_PUSH_GAP_MS, Math.max(intervalMs, sockets));
}

/** Reader counts per ticker, summed over every node. */
export interface PresenceStore {
  /** This node's counts (0 for tickers it no longer has readers of). */
  report(nodeId: string, counts: Map<string, number>): Promise<void>;
  totals(tickerIds: string[]): Promise<Map<string, number>>;
}

/** For nodes sharing one process (tests) or a lone node. */
export class MemoryPresence implements PresenceStore {
  private readonly byNode = new Map<string, { at: number; counts: Map<string, number> }>();
  async report(nodeId: string, counts: Map<string, number>): Promise<void> {
    this.byNode.set(nodeId, { at: Date.now(), counts: new Map(counts) });
  }
  /** A node that stopped (a worker that exited): its readers are gone at once, not when stale. */
  forget(nodeId: string): void {
    this.byNode.delete(nodeId);
  }
  async totals(tickerIds: string[]): Promise<Map<string, number>> {
    const out = new Map(tickerIds.map((id) => [id, 0]));
    for (const [nodeId, { at, counts }] of this.byNode) {
      if (Date.now() - at > STALE_MS) {
        this.byNode.delete(nodeId);
        continue;
      }
      for (const id of tickerIds) out.set(id, out.get(id)! + (counts.get(id) ?? 0));
    }
    return out;
  }
}

/**
 * One Redis hash per ticker: field = node id, value = "count:timestamp". The keys share one hash
 * tag, so a node's pipeline of them stays on one slot of a Redis Cluster.
 */
export class RedisPresence implements PresenceStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}
  private key(tickerId: string) {
    return `${this.prefix}{presence}:${tickerId}`;
  }
  async report(nodeId: string, counts: Map<string, number>): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const [id, n] of counts) {
      if (n > 0) pipe.hset(this.key(id), nodeId, `${n}:${Date.now()}`);
      else pipe.hdel(this.key(id), nodeId);
      pipe.pexpire(this.key(id), STALE_MS * 4);
    }
    await pipe.exec();
  }
  async totals(tickerIds: string[]): Promise<Map<string, number>> {
    const pipe = this.redis.pipeline();
    for (const id of tickerIds) pipe.hgetall(this.key(id));
    const results = (await pipe.exec()) ?? [];
    const out = new Map<string, number>();
    tickerIds.forEach((id, i) => {
      const fields = (results[i]?.[1] ?? {}) as Record<string, string>;
      let sum = 0;
      for (const v of Object.values(fields)) {
        const [n, at] = v.split(':').map(Number);
        if (Date.now() - at <= STALE_MS) sum += n;
      }
      out.set(id, sum);
    });
    return out;
  }
}

/**
 * Who a socket's reader is, so one reader's tabs count once: the user when logged in, else the
 * browser's `readerId` (from the SDK) at the socket's address, else the socket itself. A forged
 * `readerId` per socket buys no more than MAX_SOCKETS_PER_IP.
 */
export function readerKey(socketId: string, data: { actor?: { id: string }; ipKey?: string; readerId?: string } | undefined): string {
  if (data?.actor) return `u:${data.actor.id}`;
  if (data?.readerId) return `r:${data.ipKey ?? ''}:${data.readerId}`;
  return `s:${socketId}`;
}

/** The ticker whose readers a room counts (`ticker:<id>`, `chat:<id>`), or undefined. */
function presenceTicker(room: string): string | undefined {
  const m = /^(ticker|chat):(.+)$/.exec(room);
  return m ? m[2] : undefined;
}

/**
 * Once a second: counts this node's readers per ticker (sockets following its ticker or chat
 * stream, each socket once), reports them, and pushes `presence` to the rooms whose total
 * changed — at most once a second, and less often to big rooms (pushGapMs).
 */
export class Presence {
  readonly name = 'presence';
  private timer?: NodeJS.Timeout;
  /** The total last pushed per ticker, and when. */
  private readonly last = new Map<string, { readers: number; at: number }>();
  private reported = new Set<string>();
  private running = false;
  /** The readers of each ticker this node has readers of, over every node, as of the last tick. */
  private latest = new Map<string, number>();

  constructor(
    private readonly opts: {
      io: IoServer;
      store: PresenceStore;
      nodeId: string;
      logger: Logger;
      intervalMs?: number;
      /** How an event reaches a room's sockets (default: Socket.IO's broadcast; see frames.ts). */
      sendToRoom?: (room: string, event: string, data: unknown) => void;
    },
  ) {}

  start(): void {
    const adapter = this.opts.io.of('/').adapter;
    adapter.on('join-room', this.joined);
    adapter.on('leave-room', this.left);
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * This node's readers per ticker, kept as sockets join and leave the ticker's and chat's rooms:
   * reader key → how many of those rooms its sockets are in. A tick reads the sizes (one per
   * ticker) instead of walking every socket of every room each second.
   */
  private readonly readers = new Map<string, Map<string, number>>();
  /**
   * The key each socket counts under and in how many of the counted rooms it is, so its leaves take
   * back what its joins added. Taken at its first join: who a socket's reader is does not change
   * while it is open (its login only ends, and then it is cut off).
   */
  private readonly sockets = new Map<string, { key: string; rooms: number }>();
  /**
   * Sockets that joined a counted room since the last tick, per room: a push goes only where the
   * total changed, so a socket that joins an audience whose number stays the same (a reader's second
   * tab, a reconnect) is told it on its own at the next tick.
   */
  private readonly fresh = new Map<string, Set<string>>();

  private readonly joined = (room: string, socketId: string): void => {
    const tickerId = presenceTicker(room);
    if (tickerId === undefined) return;
    // The adapter reports a join only when the socket was not in the room.
    let mine = this.sockets.get(socketId);
    if (!mine) this.sockets.set(socketId, (mine = { key: readerKey(socketId, this.opts.io.of('/').sockets.get(socketId)?.data), rooms: 0 }));
    mine.rooms++;
    let joiners = this.fresh.get(room);
    if (!joiners) this.fresh.set(room, (joiners = new Set()));
    joiners.add(socketId);
    let counts = this.readers.get(tickerId);
    if (!counts) this.readers.set(tickerId, (counts = new Map()));
    counts.set(mine.key, (counts.get(mine.key) ?? 0) + 1);
  };

  private readonly left = (room: string, socketId: string): void => {
    const tickerId = presenceTicker(room);
    const mine = this.sockets.get(socketId);
    if (tickerId === undefined || !mine) return;
    const joiners = this.fresh.get(room);
    if (joiners?.delete(socketId) && joiners.size === 0) this.fresh.delete(room);
    if (--mine.rooms === 0) this.sockets.delete(socketId);
    const counts = this.readers.get(tickerId)!;
    const n = counts.get(mine.key)! - 1;
    if (n > 0) counts.set(mine.key, n);
    else counts.delete(mine.key);
    if (counts.size === 0) this.readers.delete(tickerId);
  };

  private localCounts(): Map<string, number> {
    return new Map([...this.readers].map(([id, counts]) => [id, counts.size]));
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const counts = this.localCounts();
      for (const id of this.reported) if (!counts.has(id)) counts.set(id, 0);
      await this.opts.store.report(this.opts.nodeId, counts);
      this.reported = new Set([...counts].filter(([, n]) => n > 0).map(([id]) => id));
      const totals = await this.opts.store.totals([...this.reported]);
      this.latest = totals;
      const rooms = this.opts.io.of('/').adapter.rooms;
      const now = performance.now();
      const intervalMs = this.opts.intervalMs ?? 1000;
      for (const [id, readers] of totals) {
        const streams = [tickerStream(id), chatStream(id)];
        const last = this.last.get(id);
        const sockets = Math.max(...streams.map((s) => rooms.get(s)?.size ?? 0));
        // Half an interval of slack: a tick whose store answered faster than the last one's is
        // not held back a whole second by those milliseconds.
        const due = !last || (last.readers !== readers && now - last.at + intervalMs / 2 >= pushGapMs(sockets, intervalMs));
        if (due) this.last.set(id, { readers, at: now });
        for (const stream of streams) {
          const data = { stream, readers };
          if (due) {
            if (this.opts.sendToRoom) this.opts.sendToRoom(stream, SOCKET_EVENTS.presence, data);
            else this.opts.io.to(stream).emit(SOCKET_EVENTS.presence, data);
          } else if (last?.readers === readers) {
            // The number the rest of the room knows, to the sockets that came since. (When it
            // changed, they get it with the room's next push: no write each in a reconnect storm.)
            for (const socketId of this.fresh.get(stream) ?? []) this.opts.io.of('/').sockets.get(socketId)?.emit(SOCKET_EVENTS.presence, data);
          }
          this.fresh.delete(stream);
        }
      }
      for (const id of this.last.keys()) if (!this.reported.has(id)) this.last.delete(id);
    } catch (err) {
      this.opts.logger.warn({ err, module: 'presence' }, 'presence update failed');
    } finally {
      this.running = false;
    }
  }

  /** Readers per ticker over every node, for the tickers this node has readers of (analytics' samples). */
  readonly online = (): Map<string, number> => this.latest;

  stop(): void {
    clearInterval(this.timer);
    const adapter = this.opts.io.of('/').adapter;
    adapter.off('join-room', this.joined);
    adapter.off('leave-room', this.left);
  }
}
