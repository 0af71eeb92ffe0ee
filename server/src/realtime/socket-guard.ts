import type { Server as IoServer, Socket } from 'socket.io';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { limitKey, requestIp } from '../http/client-ip';
import type { ConnectionStore } from './connections';
import type { FloodBlocks } from './flood-blocks';

/** How long a socket cut off for flooding keeps its reader (user, else address) out, seconds. */
export const FLOOD_BLOCK_SECONDS = 60;
/** How often this node rewrites its per-address counts (heartbeat), ms. */
const REFRESH_MS = 5000;
/** How often outgoing buffers are looked at, ms. */
const SWEEP_MS = 1000;

export interface SocketGuardOptions {
  io: IoServer;
  store: ConnectionStore;
  nodeId: string;
  logger: Logger;
  metrics: Metrics;
  /** Readers cut off for flooding, known to every node (flood-blocks.ts). */
  blocks: FloodBlocks;
  /** Finds the client's address as Express does (TRUST_PROXY). */
  trust: (addr: string, hop: number) => boolean;
  /** Sockets per client address over every node (0: no limit). */
  maxPerIp: number;
  /** A socket whose unsent output passes this many bytes is cut off as too slow. */
  maxBufferBytes: number;
}

/**
 * Kept on an Engine.IO connection until it closes: the address key whose places it holds, and how
 * many (one per namespace connect on it, which is one but for a client that connects again).
 */
const HELD_KEY = Symbol('liveticker.heldKey');
const HELD_PLACES = Symbol('liveticker.heldPlaces');
/** The handshake request's address key, found once in `allowRequest` and read again in `admit`. */
const REQ_KEY = Symbol('liveticker.ipKey');
interface HoldingConn {
  [HELD_KEY]?: string;
  [HELD_PLACES]?: number;
}

/** What the guard keeps on each socket. */
export interface GuardedData {
  /** The client's address as its limits count it (IPv6: the /64). */
  ipKey?: string;
  /** Set once the socket holds one of its address's places. */
  counted?: boolean;
  /** The browser's reader id (`auth.readerId`), when it sent a well-formed one. */
  readerId?: string;
}

/** Bytes a socket has queued for its client and not yet handed to the kernel. */
export function outgoingBytes(socket: Socket): number {
  const conn = socket.conn as unknown as {
    writeBuffer?: Array<{ data?: unknown }>;
    transport?: { name?: string; socket?: { bufferedAmount?: number } };
  };
  let bytes = 0;
  for (const packet of conn.writeBuffer ?? []) {
    const data = packet.data;
    bytes += typeof data === 'string' ? data.length : Buffer.isBuffer(data) ? data.length : 64;
  }
  if (conn.transport?.name === 'websocket') bytes += conn.transport.socket?.bufferedAmount ?? 0;
  return bytes;
}

/**
 * The socket resources one client can hold: sockets per address (counted over every node),
 * a flood cut-off that outlasts a reconnect, and a bound on unsent output (a reader that never
 * reads is cut off, as Centrifugo does, instead of growing the heap with every burst).
 */
export class SocketGuard {
  readonly name = 'socket guard';
  private readonly local = new Map<string, number>();
  private readonly log: Logger;
  private refreshTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private lastRefusalLog = 0;

  /**
   * One `close` listener for every connection (Engine.IO calls it with the connection as `this`):
   * no closure per socket. A connection closes once, so `on` serves as `once`.
   */
  private readonly releaseOnClose: (this: HoldingConn) => void;

  constructor(private readonly opts: SocketGuardOptions) {
    this.log = opts.logger.child({ module: 'socket-guard' });
    const guard = this;
    this.releaseOnClose = function () {
      const ipKey = this[HELD_KEY];
      const places = this[HELD_PLACES] ?? 0;
      this[HELD_PLACES] = 0;
      if (ipKey !== undefined) for (let i = 0; i < places; i++) void guard.release(ipKey);
    };
  }

