import pino from 'pino';
import type { Server as IoServer } from 'socket.io';
import type { Change, ChangesEvent } from '@liveticker/schemas';
import { Fanout } from '../../server/src/realtime/fanout';
import { compact } from '../../server/src/realtime/recent';
import type { FanoutOptions } from '../../server/src/realtime/fanout';
import { MemoryBus, MemoryHub } from '../../server/src/realtime/bus.memory';
import type { BusHandlers, ControlEnvelope, StreamEnvelope } from '../../server/src/realtime/bus';
import { MAX_CATCH_UP, MAX_CATCH_UP_BYTES } from '../../server/src/realtime/changelog';
import type { ChangeLog, ChangesSince } from '../../server/src/realtime/changelog';
import { createMetrics } from '../../server/src/metrics';
import type { Metrics } from '../../server/src/metrics';
import { AppError } from '../../server/src/errors';

// Fanout on jest's fake clock with the real in-memory bus (a second node on the same hub plays
// the other servers), the real metrics, a pino logger that writes to an array, a stand-in for
// Socket.IO's server (what Fanout uses: the default namespace's adapter and `io.to(room).emit`)
// and a stand-in for the change log over an in-memory array. The real database and Socket.IO:
// integration tests.

const STREAM = 'ticker:t1';
const GAP_WAIT_MS = 50;

/** What Fanout uses of a Socket.IO server; `join`/`leave` play sockets entering and leaving rooms. */
class FakeIo {
  readonly rooms = new Map<string, Set<string>>();
  /** Everything emitted to a room. */
  readonly sent: Array<{ room: string; event: string; frame: ChangesEvent }> = [];
  private readonly deleteRoom: Array<(room: string) => void> = [];
  private readonly adapter = {
    rooms: this.rooms,
    on: (event: string, listener: (room: string) => void) => {
      if (event !== 'delete-room') throw new Error(`FakeIo does not emit ${event}`);
      this.deleteRoom.push(listener);
    },
  };

  of(nsp: string) {
    if (nsp !== '/') throw new Error(`FakeIo has only the default namespace, not ${nsp}`);
    return { adapter: this.adapter };
  }

  to(room: string) {
    return { emit: (event: string, frame: ChangesEvent) => void this.sent.push({ room, event, frame }) };
  }

  join(room: string, socketId: string): void {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(socketId);
  }

  /** Like Socket.IO's adapter: the last socket out deletes the room and says so. */
  leave(room: string, socketId: string): void {
    const members = this.rooms.get(room);
    if (!members?.delete(socketId) || members.size > 0) return;
    this.rooms.delete(room);
    for (const listener of this.deleteRoom) listener(room);
  }

  /** The frames sent to `room`, reduced to what a test compares. */
  frames(room = STREAM) {
    return this.sent.filter((s) => s.room === room).map(({ event, frame }) => ({ event, since: frame.since, rev: frame.rev, revs: frame.changes.map((c) => c.rev) }));
  }
}

/**
 * What Fanout uses of the change log, over an in-memory array of committed changes per stream.
 * Each change is a different entry, so the compacted answer the database gives is the plain list.
 */
class FakeChangeLog {
  readonly streams = new Map<string, { epoch: string; changes: Change[] }>();

  /** A stream with `n` changes committed (revs 1..n). */
  create(stream: string, n: number, epoch = 'e1'): void {
    this.streams.set(stream, { epoch, changes: [] });
    this.commit(stream, n);
  }

  /** Commits `n` changes and returns the envelope their node publishes. */
  commit(stream: string, n = 1): StreamEnvelope {
    const s = this.streams.get(stream)!;
    const since = this.rev(stream);
    const added = Array.from({ length: n }, (_, i): Change => ({ rev: since + 1 + i, type: 'entry.created', data: entry(`e${since + 1 + i}`, since + 1 + i) }));
    s.changes.push(...added);
    return { v: 1, node: 'node-b', stream, since, rev: since + n, changes: added };
  }

  rev(stream: string): number {
    return this.streams.get(stream)!.changes.at(-1)?.rev ?? 0;
  }

  async head(stream: string): Promise<number | undefined> {
    return this.streams.has(stream) ? this.rev(stream) : undefined;
  }

  async heads(names: string[]): Promise<Map<string, number>> {
    return new Map(names.filter((n) => this.streams.has(n)).map((n) => [n, this.rev(n)]));
  }

  async position(stream: string): Promise<{ rev: number; epoch: string } | undefined> {
    const s = this.streams.get(stream);
    return s && { rev: this.rev(stream), epoch: s.epoch };
  }

  /** As ChangeLog.since: a position from another epoch or ahead of the head is a reset. */
  async since(stream: string, since: number, epoch?: string, limit = MAX_CATCH_UP, pos?: { rev: number; epoch: string }): Promise<ChangesSince | undefined> {
    const at = pos ?? (await this.position(stream));
    if (!at) return undefined;
    if ((epoch && epoch !== at.epoch) || since > at.rev) return { rev: at.rev, epoch: at.epoch, changes: [], more: false, reset: true };
    const changes = this.streams.get(stream)!.changes.filter((c) => c.rev > since && c.rev <= at.rev);
    const more = changes.length > limit;
    if (more) changes.length = limit;
    return { rev: more ? changes[changes.length - 1].rev : at.rev, epoch: at.epoch, changes, more };
  }
}

/** A bus whose transport can come back after an outage, as the Redis bus reports it. */
class ReconnectingBus extends MemoryBus {
  private heard?: BusHandlers;
  override async start(handlers: BusHandlers): Promise<void> {
    this.heard = handlers;
    await super.start(handlers);
  }
  reconnected(): void {
    this.heard!.onReconnect();
  }
}

function entry(id: string, seq: number, deleted = false) {
  return { id, seq, body: id, deletedAt: deleted ? '2026-03-01T12:00:00.000Z' : null } as unknown as Extract<Change, { type: 'entry.created' }>['data'];
}

/** A promise the test resolves. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Lets every promise and bus delivery (a microtask) run, then the timers due now (a frame's setImmediate). */
const settle = () => jest.advanceTimersByTimeAsync(0);
const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);
/**
 * A frame queued by what a timer started (a heal after the gap wait or the sweep) leaves "at
 * once" in a setImmediate; the fake clock runs a setImmediate queued during its tick 1 ms later.
 */
