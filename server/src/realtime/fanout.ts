import type { Server as IoServer } from 'socket.io';
import { SOCKET_EVENTS } from '@liveticker/schemas';
import type { Change, ChangesEvent } from '@liveticker/schemas';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { BUS_VERSION } from './bus';
import type { Bus, ControlEnvelope, StreamEnvelope } from './bus';
import { MAX_CATCH_UP, fitBytes } from './changelog';
import type { ChangeLog, ChangesSince } from './changelog';
import { AppError } from '../errors';
import type { ChangePublisher } from './publisher';
import { RecentChanges } from './recent';

/** How long an out-of-order batch waits for the missing one before the node reads the DB, ms. */
const GAP_WAIT_MS = 50;
/** How long an emptied room keeps its bus subscription by default, so a reload does not churn, ms. */
const RELEASE_AFTER_MS = 5000;
/** Changes a node keeps per stream it relays, to answer resumes without the database. */
const RECENT_CHANGES = 500;
/** Resume answers kept per stream while its recent changes stand (one per position asked). */
const MAX_ANSWERS = 64;

interface StreamState {
  stream: string;
  /** Highest revision handed to local sockets; -1 while the head is being read. */
  lastRev: number;
  epoch: string;
  /** The last changes relayed, up to `lastRev`: resumes answered without the database. */
  recent: RecentChanges;
  active: boolean;
  subscribed: boolean;
  /** Serializes subscribe/unsubscribe of this stream's channel. */
  chain: Promise<void>;
  ready: Promise<void>;
  pending: StreamEnvelope[];
  gapTimer?: NodeJS.Timeout;
  healing: boolean;
  releaseTimer?: NodeJS.Timeout;
  out: Change[];
  outSince: number;
  /**
   * Resumes answered from `recent` as it stands (`version`), by position: a reconnect storm's
   * readers mostly resume from the same few positions, and each answer is computed once.
   */
  answers: { version: number; bySince: Map<number, ChangesSince> };
  /**
   * The answer of a subscribe without a position (the head), while it stands: one object, so its
   * JSON is made once for every new reader (streams.socket.ts keys its encoded answers by it).
   */
  head?: ChangesSince;
  /** When the last frame left, ms (performance.now). */
  lastFlushAt: number;
  /** What sending the last frame to this node's sockets took, ms. */
  lastFlushCost: number;
  /** Changes that arrived in the current second (`second`) and in the one before (`lastSecond`). */
  arrivals: { second: number; count: number; lastSecond: number };
  flushTimer?: NodeJS.Timeout | NodeJS.Immediate;
}

export interface FanoutOptions {
  io: IoServer;
  bus: Bus;
  changeLog: ChangeLog;
  logger: Logger;
  metrics: Metrics;
  /** Least time between two frames of one stream, ms; changes arriving meanwhile share a frame. */
  batchMs: number;
  /** A longer least time for now, ms, when the node is busy (a reconnect storm: see storm.ts). */
  busyBatchMs?: () => number;
  /** How often the node compares its streams with the database heads, ms (0 = never). */
  healIntervalMs?: number;
  /** How long an emptied room keeps its bus subscription, ms. */
  releaseAfterMs?: number;
  /** Changes kept per relayed stream to answer resumes without the database (default 500). */
  recentChanges?: number;
  onControl?: (msg: ControlEnvelope) => void;
  /** How a frame reaches a room's sockets (default: Socket.IO's broadcast; see frames.ts). */
  sendToRoom?: (room: string, event: string, data: unknown) => void;
  /** The bus came back after an outage (after the node's streams were told to heal). */
  onBusReconnect?: () => void;
}

/**
 * One node's side of the change stream: keeps each stream it has local subscribers for in rev
 * order (whatever order the bus delivered in), fills gaps from the database, and sends each
 * stream's changes to its room in frames.
 */