  /**
   * Addresses refused a moment ago, until when (ms): their next handshakes are turned away before
   * the WebSocket upgrade (`allowRequest`), so a flood of refused handshakes costs next to nothing.
   */
  private readonly turnedAway = new Map<string, number>();

  /** Engine.IO's `allowRequest`: the cheap refusal of an address refused a moment ago. */
  readonly allowRequest = (req: import('node:http').IncomingMessage, callback: (err: string | null | undefined, ok: boolean) => void): void => {
    const ipKey = limitKey(requestIp(req, this.opts.trust));
    (req as { [REQ_KEY]?: string })[REQ_KEY] = ipKey;
    const until = this.turnedAway.get(ipKey);
    if (until !== undefined && until > Date.now()) return callback('too many connections from this address; wait before connecting again', false);
    if (until !== undefined) this.turnedAway.delete(ipKey);
    if (req.headers.upgrade === undefined) return callback(null, true);
    // A WebSocket handshake: the upgrade's 101 answer (written at once) and Engine.IO's open packet
    // (a few microtasks later) leave in one write instead of two.
    const tcp = req.socket;
    tcp.cork();
    callback(null, true);
    setImmediate(() => tcp.uncork());
  };

  private turnAway(ipKey: string, seconds: number): void {
    if (this.turnedAway.size > 100_000) this.turnedAway.clear();
    this.turnedAway.set(ipKey, Date.now() + Math.min(seconds, 10) * 1000);
  }

  /** The first handshake step (io.use): notes the client's address and reader id. */
  readonly admit = (socket: Socket, next: (err?: Error) => void): void => {
    const data = socket.data as GuardedData;
    data.ipKey = (socket.request as { [REQ_KEY]?: string })[REQ_KEY] ?? limitKey(requestIp(socket.request, this.opts.trust));
    const readerId = (socket.handshake.auth as { readerId?: unknown } | undefined)?.readerId;
    if (typeof readerId === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(readerId)) data.readerId = readerId;
    next();
  };

  /**
   * Once the login is known: a user cut off for flooding is out on every address; an anonymous
   * flooder's address is out. A logged-in reader behind the same address as an anonymous
   * flooder (an office, a carrier's NAT) is not.
   */
  checkFlood(socket: Socket, userId: string | undefined): void {
    const ipKey = (socket.data as GuardedData).ipKey ?? 'unknown';
    // Not turned away before the upgrade: a logged-in colleague behind the same address may
    // still come in, and only the login (after the upgrade) tells them apart.
    const left = this.opts.blocks.remaining(userId ? `user:${userId}` : `ip:${ipKey}`);
    if (left > 0) throw handshakeError('rate_limited', 'too many commands from here a moment ago; wait before connecting again', left);
  }

  /**
   * The last handshake check (io.use, after the login): takes one of the address's places, or
   * refuses when every node's sockets of that address together are at MAX_SOCKETS_PER_IP.
   */
  readonly take = async (socket: Socket, next: (err?: Error) => void): Promise<void> => {
    const data = socket.data as GuardedData;
    const ipKey = data.ipKey ?? 'unknown';
    // Counted here first, so a heartbeat written meanwhile never undercounts.
    this.local.set(ipKey, (this.local.get(ipKey) ?? 0) + 1);
    if (this.opts.maxPerIp > 0) {
      let ok: boolean;
      try {
        ok = await this.opts.store.acquire(this.opts.nodeId, ipKey, this.opts.maxPerIp);
      } catch {
        // The shared store is away: this node's own count still holds the line.
        ok = (this.local.get(ipKey) ?? 0) <= this.opts.maxPerIp;
      }
      if (!ok) {
        this.dropLocal(ipKey);
        this.opts.metrics.socketRefusals.inc({ reason: 'per_ip' });
        this.turnAway(ipKey, 2);
        if (Date.now() - this.lastRefusalLog > 60_000) {
          this.lastRefusalLog = Date.now();
          this.log.warn({ ip: ipKey, max: this.opts.maxPerIp }, 'sockets refused: too many from one address (MAX_SOCKETS_PER_IP)');
        }
        return next(handshakeError('too_many_connections', `at most ${this.opts.maxPerIp} connections from one address`, 30));
      }
    }
    // A client that hung up while its handshake waited never gets a `disconnect` (Socket.IO drops
    // such a socket quietly): the place goes back with the connection, whenever it closes.
    const conn = socket.conn as unknown as HoldingConn & { readyState: string; on(event: 'close', fn: () => void): void };
    if (conn.readyState !== 'open') {
      void this.release(ipKey);
      return next(handshakeError('unavailable', 'the connection closed during the handshake'));
    }
    data.counted = true;
    // The same request, so the same address key, for every place of one connection.
    conn[HELD_KEY] = ipKey;
    conn[HELD_PLACES] = (conn[HELD_PLACES] ?? 0) + 1;
    if (conn[HELD_PLACES] === 1) conn.on('close', this.releaseOnClose);
    next();
  };