const nextTurn = () => jest.advanceTimersByTimeAsync(1);
const total = async (metric: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> }, labels: object = {}) =>
  (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((sum, v) => sum + v.value, 0);

interface LogLine {
  level: number;
  msg: string;
  module?: string;
  stream?: string;
  err?: { message: string };
  [key: string]: unknown;
}

/** A warning of the fan-out that carries the error it is about. */
const warning = (msg: string, err: string, more: object = {}) =>
  expect.objectContaining({ level: 40, module: 'fanout', msg: expect.stringContaining(msg), err: expect.objectContaining({ message: err }), ...more });

const running: Fanout[] = [];

/** A node relaying `ticker:t1`, which has 5 changes committed. No sweep unless asked for. */
async function setup<B extends MemoryBus = MemoryBus>(opts: Partial<FanoutOptions> = {}, makeBus?: (hub: MemoryHub) => B) {
  const hub = new MemoryHub();
  const bus = makeBus ? makeBus(hub) : (new MemoryBus('node-a', hub) as B);
  const other = new MemoryBus('node-b', hub);
  const heardByOther: StreamEnvelope[] = [];
  await other.start({ onStream: (env) => void heardByOther.push(env), onControl: () => undefined, onReconnect: () => undefined });
  await other.subscribe(STREAM);
  const io = new FakeIo();
  const log = new FakeChangeLog();
  log.create(STREAM, 5);
  const metrics: Metrics = createMetrics();
  // Quiet, but kept: the warnings are how operators learn the bus or the database failed.
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const onControl = jest.fn<void, [ControlEnvelope]>();
  const fanout = new Fanout({
    io: io as unknown as IoServer,
    bus,
    changeLog: log as unknown as ChangeLog,
    logger,
    metrics,
    batchMs: 0,
    healIntervalMs: 0,
    onControl,
    ...opts,
  });
  await fanout.start();
  running.push(fanout);
  /** Another node commits `n` changes and publishes them; the test delivers the envelope (or loses it). */
  const commit = (n = 1, stream = STREAM) => log.commit(stream, n);
  const deliver = async (...envs: StreamEnvelope[]) => {
    for (const env of envs) await other.publish(env);
    await settle();
  };
  /** What was logged at `level` (pino's numbers: 20 debug, 40 warn). */
  const logged = (level: number) => logs.filter((l) => l.level === level);
  return { fanout, bus, other, heardByOther, io, log, metrics, onControl, commit, deliver, logged };
}

/** A node that relays STREAM to one reader, at rev 5. */
async function relaying(opts: Partial<FanoutOptions> = {}) {
  const t = await setup(opts);
  await t.fanout.ensure(STREAM);
  t.io.join(STREAM, 'reader-1');
  return t;
}

beforeEach(() => {
  // The bus delivers in a microtask, as it does for real; the clock starts after a quiet spell.
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
  jest.advanceTimersByTime(60_000);
});

afterEach(async () => {
  try {
    for (const fanout of running.splice(0)) await fanout.close();
  } finally {
    jest.useRealTimers();
    jest.restoreAllMocks();
  }
});

describe('Fanout', () => {
  describe('activation', () => {
    it('ensure() listens on the bus before it reads the position, so no commit after that read is missed', async () => {
      const t = await setup();
      const order: string[] = [];
      const subscribe = jest.spyOn(t.bus, 'subscribe').mockImplementation(async (s) => {
        order.push('subscribe');
        return MemoryBus.prototype.subscribe.call(t.bus, s);
      });
      const position = jest.spyOn(t.log, 'position').mockImplementation(async (s) => {
        order.push('position');
        return FakeChangeLog.prototype.position.call(t.log, s);
      });
      expect(t.fanout.relays(STREAM)).toBe(false);
      await t.fanout.ensure(STREAM);
      expect(order).toEqual(['subscribe', 'position']);
      expect(subscribe).toHaveBeenCalledWith(STREAM);
      expect(position).toHaveBeenCalledWith(STREAM);
      expect(t.fanout.relays(STREAM)).toBe(true);
      expect(t.fanout.activeStreams).toEqual([STREAM]);
      expect(t.fanout.recentSince(STREAM, undefined, undefined)).toEqual({ rev: 5, epoch: 'e1', changes: [], more: false });
    });

    it('changes heard while the position is read are relayed after it, the ones it already counts are not', async () => {
      const t = await setup();
      const reading = gate();
      jest.spyOn(t.log, 'position').mockImplementationOnce(async (s) => {
        const pos = await FakeChangeLog.prototype.position.call(t.log, s);
        await reading.opened;
        return pos;
      });
      const ready = t.fanout.ensure(STREAM);
      t.io.join(STREAM, 'reader-1');
      await settle();
      expect(t.fanout.relays(STREAM)).toBe(false);
      // The database answered rev 5; meanwhile the bus brings a late rev 5 and the new rev 6.
      const late: StreamEnvelope = { v: 1, node: 'node-b', stream: STREAM, since: 4, rev: 5, changes: t.log.streams.get(STREAM)!.changes.slice(4) };
      await t.deliver(late, t.commit());
      expect(t.io.frames()).toEqual([]);
      reading.open();
      await ready;
      await settle();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
      // Held as part of the activation, not as a gap: no gap wait, no heal query.
      expect(jest.getTimerCount()).toBe(0);
    });

    it('ensure() calls while the stream activates share one activation', async () => {
      const t = await setup();
      const subscribe = jest.spyOn(t.bus, 'subscribe');
      const position = jest.spyOn(t.log, 'position');
      const [a, b] = [t.fanout.ensure(STREAM), t.fanout.ensure(STREAM)];
      expect(b).toBe(a);
      await Promise.all([a, b]);
      await t.fanout.ensure(STREAM);
      expect(subscribe).toHaveBeenCalledTimes(1);
      expect(position).toHaveBeenCalledTimes(1);
    });

    it('warms the recent cache with one query, so a resume right after is answered from memory', async () => {
      const t = await setup({ recentChanges: 3 });
      const since = jest.spyOn(t.log, 'since');
      await t.fanout.ensure(STREAM);
      expect(since.mock.calls).toEqual([[STREAM, 2, 'e1', 3, { rev: 5, epoch: 'e1' }]]);
      expect(t.fanout.recentSince(STREAM, 2, 'e1')).toEqual({ rev: 5, epoch: 'e1', changes: t.log.streams.get(STREAM)!.changes.slice(2), more: false, bytes: expect.any(Number) });
      expect(t.fanout.recentSince(STREAM, 1, 'e1')).toBeUndefined();
      expect(since).toHaveBeenCalledTimes(1);
      expect(await total(t.metrics.catchUps, { source: 'cache' })).toBe(1);
    });

    it('the head answer (a subscribe without a position) is one object while the head stands, so its JSON is made once', async () => {
      const t = await setup();
      await t.fanout.ensure(STREAM);
      const first = t.fanout.recentSince(STREAM, undefined, undefined);
      expect(first).toEqual({ rev: 5, epoch: 'e1', changes: [], more: false });
      expect(t.fanout.recentSince(STREAM, undefined, undefined)).toBe(first);
      await t.deliver(t.commit());
      const next = t.fanout.recentSince(STREAM, undefined, undefined);
      expect(next).toEqual({ rev: 6, epoch: 'e1', changes: [], more: false });
      expect(t.fanout.recentSince(STREAM, undefined, undefined)).toBe(next);
    });

    it('a stream shorter than the cache is warmed from its start', async () => {
      const t = await setup();
      const since = jest.spyOn(t.log, 'since');
      await t.fanout.ensure(STREAM);
      expect(since).toHaveBeenCalledWith(STREAM, 0, 'e1', 500, { rev: 5, epoch: 'e1' });
      expect(t.fanout.recentSince(STREAM, 0, 'e1')?.changes.map((c) => c.rev)).toEqual([1, 2, 3, 4, 5]);
    });

    it('a moderation stream, and a node with recentChanges 0, do not warm a cache', async () => {
      const t = await setup({ recentChanges: 0 });
      t.log.create('mod:t1', 3);
      const since = jest.spyOn(t.log, 'since');
      await t.fanout.ensure(STREAM);
      await t.fanout.ensure('mod:t1');
      expect(since).not.toHaveBeenCalled();
      // Without a cache only the head itself is answered from memory.
      expect(t.fanout.recentSince(STREAM, 5, 'e1')).toEqual({ rev: 5, epoch: 'e1', changes: [], more: false, bytes: expect.any(Number) });
      expect(t.fanout.recentSince(STREAM, 4, 'e1')).toBeUndefined();

      const u = await setup();
      u.log.create('mod:t1', 3);
      const modSince = jest.spyOn(u.log, 'since');
      await u.fanout.ensure('mod:t1');
      expect(modSince).not.toHaveBeenCalled();
    });

    it('a failed activation is undone: the next ensure() reads the position again instead of failing forever', async () => {
      const t = await setup();
      const down = new Error('database down');
      const position = jest.spyOn(t.log, 'position').mockRejectedValueOnce(down);
      const subscribe = jest.spyOn(t.bus, 'subscribe');
      const unsubscribe = jest.spyOn(t.bus, 'unsubscribe');
      await expect(t.fanout.ensure(STREAM)).rejects.toBe(down);
      // The channel is left too: no release timer would ever run for a stream that never started.
      expect(unsubscribe).toHaveBeenCalledWith(STREAM);
      expect(t.fanout.relays(STREAM)).toBe(false);
      expect(t.fanout.activeStreams).toEqual([]);
      // Not relayed meanwhile.
      await t.deliver(t.commit());
      expect(t.io.frames()).toEqual([]);

      await t.fanout.ensure(STREAM);
      expect(position).toHaveBeenCalledTimes(2);
      expect(subscribe).toHaveBeenCalledTimes(2); // left after the failure, taken again
      expect(t.fanout.recentSince(STREAM, undefined, undefined)?.rev).toBe(6);
    });

    it('a stream that does not exist is refused with unknown_stream, and ensure() tries again once it does', async () => {
      const t = await setup();
      const refusal = await t.fanout.ensure('ticker:later').catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(AppError);
      expect(refusal).toMatchObject({ code: 'unknown_stream', message: 'no stream ticker:later' });
      t.log.create('ticker:later', 2);
      await t.fanout.ensure('ticker:later');
      expect(t.fanout.relays('ticker:later')).toBe(true);
    });

    it('a bus that cannot subscribe does not stop the stream: it is relayed from the database by the sweep', async () => {
      const t = await setup({ healIntervalMs: 1000 });
      jest.spyOn(t.bus, 'subscribe').mockRejectedValueOnce(new Error('redis down'));
      await t.fanout.ensure(STREAM);
      t.io.join(STREAM, 'reader-1');
      expect(t.fanout.relays(STREAM)).toBe(true);
      t.commit(2); // published on a bus this node does not hear
      await advance(999);
      expect(await total(t.metrics.heals)).toBe(0);
      await advance(1);
      expect(await total(t.metrics.heals)).toBe(1);
      await nextTurn();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 7, revs: [6, 7] }]);
      expect(t.logged(40)).toEqual([warning('bus subscribe failed', 'redis down', { stream: STREAM })]);
    });

    it('an activation that fails after a newer one began (a release in between) does not undo the newer one', async () => {
      const t = await setup({ releaseAfterMs: 10 });
      const reading = gate();
      jest.spyOn(t.log, 'position').mockImplementationOnce(async () => {
        await reading.opened;
        throw new Error('database down');
      });
      const first = t.fanout.ensure(STREAM);
      void first.catch(() => undefined);
      // A socket that was in the room leaves while the first activation still reads.
      t.io.join(STREAM, 'reader-0');
      t.io.leave(STREAM, 'reader-0');
      await advance(10);
      const second = t.fanout.ensure(STREAM);
      reading.open();
      await expect(first).rejects.toThrow('database down');
      await second;
      expect(t.fanout.relays(STREAM)).toBe(true);
      t.io.join(STREAM, 'reader-1');
      await t.deliver(t.commit());
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
    });
  });

  describe('order', () => {
    it('envelopes in order leave as frames that say where they start and end; repeats are dropped', async () => {
      const t = await relaying();
      await t.deliver(t.commit());
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
      const two = t.commit(2);
      await t.deliver(two, two);
      expect(t.io.frames()).toEqual([
        { event: 'changes', since: 5, rev: 6, revs: [6] },
        { event: 'changes', since: 6, rev: 8, revs: [7, 8] },
      ]);
    });

    it('an envelope that overlaps what was relayed adds only its new changes', async () => {
      const t = await relaying();
      const six = t.commit();
      const seven = t.commit();
      await t.deliver(six);
      await t.deliver({ ...seven, since: 5, changes: [...six.changes, ...seven.changes] });
      expect(t.io.frames().map((f) => f.revs)).toEqual([[6], [7]]);
    });

    it('envelopes out of order wait for the missing one and leave reordered, without reading the database', async () => {
      const t = await relaying();
      const [a, b, c] = [t.commit(), t.commit(), t.commit()];
      const since = jest.spyOn(t.log, 'since');
      await t.deliver(c, b);
      expect(t.io.frames()).toEqual([]);
      await t.deliver(a);
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 8, revs: [6, 7, 8] }]);
      // The gap timer went with the gap.
      expect(jest.getTimerCount()).toBe(0);
      await advance(GAP_WAIT_MS * 2);
      expect(since).not.toHaveBeenCalled();
      expect(await total(t.metrics.heals)).toBe(0);
    });

    it('a missing envelope is read from the database after 50 ms, counted from the first gap', async () => {
      const t = await relaying();
      const [, , c, d] = [t.commit(), t.commit(), t.commit(), t.commit()];
      await t.deliver(c);
      await advance(30);
      await t.deliver(d); // does not restart the wait
      await advance(GAP_WAIT_MS - 31);
      expect(await total(t.metrics.heals)).toBe(0);
      await advance(1);
      expect(await total(t.metrics.heals)).toBe(1);
      await nextTurn();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 9, revs: [6, 7, 8, 9] }]);
      expect(t.logged(20)).toEqual([expect.objectContaining({ msg: 'healing stream from the database', stream: STREAM, from: 5, to: 9, why: 'gap' })]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('a gap still open after another envelope filled part of it heals when the first wait ends', async () => {
      const t = await relaying();
      const [a, , c] = [t.commit(), t.commit(), t.commit()]; // 7's envelope is lost
      await t.deliver(c);
      await advance(10);
      await t.deliver(a);
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
      await advance(GAP_WAIT_MS - 11);
      expect(await total(t.metrics.heals)).toBe(0);
      await advance(1);
      await nextTurn();
      expect(t.io.frames()).toEqual([
        { event: 'changes', since: 5, rev: 6, revs: [6] },
        { event: 'changes', since: 6, rev: 8, revs: [7, 8] },
      ]);
    });

    it('a gap healed from the database before the held envelopes go on with them', async () => {
      const t = await relaying();
      const [, b, c] = [t.commit(), t.commit(), t.commit()];
      // The database has only reached 6 when it is asked (7 and 8 are committed on another node
      // but the read sees 6): the held envelopes fill the rest.
      jest.spyOn(t.log, 'since').mockImplementationOnce(async (s, from) => FakeChangeLog.prototype.since.call(t.log, s, from, undefined, MAX_CATCH_UP, { rev: 6, epoch: 'e1' }));
      await t.deliver(c, b);
      await advance(GAP_WAIT_MS);
      await nextTurn();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 8, revs: [6, 7, 8] }]);
    });

    it('a heal that is answered with more: true reads on until the head', async () => {
      const t = await relaying({ healIntervalMs: 1000 });
      t.commit(MAX_CATCH_UP + 3);
      const since = jest.spyOn(t.log, 'since');
      await advance(1000);
      await nextTurn();
      expect(since.mock.calls.map((c) => c[1])).toEqual([5, 5 + MAX_CATCH_UP]);
      expect(t.io.frames().flatMap((f) => f.revs)).toEqual(Array.from({ length: MAX_CATCH_UP + 3 }, (_, i) => 6 + i));
      expect(await total(t.metrics.heals)).toBe(2);
    });

    it('a heal that finds nothing new changes nothing and is not counted', async () => {
      const t = await relaying();
      const since = jest.spyOn(t.log, 'since');
      t.fanout.healAll('test');
      await settle();
      expect(since).toHaveBeenCalledTimes(1);
      expect(await total(t.metrics.heals)).toBe(0);
      expect(t.io.frames()).toEqual([]);
      expect(t.logged(20)).toEqual([]);
    });

    it('a heal whose answer comes after the stream was released adds nothing and leaves no timer', async () => {
      const t = await relaying({ releaseAfterMs: 10 });
      t.commit();
      const reading = gate();
      jest.spyOn(t.log, 'since').mockImplementationOnce(async (...args) => {
        await reading.opened;
        return FakeChangeLog.prototype.since.apply(t.log, args);
      });
      t.fanout.healAll('test');
      t.io.leave(STREAM, 'reader-1');
      await advance(10);
      expect(t.fanout.relays(STREAM)).toBe(false);
      reading.open();
      await settle();
      expect(jest.getTimerCount()).toBe(0);
      expect(t.io.frames()).toEqual([]);
      expect(await total(t.metrics.heals)).toBe(0);
    });

    it('a heal that fails is tried again by the next sweep', async () => {
      const t = await relaying({ healIntervalMs: 1000 });
      t.commit();
      jest.spyOn(t.log, 'since').mockRejectedValueOnce(new Error('database down'));
      await advance(1000);
      await nextTurn();
      expect(t.io.frames()).toEqual([]);
      await advance(999);
      await nextTurn();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
      expect(t.logged(40)).toEqual([warning('healing failed', 'database down', { stream: STREAM })]);
    });
  });

  describe('frames', () => {
    it('the first change after a quiet spell leaves at once; changes within batchMs after it share one frame', async () => {
      const t = await relaying({ batchMs: 100 });
      await t.deliver(t.commit());
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
      await advance(10);
      await t.deliver(t.commit());
      await advance(40);
      await t.deliver(t.commit());
      await advance(49); // 99 ms after the first frame
      expect(t.io.frames()).toHaveLength(1);
      await advance(1);
      expect(t.io.frames()).toEqual([
        { event: 'changes', since: 5, rev: 6, revs: [6] },
        { event: 'changes', since: 6, rev: 8, revs: [7, 8] },
      ]);
      await advance(500);
      await t.deliver(t.commit());
      expect(t.io.frames().at(-1)).toEqual({ event: 'changes', since: 8, rev: 9, revs: [9] });
      expect(await total(t.metrics.framesSent)).toBe(3);
    });
  });

  describe('frames while the node is busy (busyBatchMs)', () => {
    it('frames leave at most every busyBatchMs while it says so, each carrying what gathered; then every batchMs again', async () => {
      let busy = 300;
      const t = await relaying({ batchMs: 0, busyBatchMs: () => busy });
      await t.deliver(t.commit());
      for (let i = 0; i < 4; i++) {
        await advance(50);
        await t.deliver(t.commit());
      }
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
      await advance(100); // 300 ms after the first frame
      expect(t.io.frames()).toEqual([
        { event: 'changes', since: 5, rev: 6, revs: [6] },
        { event: 'changes', since: 6, rev: 10, revs: [7, 8, 9, 10] },
      ]);
      busy = 0;
      await t.deliver(t.commit());
      await advance(1);
      await t.deliver(t.commit());
      await advance(1);
      expect(t.io.frames().slice(2)).toEqual([
        { event: 'changes', since: 10, rev: 11, revs: [11] },
        { event: 'changes', since: 11, rev: 12, revs: [12] },
      ]);
    });
  });

  describe('frames when one per change would take the node more than SATURATED_SHARE of its time', () => {
    /** A node whose every frame takes `costMs` (on a clock of its own), and the frames it sent. */
    async function costly(costMs: number) {
      const frames: ChangesEvent[] = [];
      let extra = 0;
      const now = performance.now.bind(performance);
      jest.spyOn(performance, 'now').mockImplementation(() => now() + extra);
      const t = await relaying({ batchMs: 0, sendToRoom: (_room, _event, frame) => void (frames.push(frame as ChangesEvent), (extra += costMs)) });
      /** `n` changes, one every `everyMs` on the node's clock: the ones due while a frame went out come right after it. */
      const arrive = async (n: number, everyMs: number) => {
        let due = performance.now();
        for (let i = 0; i < n; i++, due += everyMs) {
          if (performance.now() < due) await advance(due - performance.now());
          await t.deliver(t.commit());
        }
        await advance(1000);
      };
      return { t, frames, arrive };
    }
    const revs = (frames: ChangesEvent[]) => frames.flatMap((f) => f.changes.map((c) => c.rev));

    it('20 changes a second at 100 ms a frame: frames wait as long as the last one took, each carrying what gathered; every change once, in order', async () => {
      const { frames, arrive } = await costly(100);
      await arrive(40, 50);
      expect(revs(frames)).toEqual(Array.from({ length: 40 }, (_, i) => 6 + i));
      // One frame per change for the first ten (not yet a second's worth), then about one per two.
      expect(frames.length).toBeLessThanOrEqual(28);
      for (let i = 1; i < frames.length; i++) expect(frames[i]!.since).toBe(frames[i - 1]!.rev);
    });

    it('5 changes a second at 100 ms a frame keep up: each change leaves at once, in a frame of its own', async () => {
      const { frames, arrive } = await costly(100);
      await arrive(12, 200);
      expect(frames.map((f) => f.changes.length)).toEqual(Array(12).fill(1));
    });
  });

  describe('release', () => {
    it('an emptied room keeps its stream for releaseAfterMs, then leaves the bus channel and forgets the stream', async () => {
      const t = await relaying({ releaseAfterMs: 1000 });
      const unsubscribe = jest.spyOn(t.bus, 'unsubscribe');
      t.io.leave(STREAM, 'reader-1');
      await advance(999);
      expect(t.fanout.relays(STREAM)).toBe(true);
      expect(unsubscribe).not.toHaveBeenCalled();
      await advance(1);
      expect(unsubscribe).toHaveBeenCalledWith(STREAM);
      expect(t.fanout.relays(STREAM)).toBe(false);
      expect(t.fanout.activeStreams).toEqual([]);
      expect(t.fanout.recentSince(STREAM, undefined, undefined)).toBeUndefined();
      await t.deliver(t.commit());
      expect(t.io.frames()).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('a reader who comes back before then keeps the stream as it was (no second activation)', async () => {
      const t = await relaying({ releaseAfterMs: 1000 });
      const position = jest.spyOn(t.log, 'position');
      const unsubscribe = jest.spyOn(t.bus, 'unsubscribe');
      t.io.leave(STREAM, 'reader-1');
      await advance(500);
      await t.fanout.ensure(STREAM);
      t.io.join(STREAM, 'reader-2');
      await advance(5000);
      expect(unsubscribe).not.toHaveBeenCalled();
      expect(position).not.toHaveBeenCalled();
      await t.deliver(t.commit());
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
    });

    it('a bus that cannot leave the channel is logged; the stream is released all the same', async () => {
      const t = await relaying({ releaseAfterMs: 1000 });
      jest.spyOn(t.bus, 'unsubscribe').mockRejectedValueOnce(new Error('redis down'));
      t.io.leave(STREAM, 'reader-1');
      await advance(1000);
      expect(t.fanout.relays(STREAM)).toBe(false);
      expect(t.logged(40)).toEqual([warning('unsubscribe failed', 'redis down')]);
    });

    it('a reader whose ensure() comes right as the delay ends keeps the stream as it was', async () => {
      const t = await relaying({ releaseAfterMs: 1000 });
      const position = jest.spyOn(t.log, 'position');
      const unsubscribe = jest.spyOn(t.bus, 'unsubscribe');
      t.io.leave(STREAM, 'reader-1');
      jest.advanceTimersByTime(1000); // the release is decided; its bus step has not run yet
      await t.fanout.ensure(STREAM);
      expect(unsubscribe).not.toHaveBeenCalled();
      expect(position).not.toHaveBeenCalled();
      expect(t.fanout.relays(STREAM)).toBe(true);
    });

    it('ensure() cancels a pending release at once, before the reader has joined the room', async () => {
      const t = await relaying({ releaseAfterMs: 1000 });
      t.io.leave(STREAM, 'reader-1');
      await advance(500);
      await t.fanout.ensure(STREAM); // the socket joins after its catch-up is answered
      await advance(1000);
      expect(t.fanout.relays(STREAM)).toBe(true);
    });

    it('a room that has members again when the delay ends is kept', async () => {
      const t = await relaying({ releaseAfterMs: 1000 });
      t.io.leave(STREAM, 'reader-1');
      t.io.join(STREAM, 'reader-2');
      await advance(1000);
      expect(t.fanout.relays(STREAM)).toBe(true);
    });

    it('the default delay is 5 s', async () => {
      const t = await relaying();
      t.io.leave(STREAM, 'reader-1');
      await advance(4999);
      expect(t.fanout.relays(STREAM)).toBe(true);
      await advance(1);
      expect(t.fanout.relays(STREAM)).toBe(false);
    });

    it('after a release, ensure() starts afresh from the database and relays on', async () => {
      const t = await relaying({ releaseAfterMs: 1000 });
      t.io.leave(STREAM, 'reader-1');
      await advance(1000);
      t.commit(2); // while nobody listened
      await t.fanout.ensure(STREAM);
      t.io.join(STREAM, 'reader-2');
      expect(t.fanout.recentSince(STREAM, undefined, undefined)?.rev).toBe(7);
      await t.deliver(t.commit());
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 7, rev: 8, revs: [8] }]);
    });

    it('a release raced by a new reader (ensure() while the bus unsubscribes): a later gap still starts its wait and heals', async () => {
      const t = await relaying({ releaseAfterMs: 10 });
      // A gap is waiting when the room empties.
      const [, b] = [t.commit(), t.commit()];
      await t.deliver(b);
      const unsubscribing = gate();
      jest.spyOn(t.bus, 'unsubscribe').mockImplementationOnce(async (s) => {
        await unsubscribing.opened;
        return MemoryBus.prototype.unsubscribe.call(t.bus, s);
      });
      t.io.leave(STREAM, 'reader-1');
      await advance(10); // released; the bus is still unsubscribing
      const ready = t.fanout.ensure(STREAM);
      t.io.join(STREAM, 'reader-2');
      unsubscribing.open();
      await ready;
      expect(t.fanout.recentSince(STREAM, undefined, undefined)?.rev).toBe(7);

      const [, d] = [t.commit(), t.commit()];
      await t.deliver(d);
      await advance(GAP_WAIT_MS);
      await nextTurn();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 7, rev: 9, revs: [8, 9] }]);
    });

    it('a room that is not a stream, and rooms emptied after close(), start no timer', async () => {
      const t = await relaying({ releaseAfterMs: 1000 });
      t.io.join('user:u1', 'reader-1');
      t.io.leave('user:u1', 'reader-1');
      expect(jest.getTimerCount()).toBe(0);
      await t.fanout.close();
      t.io.leave(STREAM, 'reader-1');
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  describe('sweep', () => {
    it('heals a stream that is behind the database head (a lost envelope with nothing after it)', async () => {
      const t = await relaying({ healIntervalMs: 2000 });
      t.commit(); // its envelope is lost
      await advance(1999);
      expect(await total(t.metrics.heals)).toBe(0);
      await advance(1);
      expect(await total(t.metrics.heals)).toBe(1);
      await nextTurn();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
    });

    it('runs every 2 s by default', async () => {
      const t = await relaying({ healIntervalMs: undefined });
      t.commit();
      await advance(1999);
      expect(await total(t.metrics.heals)).toBe(0);
      await advance(1);
      expect(await total(t.metrics.heals)).toBe(1);
      await nextTurn();
      expect(t.io.frames()).toHaveLength(1);
    });

    it('reads all heads in one query and leaves streams that are current alone', async () => {
      const t = await relaying({ healIntervalMs: 1000 });
      t.log.create('chat:t1', 2);
      await t.fanout.ensure('chat:t1');
      const heads = jest.spyOn(t.log, 'heads');
      const since = jest.spyOn(t.log, 'since');
      await advance(1000);
      expect(heads.mock.calls).toEqual([[[STREAM, 'chat:t1']]]);
      expect(since).not.toHaveBeenCalled();
    });

    it('does not query while no stream is relayed: none, one still activating, one whose activation failed', async () => {
      const t = await setup({ healIntervalMs: 1000 });
      const heads = jest.spyOn(t.log, 'heads');
      await advance(1000);
      t.log.create('chat:t1', 1);
      const reading = gate();
      jest
        .spyOn(t.log, 'position')
        .mockImplementationOnce(async (s) => {
          await reading.opened;
          return FakeChangeLog.prototype.position.call(t.log, s);
        })
        .mockRejectedValueOnce(new Error('database down'));
      const activating = t.fanout.ensure(STREAM);
      await expect(t.fanout.ensure('chat:t1')).rejects.toThrow('database down');
      await advance(2000);
      expect(heads).not.toHaveBeenCalled();
      reading.open();
      await activating;
      await advance(1000);
      expect(heads.mock.calls).toEqual([[[STREAM]]]);
    });

    it('leaves a stream whose gap wait runs to that wait', async () => {
      const t = await relaying({ healIntervalMs: 20 });
      const [, b] = [t.commit(), t.commit()];
      await advance(10);
      await t.deliver(b); // gap: wait until 60 ms
      await advance(GAP_WAIT_MS - 1); // sweeps at 20 and 40 see the head ahead
      expect(await total(t.metrics.heals)).toBe(0);
      await advance(1);
      expect(await total(t.metrics.heals)).toBe(1);
      await nextTurn();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 7, revs: [6, 7] }]);
    });

    it('does not start a second heal of a stream whose heal is still reading', async () => {
      const t = await relaying({ healIntervalMs: 1000 });
      t.commit();
      const reading = gate();
      const since = jest.spyOn(t.log, 'since').mockImplementation(async (...args) => {
        await reading.opened;
        return FakeChangeLog.prototype.since.apply(t.log, args);
      });
      const heads = jest.spyOn(t.log, 'heads');
      await advance(3000);
      expect(since).toHaveBeenCalledTimes(1);
      expect(heads).toHaveBeenCalledTimes(1); // later sweeps skip the stream that is healing
      t.fanout.healAll('test');
      expect(since).toHaveBeenCalledTimes(1);
      reading.open();
      await settle();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
    });

    it('a sweep answered after newer changes arrived does not take its heads for a database that went back (no change sent twice)', async () => {
      const t = await relaying({ healIntervalMs: 1000 });
      // The heads query is slow: it reads head 5, and rev 6 is relayed before it answers.
      let answer!: () => void;
      jest.spyOn(t.log, 'heads').mockImplementationOnce(async (names) => {
        const stale = new Map(names.map((n) => [n, 5]));
        await new Promise<void>((resolve) => (answer = resolve));
        return stale;
      });
      await advance(1000);
      await t.deliver(t.commit());
      answer();
      await nextTurn();
      await t.deliver(t.commit());
      await advance(2000);
      await nextTurn();
      expect(t.io.frames().flatMap((f) => f.revs)).toEqual([6, 7]);
      expect(t.logged(40)).toEqual([]);
    });

    it('a sweep whose query fails is followed by one that works', async () => {
      const t = await relaying({ healIntervalMs: 1000 });
      t.commit();
      jest.spyOn(t.log, 'heads').mockRejectedValueOnce(new Error('database down'));
      await advance(1000);
      expect(await total(t.metrics.heals)).toBe(0);
      await advance(1000);
      expect(await total(t.metrics.heals)).toBe(1);
      await nextTurn();
      expect(t.io.frames()).toHaveLength(1);
      expect(t.logged(40)).toEqual([warning('sweep failed', 'database down')]);
      expect(t.logged(20)).toEqual([expect.objectContaining({ why: 'sweep', from: 5, to: 6 })]);
    });
  });

  describe('recentSince() (resumes from memory)', () => {
    it('answers the changes after a position it holds, compacted as the database would', async () => {
      const t = await relaying();
      const edit: StreamEnvelope = { v: 1, node: 'node-b', stream: STREAM, since: 5, rev: 6, changes: [{ rev: 6, type: 'entry.updated', data: entry('e3', 3) }] };
      t.log.streams.get(STREAM)!.changes.push(edit.changes[0]);
      await t.deliver(edit);
      const got = t.fanout.recentSince(STREAM, 2, 'e1');
      expect(got).toEqual({ rev: 6, epoch: 'e1', more: false, bytes: expect.any(Number), changes: [expect.objectContaining({ rev: 4 }), expect.objectContaining({ rev: 5 }), expect.objectContaining({ rev: 6, type: 'entry.created' })] });
      expect(got!.bytes).toBe(got!.changes.reduce((n, c) => n + Buffer.byteLength(JSON.stringify(c)), 0));
      expect(t.fanout.recentSince(STREAM, 6, 'e1')).toEqual({ rev: 6, epoch: 'e1', changes: [], more: false, bytes: expect.any(Number) });
    });

    it('computes an answer once per position while nothing new arrived, and a new one after a change', async () => {
      const t = await relaying();
      const first = t.fanout.recentSince(STREAM, 3, 'e1');
      expect(t.fanout.recentSince(STREAM, 3, 'e1')).toBe(first);
      expect(t.fanout.recentSince(STREAM, 4, 'e1')?.changes.map((c) => c.rev)).toEqual([5]);
      await t.deliver(t.commit());
      const after = t.fanout.recentSince(STREAM, 3, 'e1');
      expect(after?.changes.map((c) => c.rev)).toEqual([4, 5, 6]);
      expect(after?.rev).toBe(6);
      expect(t.fanout.recentSince(STREAM, 4, 'e1')?.changes.map((c) => c.rev)).toEqual([5, 6]);
      expect(await total(t.metrics.catchUps, { source: 'cache' })).toBe(5);
    });

    it('answers about 1 MB at most: a prefix in rev order with more: true, the rest from where it ends', async () => {
      const t = await relaying();
      const big = (id: string, rev: number): Change => ({ rev, type: 'entry.created', data: Object.assign(entry(id, rev), { body: 'b'.repeat(300_000) }) });
      const burst: StreamEnvelope = { v: 1, node: 'node-b', stream: STREAM, since: 5, rev: 10, changes: [6, 7, 8, 9, 10].map((r) => big(`b${r}`, r)) };
      t.log.streams.get(STREAM)!.changes.push(...burst.changes);
      await t.deliver(burst);
      const first = t.fanout.recentSince(STREAM, 5, 'e1')!;
      expect(first.changes.map((c) => c.rev)).toEqual([6, 7, 8]);
      expect(first).toMatchObject({ rev: 8, more: true });
      expect(first.bytes).toBeLessThanOrEqual(MAX_CATCH_UP_BYTES);
      const rest = t.fanout.recentSince(STREAM, first.rev, 'e1')!;
      expect(rest.changes.map((c) => c.rev)).toEqual([9, 10]);
      expect(rest).toMatchObject({ rev: 10, more: false });
    });

    it('answers only for the stream epoch; a resume without an epoch is taken as this one', async () => {
      const t = await relaying();
      expect(t.fanout.recentSince(STREAM, 3, 'e2')).toBeUndefined();
      expect(t.fanout.recentSince(STREAM, 3, undefined)?.changes.map((c) => c.rev)).toEqual([4, 5]);
      expect(t.fanout.recentSince(STREAM, 3, 'e1')?.changes.map((c) => c.rev)).toEqual([4, 5]);
    });

    it('leaves a position ahead of the head to the database (it answers reset)', async () => {
      const t = await relaying();
      expect(t.fanout.recentSince(STREAM, 6, 'e1')).toBeUndefined();
    });

    it('answers only for positions still in the cache as it rolls', async () => {
      const t = await relaying({ recentChanges: 3 });
      await t.deliver(t.commit(2)); // holds 5, 6, 7: complete after 4
      expect(t.fanout.recentSince(STREAM, 4, 'e1')?.changes.map((c) => c.rev)).toEqual([5, 6, 7]);
      expect(t.fanout.recentSince(STREAM, 3, 'e1')).toBeUndefined();
      await t.deliver(t.commit(1));
      expect(t.fanout.recentSince(STREAM, 4, 'e1')).toBeUndefined();
      expect(t.fanout.recentSince(STREAM, 5, 'e1')?.changes.map((c) => c.rev)).toEqual([6, 7, 8]);
    });

    it('a cache that has just filled up still answers from its start', async () => {
      const t = await setup({ recentChanges: 7 });
      await t.fanout.ensure(STREAM); // holds 1..5
      t.io.join(STREAM, 'reader-1');
      await t.deliver(t.commit(2)); // holds 1..7: exactly full
      expect(t.fanout.recentSince(STREAM, 0, 'e1')?.changes.map((c) => c.rev)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await t.deliver(t.commit(1));
      expect(t.fanout.recentSince(STREAM, 0, 'e1')).toBeUndefined();
      expect(t.fanout.recentSince(STREAM, 1, 'e1')?.changes.map((c) => c.rev)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    });

    it('never answers a moderation stream from the cache, only its position', async () => {
      const t = await setup();
      t.log.create('mod:t1', 3);
      await t.fanout.ensure('mod:t1');
      expect(t.fanout.recentSince('mod:t1', 1, 'e1')).toBeUndefined();
      expect(t.fanout.recentSince('mod:t1', 3, 'e1')).toBeUndefined();
      expect(t.fanout.recentSince('mod:t1', undefined, undefined)).toEqual({ rev: 3, epoch: 'e1', changes: [], more: false });
    });

    it('answers nothing for a stream it does not relay or is still activating', async () => {
      const t = await setup();
      expect(t.fanout.recentSince(STREAM, undefined, undefined)).toBeUndefined();
      const reading = gate();
      jest.spyOn(t.log, 'position').mockImplementationOnce(async (s) => {
        await reading.opened;
        return FakeChangeLog.prototype.position.call(t.log, s);
      });
      const ready = t.fanout.ensure(STREAM);
      await settle();
      expect(t.fanout.relays(STREAM)).toBe(false);
      expect(t.fanout.recentSince(STREAM, undefined, undefined)).toBeUndefined();
      reading.open();
      await ready;
      expect(t.fanout.recentSince(STREAM, undefined, undefined)?.rev).toBe(5);
    });

    it('leaves an answer longer than one catch-up to the database', async () => {
      const t = await setup({ recentChanges: MAX_CATCH_UP + 10 });
      t.commit(MAX_CATCH_UP - 4); // MAX_CATCH_UP + 1 changes in all
      await t.fanout.ensure(STREAM);
      expect(t.fanout.recentSince(STREAM, 0, 'e1')).toBeUndefined();
      expect(t.fanout.recentSince(STREAM, 1, 'e1')?.changes).toHaveLength(MAX_CATCH_UP);
    });

    it('counts only the answers it gave as cache catch-ups', async () => {
      const t = await relaying();
      t.fanout.recentSince(STREAM, undefined, undefined);
      t.fanout.recentSince(STREAM, 3, 'e2');
      expect(await total(t.metrics.catchUps)).toBe(0);
      t.fanout.recentSince(STREAM, 3, 'e1');
      expect(await total(t.metrics.catchUps, { source: 'cache' })).toBe(1);
    });
  });

  describe('a new stream (rev 0)', () => {
    const NEW = 'ticker:new';

    async function empty(opts: Partial<FanoutOptions> = {}) {
      const t = await setup(opts);
      t.log.create(NEW, 0);
      await t.fanout.ensure(NEW);
      t.io.join(NEW, 'reader-1');
      return t;
    }

    it('is relayed from its first change, and its position answered from memory', async () => {
      const t = await empty();
      expect(t.fanout.relays(NEW)).toBe(true);
      expect(t.fanout.recentSince(NEW, undefined, undefined)).toEqual({ rev: 0, epoch: 'e1', changes: [], more: false });
      expect(t.fanout.recentSince(NEW, 0, 'e1')).toEqual({ rev: 0, epoch: 'e1', changes: [], more: false, bytes: expect.any(Number) });
      await t.deliver(t.commit(1, NEW));
      expect(t.io.frames(NEW)).toEqual([{ event: 'changes', since: 0, rev: 1, revs: [1] }]);
    });

    it('whose first envelope is lost is healed by the sweep', async () => {
      const t = await empty({ healIntervalMs: 1000 });
      t.commit(1, NEW);
      await advance(1000);
      await nextTurn();
      expect(t.io.frames(NEW)).toEqual([{ event: 'changes', since: 0, rev: 1, revs: [1] }]);
    });

    it('is healed when the bus reconnects', async () => {
      const t = await setup({}, (hub) => new ReconnectingBus('node-a', hub));
      const { bus } = t;
      t.log.create(NEW, 0);
      await t.fanout.ensure(NEW);
      t.io.join(NEW, 'reader-1');
      t.commit(1, NEW);
      bus.reconnected();
      await settle();
      expect(t.io.frames(NEW)).toEqual([{ event: 'changes', since: 0, rev: 1, revs: [1] }]);
    });

    it('keeps its position when a reader comes right as its release is decided', async () => {
      const t = await empty({ releaseAfterMs: 1000 });
      const position = jest.spyOn(t.log, 'position');
      t.io.leave(NEW, 'reader-1');
      jest.advanceTimersByTime(1000);
      await t.fanout.ensure(NEW);
      expect(position).not.toHaveBeenCalled();
    });
  });

  describe('publish() (changes committed on this node)', () => {
    it('relays to the local room and hands one envelope to the other nodes', async () => {
      const t = await relaying();
      const { changes } = t.log.commit(STREAM, 2);
      t.fanout.publish(STREAM, changes);
      await settle();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 7, revs: [6, 7] }]);
      expect(t.heardByOther).toEqual([{ v: 1, node: 'node-a', stream: STREAM, since: 5, rev: 7, changes }]);
      expect(await total(t.metrics.changesPublished)).toBe(2);
    });

    it('publishes nothing for no changes', async () => {
      const t = await relaying();
      t.fanout.publish(STREAM, []);
      await settle();
      expect(t.heardByOther).toEqual([]);
      expect(await total(t.metrics.changesPublished)).toBe(0);
    });

    it('a stream no one here reads still goes to the other nodes', async () => {
      const t = await setup();
      const { changes } = t.log.commit(STREAM, 1);
      t.fanout.publish(STREAM, changes);
      await settle();
      expect(t.io.sent).toEqual([]);
      expect(t.heardByOther).toHaveLength(1);
    });

    it('a bus that cannot publish is logged, not thrown (the other nodes heal on their sweep)', async () => {
      const t = await relaying();
      jest.spyOn(t.bus, 'publish').mockRejectedValueOnce(new Error('redis down'));
      t.fanout.publish(STREAM, t.log.commit(STREAM, 1).changes);
      await settle();
      expect(t.io.frames()).toHaveLength(1);
      expect(t.logged(40)).toEqual([warning('bus publish failed', 'redis down', { stream: STREAM })]);
    });
  });

  describe('bus events', () => {
    it('control messages of other nodes reach onControl; the node own do not', async () => {
      const t = await setup();
      const msg: ControlEnvelope = { v: 1, node: 'node-b', type: 'sessions.ended', data: { userId: 'u1' } };
      await t.other.publishControl(msg);
      await t.bus.publishControl({ ...msg, node: 'node-a' });
      await settle();
      expect(t.onControl.mock.calls).toEqual([[msg]]);
    });

    it('a bus that reconnects heals every relayed stream, then says so', async () => {
      const onBusReconnect = jest.fn();
      const t = await setup({ onBusReconnect }, (hub) => new ReconnectingBus('node-a', hub));
      const { bus } = t;
      await t.fanout.ensure(STREAM);
      t.io.join(STREAM, 'reader-1');
      t.commit(); // lost during the outage
      bus.reconnected();
      expect(onBusReconnect).toHaveBeenCalledTimes(1);
      await settle();
      expect(t.io.frames()).toEqual([{ event: 'changes', since: 5, rev: 6, revs: [6] }]);
      expect(t.logged(20)).toEqual([expect.objectContaining({ why: 'bus reconnected' })]);
    });

    it('a node without onControl or onBusReconnect listeners takes both events quietly', async () => {
      const t = await setup({ onControl: undefined }, (hub) => new ReconnectingBus('node-a', hub));
      const { bus } = t;
      await t.other.publishControl({ v: 1, node: 'node-b', type: 'presence', data: {} });
      await settle();
      bus.reconnected();
      await settle();
    });
  });

  it('close() stops every timer and leaves the bus', async () => {
    const t = await relaying({ healIntervalMs: 1000, releaseAfterMs: 1000, batchMs: 100 });
    t.io.join('ticker:t2', 'reader-2');
    t.log.create('ticker:t2', 1);
    await t.fanout.ensure('ticker:t2');
    await t.deliver(t.commit()); // frame sent; the next ones wait for batchMs, in one frame
    await t.deliver(t.commit());
    await t.deliver(t.commit());
    const [, late] = [t.commit(1, 'ticker:t2'), t.commit(1, 'ticker:t2')];
    await t.deliver(late); // a gap wait
    t.io.leave(STREAM, 'reader-1'); // a release wait
    expect(jest.getTimerCount()).toBeGreaterThanOrEqual(4);
    await t.fanout.close();
    expect(jest.getTimerCount()).toBe(0);
    expect(t.fanout.activeStreams).toEqual([]);
    await t.other.publish(t.commit());
    await advance(5000);
    expect(t.io.frames()).toHaveLength(1);
  });
});