export class Fanout implements ChangePublisher {
  private readonly streams = new Map<string, StreamState>();
  private healTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly opts: FanoutOptions) {
    this.log = opts.logger.child({ module: 'fanout' });
  }

  async start(): Promise<void> {
    await this.opts.bus.start({
      onStream: (msg) => {
        if (msg.node === this.opts.bus.nodeId) return;
        this.opts.metrics.busChanges.inc(msg.changes.length);
        this.receive(msg);
      },
      onControl: (msg) => {
        if (msg.node !== this.opts.bus.nodeId) this.opts.onControl?.(msg);
      },
      onReconnect: () => {
        this.healAll('bus reconnected');
        this.opts.onBusReconnect?.();
      },
    });
    this.opts.io.of('/').adapter.on('delete-room', (room: string) => {
      const st = this.streams.get(room);
      if (st) this.scheduleRelease(st);
    });
    const every = this.opts.healIntervalMs ?? 2000;
    if (every > 0) {
      this.healTimer = setInterval(() => void this.sweep(), every);
      this.healTimer.unref();
    }
  }

  /** Streams this node currently relays. */
  get activeStreams(): string[] {
    return [...this.streams.values()].filter((s) => s.active).map((s) => s.stream);
  }

  /** Resolves once changes of `stream` reach this node in order; then join the socket's room. */
  ensure(stream: string): Promise<void> {
    let st = this.streams.get(stream);
    if (!st) {
      st = {
        stream,
        lastRev: -1,
        // Stryker disable next-line StringLiteral: set by activate() before anything reads it (lastRev >= 0)
        epoch: '',
        // Stryker disable next-line ArrayDeclaration: set by activate() before anything reads it (lastRev >= 0)
        recent: new RecentChanges(this.opts.recentChanges ?? RECENT_CHANGES),
        // Stryker disable next-line UnaryOperator: set by activate() before anything reads it (lastRev >= 0)
        active: false,
        subscribed: false,
        chain: Promise.resolve(),
        ready: Promise.resolve(),
        pending: [],
        healing: false,
        out: [],
        outSince: 0,
        answers: { version: -1, bySince: new Map() },
        lastFlushAt: 0,
        lastFlushCost: 0,
        arrivals: { second: -1, count: 0, lastSecond: 0 },
      };
      this.streams.set(stream, st);
    }
    if (st.releaseTimer) {
      clearTimeout(st.releaseTimer);
      st.releaseTimer = undefined;
    }
    if (!st.active) {
      st.active = true;
      const state = st;
      const ready: Promise<void> = st.chain.then(() => this.activate(state)).catch((err: unknown) => {
        // Undo, so the next ensure() starts clean instead of handing out this failure forever,
        // and leave the channel: no release timer will ever run for a stream that never started.
        if (state.ready === ready) {
          state.active = false;
          state.lastRev = -1;
          if (state.subscribed) {
            state.subscribed = false;
            void this.opts.bus.unsubscribe(state.stream).catch(() => undefined);
          }
        }
        throw err;
      });
      st.ready = ready;
      st.chain = ready.catch(() => undefined);
    }
    return st.ready;
  }

  private async activate(st: StreamState): Promise<void> {
    if (!st.subscribed) {
      try {
        await this.opts.bus.subscribe(st.stream);
      } catch (err) {
        // The bus is a helper: while it is down the stream is relayed from the database by the
        // sweep, and the bus takes the channel up again when it is back (then every stream heals).
        this.log.warn({ err, stream: st.stream }, 'bus subscribe failed; relaying from the database until the bus is back');
      }
      st.subscribed = true;
    }
    if (st.lastRev < 0) {
      // Read the head only after the channel is live: every later commit is then heard.
      const pos = await this.opts.changeLog.position(st.stream);
      if (!pos) throw new AppError('unknown_stream', `no stream ${st.stream}`);
      // Warm the cache with the stream's latest changes (one query), so the reconnect storm after
      // a deploy resumes from memory: a compacted answer since S serves every position after S.
      const keep = this.opts.recentChanges ?? RECENT_CHANGES;
      const from = Math.max(0, pos.rev - keep);
      const warm = st.stream.startsWith('mod:') || keep === 0 ? undefined : await this.opts.changeLog.since(st.stream, from, pos.epoch, keep, pos);
      st.lastRev = pos.rev;
      st.epoch = pos.epoch;
      // Stryker disable next-line ArrayDeclaration: an unwarmed cache is never read below its start = head (mod: streams never), and the first change trims it
      if (warm && !warm.more && !warm.reset) st.recent.reset(from, warm.changes);
      else st.recent.reset(pos.rev);
      const waiting = st.pending;
      st.pending = [];
      for (const env of waiting) this.accept(st, env);
    }
  }

  private scheduleRelease(st: StreamState): void {
    // Stryker disable next-line LogicalOperator: a second timer changes nothing (each re-checks the room), and closed streams are no longer in the map
    if (st.releaseTimer || this.closed) return;
    st.releaseTimer = setTimeout(() => {
      st.releaseTimer = undefined;
      if (this.opts.io.of('/').adapter.rooms.get(st.stream)?.size) return;
      st.active = false;
      st.chain = st.chain.then(async () => {
        if (st.active || !st.subscribed) return;
        st.subscribed = false;
        st.lastRev = -1;
        // Stryker disable next-line MethodExpression: the next activation sets the cache before it is read
        st.recent.clear();
        st.pending = [];
        clearTimeout(st.gapTimer);
        st.gapTimer = undefined;
        await this.opts.bus.unsubscribe(st.stream).catch((err: unknown) => this.log.warn({ err }, 'unsubscribe failed'));
        if (!st.active) this.streams.delete(st.stream);
      });
    }, this.opts.releaseAfterMs ?? RELEASE_AFTER_MS);
    st.releaseTimer.unref();
  }

  /** Hands committed changes to local sockets at once and to other nodes through the bus. */
  publish(stream: string, changes: Change[]): void {
    if (changes.length === 0) return;
    const env: StreamEnvelope = {
      v: BUS_VERSION,
      node: this.opts.bus.nodeId,
      stream,
      since: changes[0].rev - 1,
      rev: changes[changes.length - 1].rev,
      changes,
    };
    this.opts.metrics.changesPublished.inc(changes.length);
    this.receive(env);
    this.opts.bus.publish(env).catch((err: unknown) => {
      // Other nodes heal from the database on their next sweep.
      this.log.warn({ err, stream }, 'bus publish failed');
    });
  }

  private receive(env: StreamEnvelope): void {
    const st = this.streams.get(env.stream);
    if (!st || !st.active) return;
    if (st.lastRev < 0) {
      st.pending.push(env);
      return;
    }
    this.accept(st, env);
  }

  private accept(st: StreamState, env: StreamEnvelope): void {
    if (env.rev <= st.lastRev) return;
    if (env.since > st.lastRev) {
      st.pending.push(env);
      if (!st.gapTimer) {
        st.gapTimer = setTimeout(() => {
          st.gapTimer = undefined;
          void this.heal(st, 'gap');
        }, GAP_WAIT_MS);
        st.gapTimer.unref();
      }
      return;
    }
    const fresh = env.since === st.lastRev ? env.changes : env.changes.filter((c) => c.rev > st.lastRev);
    this.enqueue(st, fresh);
    st.recent.add(fresh);
    st.lastRev = env.rev;
    this.drainPending(st);
  }

  /** Whether this node relays the stream now (it exists and its position is known). */
  relays(stream: string): boolean {
    const st = this.streams.get(stream);
    return st !== undefined && st.active && st.lastRev >= 0;
  }

  /**
   * A resume answered from what this node relayed, without the database: the position the node
   * stands at (`since` undefined), or the changes after `since` when they are all still in its
   * cache and the epoch is the stream's. Undefined when the database must answer. Readers that
   * ask from the same position get the same object: it must not be changed.
   */
  recentSince(stream: string, since: number | undefined, epoch: string | undefined): ChangesSince | undefined {
    const st = this.streams.get(stream);
    if (!st || !st.active || st.lastRev < 0) return undefined;
    if (since === undefined) {
      if (st.head?.rev !== st.lastRev || st.head.epoch !== st.epoch) st.head = { rev: st.lastRev, epoch: st.epoch, changes: [], more: false };
      return st.head;
    }
    // The moderation stream's catch-up has its own shape (held messages); the database answers it.
    if (st.stream.startsWith('mod:')) return undefined;
    if ((epoch && epoch !== st.epoch) || since > st.lastRev) return undefined;
    if (st.answers.version !== st.recent.version) st.answers = { version: st.recent.version, bySince: new Map() };
    let answer = st.answers.bySince.get(since);
    if (!answer) {
      const changes = since === st.lastRev ? [] : st.recent.since(since);
      if (!changes || changes.length > MAX_CATCH_UP) return undefined;
      // As from the database: one state per item in rev order, so a prefix is a consistent answer.
      const fit = fitBytes(changes);
      answer =
        fit.count < changes.length
          ? { rev: changes[fit.count - 1].rev, epoch: st.epoch, changes: changes.slice(0, fit.count), more: true, bytes: fit.bytes }
          : { rev: st.lastRev, epoch: st.epoch, changes, more: false, bytes: fit.bytes };
      if (st.answers.bySince.size >= MAX_ANSWERS) st.answers.bySince.clear();
      st.answers.bySince.set(since, answer);
    }
    this.opts.metrics.catchUps.inc({ source: 'cache' });
    return answer;
  }

  private drainPending(st: StreamState): void {
    if (st.pending.length === 0) return;
    // Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator: unsorted, every accepted envelope drains the rest again; sorting only saves the re-queuing
    const waiting = st.pending.sort((a, b) => a.since - b.since);
    st.pending = [];
    for (const env of waiting) this.accept(st, env);
    if (st.pending.length === 0 && st.gapTimer) {
      clearTimeout(st.gapTimer);
      st.gapTimer = undefined;
    }
  }

  private enqueue(st: StreamState, changes: Change[]): void {
    if (changes.length === 0) return;
    const now = performance.now();
    countArrivals(st.arrivals, now, changes.length);
    if (st.out.length === 0) st.outSince = st.lastRev;
    st.out.push(...changes);
    if (st.flushTimer) return;
    // Leading edge: after a quiet spell a change leaves at once; in a burst, frames leave at most
    // every batchMs, each carrying everything gathered meanwhile.
    const flush = () => this.flush(st);
    const batchMs = Math.max(this.opts.batchMs, this.opts.busyBatchMs?.() ?? 0);
    const wait = Math.max(st.lastFlushAt + batchMs, st.lastFlushAt + saturatedGapMs(st)) - now;
    st.flushTimer = wait > 0 ? setTimeout(flush, wait) : setImmediate(flush);
  }

  private flush(st: StreamState): void {
    st.flushTimer = undefined;
    if (st.out.length === 0) return;
    const start = performance.now();
    const frame: ChangesEvent = { stream: st.stream, since: st.outSince, rev: st.lastRev, changes: st.out };
    st.out = [];
    if (this.opts.sendToRoom) this.opts.sendToRoom(st.stream, SOCKET_EVENTS.changes, frame);
    else this.opts.io.to(st.stream).emit(SOCKET_EVENTS.changes, frame);
    st.lastFlushAt = performance.now();
    st.lastFlushCost = st.lastFlushAt - start;
    this.opts.metrics.framesSent.inc();
  }

  /** Reads what this node missed of a stream from the database and relays it in order. */
  private async heal(st: StreamState, why: string): Promise<void> {
    if (st.healing || st.lastRev < 0 || this.closed) return;
    st.healing = true;
    try {
      for (;;) {
        const from = st.lastRev;
        const got = await this.opts.changeLog.since(st.stream, from);
        if (!got || got.rev <= st.lastRev || st.lastRev < 0) break;
        this.log.debug({ stream: st.stream, from, to: got.rev, why }, 'healing stream from the database');
        this.opts.metrics.heals.inc();
        this.accept(st, { v: BUS_VERSION, node: this.opts.bus.nodeId, stream: st.stream, since: from, rev: got.rev, changes: got.changes });
        if (!got.more) break;
      }
    } catch (err) {
      this.log.warn({ err, stream: st.stream }, 'healing failed; the next sweep tries again');
    } finally {
      st.healing = false;
    }
  }

  healAll(why: string): void {
    // Stryker disable next-line LogicalOperator: heal() itself returns for a stream without a position, and an inactive one is being released
    for (const st of this.streams.values()) if (st.active && st.lastRev >= 0) void this.heal(st, why);
  }

  /** Compares every relayed stream with its database head (one query); heals the ones behind. */
  private async sweep(): Promise<void> {
    const live = [...this.streams.values()].filter((st) => st.active && st.lastRev >= 0 && !st.healing);
    if (live.length === 0) return;
    // What each stream held when the heads were asked for: changes relayed while the query ran
    // are newer than the heads it answers, and must not read as a database that went back.
    const held = new Map(live.map((st) => [st, st.lastRev]));
    try {
      const heads = await this.opts.changeLog.heads(live.map((st) => st.stream));
      for (const st of live) {
        const head = heads.get(st.stream);
        if (head !== undefined && head < held.get(st)! && head < st.lastRev) {
          // The database went back (restored in place): what this node holds is another history.
          // Follow the database from its head; clients ahead of it are told to start over.
          this.log.warn({ stream: st.stream, head, held: st.lastRev }, 'stream head went back: database restored?');
          st.lastRev = head;
          st.recent.reset(head);
          st.pending = [];
        } else if (head !== undefined && head > st.lastRev && !st.gapTimer) void this.heal(st, 'sweep');
      }
    } catch (err) {
      this.log.warn({ err }, 'sweep failed');
    }
  }

  async close(): Promise<void> {
    // Stryker disable next-line BooleanLiteral: close() empties the map and clears every timer, so nothing reaches the checks afterwards
    this.closed = true;
    clearInterval(this.healTimer);
    for (const st of this.streams.values()) {
      clearTimeout(st.gapTimer);
      clearTimeout(st.releaseTimer);
      if (st.flushTimer) {
        clearTimeout(st.flushTimer as NodeJS.Timeout);
        clearImmediate(st.flushTimer as NodeJS.Immediate);
      }
    }
    this.streams.clear();
    await this.opts.bus.close();
  }
}

