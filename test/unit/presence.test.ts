import { EventEmitter } from 'node:events';
import pino from 'pino';
import type { Server as IoServer } from 'socket.io';
import { Presence } from '../../server/src/realtime/presence';
import type { PresenceStore } from '../../server/src/realtime/presence';

// Presence on jest's fake clock, with a stand-in for Socket.IO's default namespace (its adapter's
// rooms and join events; sockets without a WebSocket underneath, so the push goes through
// `to(room).emit`, which records it) and a store that answers whatever total a test sets.

class FakeIo {
  readonly adapter = Object.assign(new EventEmitter(), { rooms: new Map<string, Set<string>>() });
  readonly sockets = new Map<string, { data: Record<string, unknown>; emit: (event: string, p: { stream: string; readers: number }) => void }>();
  readonly pushed: Array<{ stream: string; readers: number }> = [];
  /** What single sockets were told, by socket id. */
  readonly told = new Map<string, number[]>();

  of() {
    return { adapter: this.adapter, sockets: this.sockets, to: () => this.to() };
  }

  to() {
    return { emit: (_event: string, p: { stream: string; readers: number }) => void this.pushed.push(p) };
  }

  join(room: string, socketId: string): void {
    const emit = (_event: string, p: { stream: string; readers: number }) => {
      if (p.stream === 'ticker:t1') this.told.set(socketId, [...(this.told.get(socketId) ?? []), p.readers]);
    };
    this.sockets.set(socketId, { data: {}, emit });
    let members = this.adapter.rooms.get(room);
    if (!members) this.adapter.rooms.set(room, (members = new Set()));
    members.add(socketId);
    this.adapter.emit('join-room', room, socketId);
  }

  /** The counts readers of `ticker:t1` were told, in order. */
  counts(): number[] {
    return this.pushed.filter((p) => p.stream === 'ticker:t1').map((p) => p.readers);
  }
}

function setup() {
  const io = new FakeIo();
  const store = { total: 0 } as { total: number } & PresenceStore;
  store.report = async () => undefined;
  store.totals = async (ids) => new Map(ids.map((id) => [id, store.total]));
  const presence = new Presence({ io: io as unknown as IoServer, store, nodeId: 'n1', logger: pino({ level: 'silent' }) });
  presence.start();
  io.join('ticker:t1', 's1');
  /** `seconds` of ticks, the total changing by one before each. */
  const run = async (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      store.total++;
      // The node's own once-a-second tick, and the store's answers, before the next change.
      await jest.advanceTimersByTimeAsync(1000);
    }
  };
  return { io, store, presence, run };
}

describe('presence', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('tells the readers of a small audience every change of their number, once a second', async () => {
    const { io, store, presence, run } = setup();
    store.total = 40;
    await run(5);
    expect(io.counts()).toEqual([41, 42, 43, 44, 45]);
    presence.stop();
  });

  it('tells 5,000 readers on this node their number every 5 s, so the count costs about a thousand writes a second', async () => {
    const { io, store, presence, run } = setup();
    for (let i = 2; i <= 5000; i++) io.join('ticker:t1', `s${i}`);
    store.total = 5000;
    await run(12);
    // The first change at once, then the latest every 5 s.
    expect(io.counts()).toEqual([5001, 5006, 5011]);
    presence.stop();
  });

  it('does not push a number that did not change', async () => {
    const { io, store, presence } = setup();
    store.total = 7;
    await jest.advanceTimersByTimeAsync(3000);
    expect(io.counts()).toEqual([7]);
    presence.stop();
  });

  it('tells a socket that joins an audience whose number stays the same that number, once, and no one else again', async () => {
    const { io, store, presence } = setup();
    store.total = 7;
    await jest.advanceTimersByTimeAsync(1000);
    expect(io.counts()).toEqual([7]);
    // A reader's second tab: the total stays 7.
    io.join('ticker:t1', 's2');
    await jest.advanceTimersByTimeAsync(3000);
    expect(io.told.get('s2')).toEqual([7]);
    expect(io.told.get('s1')).toBeUndefined();
    expect(io.counts()).toEqual([7]);
    presence.stop();
  });

  it('pushes a change at the next tick even when that tick came a little early', async () => {
    const { io, store, presence } = setup();
    store.total = 3;
    await jest.advanceTimersByTimeAsync(1000);
    // The next tick's store answers 10 ms sooner than this one's did.
    const realNow = performance.now.bind(performance);
    let skew = 0;
    const spy = jest.spyOn(performance, 'now').mockImplementation(() => realNow() - skew);
    skew = 10;
    store.total = 4;
    await jest.advanceTimersByTimeAsync(1000);
    expect(io.counts()).toEqual([3, 4]);
    spy.mockRestore();
    presence.stop();
  });

  it('does not write to each socket that joins while the number changes (a reconnect storm): they get the next push with the room', async () => {
    const { io, store, presence, run } = setup();
    for (let i = 2; i <= 5000; i++) io.join('ticker:t1', `s${i}`);
    store.total = 5000;
    await run(1);
    io.join('ticker:t1', 'late');
    await run(3);
    expect(io.told.get('late')).toBeUndefined();
    expect(io.counts()).toEqual([5001]);
    await run(2);
    expect(io.counts()).toEqual([5001, 5006]);
    presence.stop();
  });
});
