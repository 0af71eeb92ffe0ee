import { Server as IoServer } from 'socket.io';
import pino from 'pino';
import { Decoder, Encoder, PacketType } from 'socket.io-parser';
import type { Packet } from 'socket.io-parser';
import { ReconnectStorm, STORM_BATCH_MS } from '../../server/src/realtime/storm';
import { Encoded, sharingParser } from '../../server/src/realtime/encoded';
import { MemoryPresence, Presence, pushGapMs } from '../../server/src/realtime/presence';

describe('ReconnectStorm', () => {
  it('is on from the 500th handshake within a second until 0.5 s after the last handshake past it, and says so once per storm', () => {
    let now = 10_000;
    const storms: number[] = [];
    const storm = new ReconnectStorm({ now: () => now, onStorm: () => storms.push(now) });
    for (let i = 0; i < 499; i++) storm.note();
    expect(storm.active).toBe(false);
    expect(storm.batchMs()).toBe(0);
    storm.note();
    expect(storm.active).toBe(true);
    expect(storm.batchMs()).toBe(STORM_BATCH_MS);
    now += 400;
    expect(storm.active).toBe(true);
    now += 600; // a new second: the count starts again
    expect(storm.active).toBe(false);
    for (let i = 0; i < 600; i++) storm.note();
    expect(storms).toEqual([10_000, 11_000]);
    now += 499;
    expect(storm.active).toBe(true);
    now += 1;
    expect(storm.active).toBe(false);
    // A slow trickle never makes one.
    now += 500;
    for (let s = 0; s < 10; s++, now += 1000) for (let i = 0; i < 100; i++) storm.note();
    expect(storm.active).toBe(false);
    expect(storms).toHaveLength(2);
  });
});

describe('the sharing encoder (encoded.ts)', () => {
  const decode = (encoded: Array<string | Buffer>): Promise<Packet> =>
    new Promise((resolve) => {
      const decoder = new Decoder();
      decoder.on('decoded', resolve);
      for (const part of encoded) decoder.add(part);
    });

  it('writes an Encoded argument as it is, in the wire format Socket.IO reads back as the same value', async () => {
    const value = { ok: true, rev: 7, changes: [{ rev: 7, type: 'entry.created', data: { id: 'e1', body: '<p>"quoted" \\u2028</p>' } }] };
    const ack: Packet = { type: PacketType.ACK, nsp: '/', id: 12, data: [new Encoded(JSON.stringify(value))] };
    const mine = new sharingParser.Encoder().encode(ack);
    expect(mine).toEqual(new Encoder().encode({ ...ack, data: [value] }));
    expect(await decode(mine)).toEqual({ type: PacketType.ACK, nsp: '/', id: 12, data: [value] });
    const event: Packet = { type: PacketType.EVENT, nsp: '/admin', data: ['changes', new Encoded('{"a":1}'), undefined] };
    expect(await decode(new sharingParser.Encoder().encode(event))).toEqual({ type: PacketType.EVENT, nsp: '/admin', data: ['changes', { a: 1 }, null] });
  });

  it('leaves every other packet to socket.io-parser (binary ones included)', () => {
    const packets: Packet[] = [
      { type: PacketType.CONNECT, nsp: '/', data: { sid: 'x' } },
      { type: PacketType.EVENT, nsp: '/', data: ['hello', { n: 1 }] },
      { type: PacketType.EVENT, nsp: '/', data: ['file', Buffer.from('abc')] },
    ];
    for (const p of packets) expect(new sharingParser.Encoder().encode(p)).toEqual(new Encoder().encode(p));
  });
});

describe('presence pushes to big rooms (pushGapMs)', () => {
  afterEach(() => jest.useRealTimers());

  it('every second up to a thousand sockets, then a millisecond per socket, at most 10 s', () => {
    expect(pushGapMs(3)).toBe(1000);
    expect(pushGapMs(1000)).toBe(1000);
    expect(pushGapMs(4000)).toBe(4000);
    expect(pushGapMs(50_000)).toBe(10_000);
    expect(pushGapMs(10, 200)).toBe(200);
  });

  it('holds a changed count back until the room’s gap has passed, then pushes the newest', async () => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
    const io = new IoServer(); // rooms and their events only: no listener
    const adapter = io.of('/').adapter;
    const pushed: Array<{ room: string; readers: number; at: number }> = [];
    const presence = new Presence({
      io,
      store: new MemoryPresence(),
      nodeId: 'n1',
      logger: pino({ level: 'silent' }),
      intervalMs: 100,
      sendToRoom: (room, _event, data) => void pushed.push({ room, readers: (data as { readers: number }).readers, at: performance.now() }),
    });
    presence.start();
    try {
      const join = (n: number, from: number, room: string) => {
        for (let i = from; i < from + n; i++) void adapter.addAll(`s${i}`, new Set([`s${i}`, room]));
      };
      join(2000, 0, 'ticker:t1'); // the bigger room: a gap of 2 s
      // Readers joining the chat change the ticker's count and leave the gap as it is.
      await presence.tick();
      expect(pushed.map((p) => [p.room, p.readers])).toEqual([
        ['ticker:t1', 2000],
        ['chat:t1', 2000],
      ]);
      const first = pushed[0].at;
      join(30, 2000, 'chat:t1');
      // The node's own ticks, every 100 ms: nothing for 1.9 s, then the newest count.
      const settle = async () => {
        for (let i = 0; i < 10; i++) await Promise.resolve();
      };
      for (let t = 1; t < 20; t++) {
        jest.advanceTimersByTime(100);
        await settle();
      }
      expect(pushed).toHaveLength(2);
      jest.advanceTimersByTime(100);
      await settle();
      expect(pushed.slice(2).map((p) => [p.room, p.readers, p.at - first])).toEqual([
        ['ticker:t1', 2030, 2000],
        ['chat:t1', 2030, 2000],
      ]);
    } finally {
      presence.stop(); // the server was never attached to a listener: nothing else to close
    }
  });
});