/**
 * When one frame per change would take more than this share of the node's time (the changes of
 * the last second times what the last frame took), the stream's fan-out is saturated.
 */
export const SATURATED_SHARE = 0.9;

/** Counts a stream's arriving changes per second. */
export function countArrivals(a: { second: number; count: number; lastSecond: number }, now: number, n: number): void {
  const second = Math.floor(now / 1000);
  if (second !== a.second) {
    a.lastSecond = second === a.second + 1 ? a.count : 0;
    a.second = second;
    a.count = 0;
  }
  a.count += n;
}

/**
 * The least time between the end of a stream's last frame and its next one, ms: none while the
 * fan-out keeps up (a change leaves at once), and as long as the last frame took once it does not
 * (20 changes a second to 10,000 sockets): then frames alternate with as much time for the rest of
 * the node (handshakes, resumes, the API), each carrying the changes of both, so a delivery costs
 * half the writes. Frames keep their order and nothing is dropped; a change waits at most two
 * frames' time.
 */
export function saturatedGapMs(st: { lastFlushCost: number; arrivals: { count: number; lastSecond: number } }): number {
  const perSecond = Math.max(st.arrivals.lastSecond, st.arrivals.count);
  return (perSecond * st.lastFlushCost) / 1000 > SATURATED_SHARE ? st.lastFlushCost : 0;
}