  /**
   * Cuts off a socket that kept sending past its rate limit, and keeps its reader out for
   * FLOOD_BLOCK_SECONDS: the user if logged in, else the address.
   */
  async cutOff(socket: Socket, userId: string | undefined): Promise<void> {
    this.opts.metrics.socketRefusals.inc({ reason: 'flood' });
    const key = userId ? `user:${userId}` : `ip:${(socket.data as GuardedData).ipKey ?? 'unknown'}`;
    socket.disconnect(true);
    await this.opts.blocks.block(key, FLOOD_BLOCK_SECONDS);
  }

  async start(): Promise<void> {
    // The blocks other nodes issued before this one started (a deploy's new node included).
    await this.opts.blocks.load().catch((err: unknown) => this.log.warn({ err }, 'could not read the flood blocks; this node learns new ones from the bus'));
    void this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.refreshTimer.unref();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.refreshTimer);
    clearInterval(this.sweepTimer);
  }

  /** Cuts off every socket whose unsent output is past the bound (a reader that does not read). */
  sweep(): number {
    let cut = 0;
    for (const socket of this.opts.io.of('/').sockets.values()) {
      const bytes = outgoingBytes(socket);
      if (bytes <= this.opts.maxBufferBytes) continue;
      cut++;
      this.opts.metrics.socketRefusals.inc({ reason: 'slow' });
      this.log.info({ socket: socket.id, bytes }, 'socket cut off: its client does not read (slow)');
      const conn = socket.conn as unknown as { close(discard?: boolean): void; transport?: { name?: string; socket?: { terminate?: () => void } } };
      // Dropped, not closed politely: a polite close would wait for the very buffer that is stuck.
      if (conn.transport?.name === 'websocket') conn.transport.socket?.terminate?.();
      conn.close(true);
    }
    return cut;
  }

  private dropLocal(ipKey: string): void {
    const n = (this.local.get(ipKey) ?? 0) - 1;
    if (n > 0) this.local.set(ipKey, n);
    else this.local.delete(ipKey);
  }

  /** The shared count first, then ours: a heartbeat in between may overcount for a moment, never undercount. */
  private async release(ipKey: string): Promise<void> {
    if (this.opts.maxPerIp > 0) await this.opts.store.release(this.opts.nodeId, ipKey).catch(() => undefined);
    this.dropLocal(ipKey);
  }

  private async refresh(): Promise<void> {
    if (this.opts.maxPerIp === 0) return;
    await this.opts.store.refresh(this.opts.nodeId, this.local).catch((err: unknown) => {
      this.log.debug({ err }, 'could not refresh the per-address socket counts');
    });
  }
}

export function handshakeError(code: string, message: string, retryAfter?: number): Error & { data: unknown } {
  return Object.assign(new Error(message), { data: retryAfter === undefined ? { code, message } : { code, message, retryAfter } });
}