describe('compact()', () => {
  const created = (id: string, seq: number, rev: number): Change => ({ rev, type: 'entry.created', data: entry(id, seq) });
  const updated = (id: string, seq: number, rev: number): Change => ({ rev, type: 'entry.updated', data: entry(id, seq) });
  const deleted = (id: string, seq: number, rev: number): Change => ({ rev, type: 'entry.deleted', data: entry(id, seq, true) });
  const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.data.id}@${c.rev}`);

  it('gives each item once, at its last change, in rev order, leaving out what is not after since', () => {
    const log = [created('a', 1, 1), created('b', 2, 2), updated('a', 1, 3), created('c', 4, 4), updated('b', 2, 5)];
    expect(brief(compact(log, 0))).toEqual(['entry.created a@3', 'entry.created c@4', 'entry.created b@5']);
    expect(brief(compact(log, 3))).toEqual(['entry.created c@4', 'entry.updated b@5']);
    expect(compact(log, 5)).toEqual([]);
  });

  it('an item created after since is *.created even when its last change is an edit; one created before stays updated', () => {
    const log = [created('a', 1, 1), created('b', 2, 2), updated('b', 2, 3), updated('a', 1, 4)];
    expect(brief(compact(log, 1))).toEqual(['entry.created b@3', 'entry.updated a@4']);
    // The input is left as it was.
    expect(log[2].type).toBe('entry.updated');
    expect(brief(compact(log, 1)).length).toBe(2);
  });

  it('an item whose last change is a deletion stays a tombstone', () => {
    const log = [created('a', 1, 1), created('b', 2, 2), updated('b', 2, 3), deleted('b', 2, 4), deleted('a', 1, 5)];
    expect(brief(compact(log, 1))).toEqual(['entry.deleted b@4', 'entry.deleted a@5']);
  });

  it('a change without a seq keeps its type, created ones included (reports)', () => {
    const report = { rev: 4, type: 'report.created', data: { id: 'r1', messageId: 'm1' } } as Change;
    expect(compact([report], 1)).toEqual([report]);
  });

  it('changes without a seq (ticker meta) pass as they are; kinds do not share ids', () => {
    const meta = { rev: 2, type: 'ticker.updated', data: { id: 'a', title: 'T' } } as unknown as Change;
    const message = { rev: 3, type: 'message.updated', data: { id: 'a', seq: 3 } } as unknown as Change;
    const log = [created('a', 1, 1), meta, message];
    const out = compact(log, 0);
    expect(brief(out)).toEqual(['entry.created a@1', 'ticker.updated a@2', 'message.created a@3']);
    expect(out[1]).toBe(meta);
    expect(out[0]).toBe(log[0]);
  });
});
