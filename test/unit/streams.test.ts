import type { Socket } from 'socket.io-client';
import type { Change, ChangesEvent, ErrorCode } from '@liveticker/schemas';
import { StreamSync, backoff, isTransient } from '../../client-sdk/src/streams';
import type { CatchUp, StreamSyncOptions } from '../../client-sdk/src/streams';
import { LivetickerError } from '../../client-sdk/src/rest';

// StreamSync against a stand-in for the Socket.IO client socket, on jest's fake clock. The real
// socket (acks, reconnects, frames from a real server) is covered by the integration and fault
// tests; here only the state machine: positions, order, gaps, retries.

const STREAM = 'ticker:t1';
const ACK_TIMEOUT_MS = 10_000;

interface Ask {
  event: string;
  payload: Record<string, unknown>;
  ms: number;
  answer(ack: unknown): void;
}

/**
 * Exactly what StreamSync uses of a Socket.IO client socket: `connected`, `emit`, and
 * `timeout(ms).emitWithAck(event, payload)`, which like Socket.IO's rejects when no ack came
 * within `ms`. The test answers the acks.
 */
class FakeSocket {
  connected = true;
  /** Every `emitWithAck` ever made, oldest first. */
  readonly sent: Ask[] = [];
  /** Those still waiting for their ack. */
  readonly waiting: Ask[] = [];
  readonly emitted: Array<{ event: string; payload: unknown }> = [];

  timeout(ms: number) {
    return {
      emitWithAck: (event: string, payload: Record<string, unknown>) =>
        new Promise<unknown>((resolve, reject) => {
          const ask: Ask = {
            event,
            payload,
            ms,
            answer: (ack) => {
              clearTimeout(timer);
              this.waiting.splice(this.waiting.indexOf(ask), 1);
              resolve(ack);
            },
          };
          const timer = setTimeout(() => {
            this.waiting.splice(this.waiting.indexOf(ask), 1);
            reject(new Error('operation has timed out'));
          }, ms);
          this.sent.push(ask);
          this.waiting.push(ask);
        }),
    };
  }

  emit(event: string, payload: unknown): this {
    this.emitted.push({ event, payload });
    return this;
  }

  /** Answers the oldest subscribe still waiting. */
  async answer(ack: unknown): Promise<void> {
    const ask = this.waiting[0];
    if (!ask) throw new Error('no subscribe is waiting for an ack');
    ask.answer(ack);
    await settle();
  }
}

/** Lets every promise and zero-delay timer run. */
const settle = () => jest.advanceTimersByTimeAsync(0);

const change = (rev: number) => ({ rev, type: 'message.created', data: { id: `m${rev}` } }) as unknown as Change;
const revs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const changes = (from: number, to: number) => revs(from, to).map(change);
/** A pushed frame complete from `since` (exclusive) to `rev`. */
const frame = (since: number, rev: number): ChangesEvent => ({ stream: STREAM, since, rev, changes: changes(since + 1, rev) });
const ok = (body: CatchUp) => ({ ok: true, ...body });
const refusal = (code: ErrorCode) => ({ ok: false, error: { code, message: `refused: ${code}` } });

function setup(opts: StreamSyncOptions = {}) {
  const socket = new FakeSocket();
  /** Each apply call: the revs it carried and the position it moved to. */
  const applied: Array<{ revs: number[]; rev: number }> = [];
  const errors: LivetickerError[] = [];
  const sync = new StreamSync(
    socket as unknown as Socket,
    STREAM,
    (got, rev) => applied.push({ revs: got.map((c) => c.rev), rev }),
    (err) => errors.push(err),
    opts,
  );
  const appliedRevs = () => applied.flatMap((a) => a.revs);
  return { socket, sync, applied, appliedRevs, errors };
}

/** A sync that has subscribed and stands at rev 5 of epoch `e1`. */
async function atRev5(opts: StreamSyncOptions = {}) {
  const s = setup(opts);
  const done = s.sync.sync();
  await s.socket.answer(ok({ rev: 5, epoch: 'e1', changes: [] }));
  await done;
  s.applied.length = 0;
  return s;
}

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
  // backoff(attempt, 1000, …) is then exactly 1000 · 2^attempt ms.
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('StreamSync', () => {
  describe('subscribing', () => {
    it('a first subscribe asks for the stream alone and takes the head it is given, even with no changes', async () => {
      const { socket, sync, applied } = setup();
      const done = sync.sync();
      expect(socket.sent).toHaveLength(1);
      expect(socket.sent[0]).toMatchObject({ event: 'subscribe', ms: ACK_TIMEOUT_MS });
      expect(socket.sent[0].payload).toStrictEqual({ stream: STREAM });

      await socket.answer(ok({ rev: 5, epoch: 'e1', changes: [] }));
      await done;
      expect(applied).toEqual([{ revs: [], rev: 5 }]);
      expect(sync.lastRev).toBe(5);
      expect(sync.epoch).toBe('e1');
    });

    it('a resume after a reconnect asks with since and epoch and applies only the changes it did not have', async () => {
      const { socket, sync, applied } = await atRev5();
      const done = sync.sync();
      expect(socket.sent[1].payload).toStrictEqual({ stream: STREAM, since: 5, epoch: 'e1' });
      // A catch-up may repeat a change the client already holds (it raced a pushed frame).
      await socket.answer(ok({ rev: 7, epoch: 'e1', changes: [change(4), change(5), change(6), change(7)] }));
      await done;
      expect(applied).toEqual([{ revs: [6, 7], rev: 7 }]);
      expect(sync.lastRev).toBe(7);
    });

    it('a resume with nothing new applies nothing', async () => {
      const { socket, sync, applied } = await atRev5();
      const done = sync.sync();
      await socket.answer(ok({ rev: 5, epoch: 'e1', changes: [] }));
      await done;
      expect(applied).toEqual([]);
      expect(sync.lastRev).toBe(5);
    });

    it('a stream that is still empty (rev 0) resumes from 0 and applies its first frame at once', async () => {
      const { socket, sync, applied } = setup();
      const first = sync.sync();
      await socket.answer(ok({ rev: 0, epoch: 'e1', changes: [] }));
      await first;
      const again = sync.sync();
      expect(socket.sent[1].payload).toStrictEqual({ stream: STREAM, since: 0, epoch: 'e1' });
      await socket.answer(ok({ rev: 0, epoch: 'e1', changes: [] }));
      await again;
      sync.onFrame(frame(0, 1));
      expect(applied).toEqual([
        { revs: [], rev: 0 },
        { revs: [1], rev: 1 },
      ]);
    });

    it('a position without an epoch resumes with since alone', async () => {
      const { socket, sync } = setup();
      const first = sync.sync();
      await socket.answer(ok({ rev: 3, changes: [] }));
      await first;
      void sync.sync();
      expect(socket.sent[1].payload).toStrictEqual({ stream: STREAM, since: 3 });
    });

    it('a resume whose answer carries no epoch keeps the one it had', async () => {
      const { socket, sync } = await atRev5();
      const done = sync.sync();
      await socket.answer(ok({ rev: 6, changes: [change(6)] }));
      await done;
      expect(sync.epoch).toBe('e1');
    });

    it('sync() while a subscribe is in flight joins it instead of asking again', async () => {
      const { socket, sync } = setup();
      const first = sync.sync();
      const second = sync.sync();
      expect(second).toBe(first);
      expect(socket.sent).toHaveLength(1);
      await socket.answer(ok({ rev: 1, epoch: 'e1', changes: [] }));
      await first;
    });

    it('sync() on a socket that is not connected resolves at once without asking (the connect syncs)', async () => {
      const { socket, sync } = setup();
      socket.connected = false;
      await sync.sync();
      expect(socket.sent).toHaveLength(0);
    });

    it('an answer with more: true asks again from where it got, until the stream is caught up', async () => {
      const { socket, sync, applied } = await atRev5();
      let finished = false;
      const done = sync.sync().then(() => (finished = true));
      await socket.answer(ok({ rev: 7, epoch: 'e1', changes: changes(6, 7), more: true }));
      expect(socket.sent[2].payload).toStrictEqual({ stream: STREAM, since: 7, epoch: 'e1' });
      expect(finished).toBe(false);
      await socket.answer(ok({ rev: 9, epoch: 'e1', changes: changes(8, 9) }));
      await done;
      expect(applied).toEqual([
        { revs: [6, 7], rev: 7 },
        { revs: [8, 9], rev: 9 },
      ]);
      expect(socket.sent).toHaveLength(3);
    });
  });

  describe('pushed frames', () => {
    it('frames are applied in rev order, each once; a frame the client already has is ignored', async () => {
      const { sync, applied } = await atRev5();
      sync.onFrame(frame(5, 6));
      sync.onFrame(frame(6, 8));
      sync.onFrame(frame(5, 6)); // a repeat
      sync.onFrame(frame(4, 5)); // older than what the client holds
      expect(applied).toEqual([
        { revs: [6], rev: 6 },
        { revs: [7, 8], rev: 8 },
      ]);
      expect(sync.lastRev).toBe(8);
    });

    it('a frame that overlaps what the client holds applies only its new changes', async () => {
      const { sync, applied } = await atRev5();
      sync.onFrame(frame(3, 7));
      expect(applied).toEqual([{ revs: [6, 7], rev: 7 }]);
    });

    it('frames that arrive before the first answer wait for it and are applied after it, without repeats', async () => {
      const { socket, sync, applied } = setup();
      const done = sync.sync();
      sync.onFrame(frame(4, 5));
      sync.onFrame(frame(5, 6));
      await socket.answer(ok({ rev: 5, epoch: 'e1', changes: [] }));
      await done;
      expect(applied).toEqual([
        { revs: [], rev: 5 },
        { revs: [6], rev: 6 },
      ]);
    });

    it('a frame that skips revisions asks for the missing ones once, on the same socket, and is applied after them', async () => {
      const { socket, sync, applied } = await atRev5();
      sync.onFrame(frame(7, 8)); // 6 and 7 are missing
      expect(applied).toEqual([]);
      expect(socket.sent).toHaveLength(2);
      expect(socket.sent[1].payload).toStrictEqual({ stream: STREAM, since: 5, epoch: 'e1' });

      // More frames while that catch-up is in flight: held, not a second catch-up.
      sync.onFrame(frame(8, 9));
      sync.onFrame(frame(10, 11));
      expect(socket.sent).toHaveLength(2);
      expect(applied).toEqual([]);

      await socket.answer(ok({ rev: 7, epoch: 'e1', changes: changes(6, 7) }));
      // 6–9 are complete; 10 is still missing behind 11: one more catch-up.
      expect(applied).toEqual([
        { revs: [6, 7], rev: 7 },
        { revs: [8], rev: 8 },
        { revs: [9], rev: 9 },
      ]);
      expect(socket.sent).toHaveLength(3);
      expect(socket.sent[2].payload).toStrictEqual({ stream: STREAM, since: 9, epoch: 'e1' });
      await socket.answer(ok({ rev: 11, epoch: 'e1', changes: changes(10, 11) }));
      expect(sync.lastRev).toBe(11);
      expect(applied.flatMap((a) => a.revs)).toEqual(revs(6, 11));
    });

    it('frames held during a catch-up that already covered them are not applied twice', async () => {
      const { socket, sync, appliedRevs } = await atRev5();
      sync.onFrame(frame(6, 7));
      sync.onFrame(frame(7, 8));
      await socket.answer(ok({ rev: 8, epoch: 'e1', changes: changes(6, 8) }));
      expect(appliedRevs()).toEqual([6, 7, 8]);
      expect(socket.sent).toHaveLength(2);
    });
  });

  describe('another history', () => {
    it('reset: true hands the new head to onReset and drops the frames held meanwhile', async () => {
      const onReset = jest.fn();
      const { socket, sync, applied } = await atRev5({ onReset });
      sync.onFrame(frame(7, 8)); // a gap: catch-up
      sync.onFrame(frame(8, 9));
      await socket.answer(ok({ rev: 3, epoch: 'e2', changes: [], reset: true }));
      expect(onReset).toHaveBeenCalledTimes(1);
      expect(onReset).toHaveBeenCalledWith(3);
      expect(applied).toEqual([]);
      expect(sync.lastRev).toBe(3);
      expect(sync.epoch).toBe('e2');
      expect(socket.sent).toHaveLength(2);
    });

    it('reset: true within the same epoch starts over too', async () => {
      const onReset = jest.fn();
      const { socket, sync, applied } = await atRev5({ onReset });
      const done = sync.sync();
      await socket.answer(ok({ rev: 2, epoch: 'e1', changes: [change(1)], reset: true }));
      await done;
      expect(onReset).toHaveBeenCalledWith(2);
      expect(applied).toEqual([]);
      expect(sync.lastRev).toBe(2);
    });

    it('an answer from another epoch is a reset even without the flag; the next resume uses the new epoch', async () => {
      const onReset = jest.fn();
      const { socket, sync, applied } = await atRev5({ onReset });
      const done = sync.sync();
      await socket.answer(ok({ rev: 9, epoch: 'e2', changes: changes(6, 9) }));
      await done;
      expect(onReset).toHaveBeenCalledWith(9);
      expect(applied).toEqual([]);
      expect(sync.epoch).toBe('e2');
      void sync.sync();
      expect(socket.sent[2].payload).toStrictEqual({ stream: STREAM, since: 9, epoch: 'e2' });
    });

    it('a reset without an onReset listener still moves the position', async () => {
      const { socket, sync } = await atRev5();
      const done = sync.sync();
      await socket.answer(ok({ rev: 2, epoch: 'e2', changes: [], reset: true }));
      await done;
      expect(sync.lastRev).toBe(2);
    });
  });

  describe('refused subscribes', () => {
    it.each<ErrorCode>(['rate_limited', 'unavailable', 'internal'])(
      '%s is reported and retried after a backoff that grows, and a gap frame meanwhile does not ask at once',
      async (code) => {
        const { socket, sync, errors, appliedRevs } = await atRev5();
        void sync.sync();
        await socket.answer(refusal(code));
        expect(errors.map((e) => [e.code, e.message, e instanceof LivetickerError])).toEqual([[code, `refused: ${code}`, true]]);
        expect(socket.sent).toHaveLength(2);

        // A frame that is contiguous is still applied; a gap frame waits for the retry.
        sync.onFrame(frame(5, 6));
        sync.onFrame(frame(8, 9));
        await settle();
        expect(appliedRevs()).toEqual([6]);
        expect(socket.sent).toHaveLength(2);

        // backoff(0, 1000, 30 000) with Math.random() = 0.5: 1 s.
        await jest.advanceTimersByTimeAsync(999);
        expect(socket.sent).toHaveLength(2);
        await jest.advanceTimersByTimeAsync(1);
        expect(socket.sent).toHaveLength(3);
        expect(socket.sent[2].payload).toStrictEqual({ stream: STREAM, since: 6, epoch: 'e1' });

        // Refused again: twice as long.
        await socket.answer(refusal(code));
        await jest.advanceTimersByTimeAsync(1999);
        expect(socket.sent).toHaveLength(3);
        await jest.advanceTimersByTimeAsync(1);
        expect(socket.sent).toHaveLength(4);

        // An answer resets the backoff: the next refusal waits 1 s again.
        await socket.answer(ok({ rev: 9, epoch: 'e1', changes: changes(7, 9) }));
        expect(appliedRevs()).toEqual([6, 7, 8, 9]);
        void sync.sync();
        await socket.answer(refusal(code));
        await jest.advanceTimersByTimeAsync(1000);
        expect(socket.sent).toHaveLength(6);
      },
    );

    it('a transient refusal drops the frames held for that catch-up; the retry fetches them', async () => {
      const { socket, sync, appliedRevs } = await atRev5();
      sync.onFrame(frame(7, 8)); // gap → catch-up
      await socket.answer(refusal('unavailable'));
      expect(appliedRevs()).toEqual([]);
      await jest.advanceTimersByTimeAsync(1000);
      await socket.answer(ok({ rev: 8, epoch: 'e1', changes: changes(6, 8) }));
      expect(appliedRevs()).toEqual([6, 7, 8]);
    });

    it('a refused first subscribe holds the frames that arrive during the wait and applies them after the retry', async () => {
      const { socket, sync, applied } = setup();
      void sync.sync();
      await socket.answer(refusal('rate_limited'));
      sync.onFrame(frame(5, 6));
      await settle();
      expect(socket.sent).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1000);
      expect(socket.sent).toHaveLength(2);
      await socket.answer(ok({ rev: 5, epoch: 'e1', changes: [] }));
      expect(applied).toEqual([
        { revs: [], rev: 5 },
        { revs: [6], rev: 6 },
      ]);
    });

    it('a sync() during the wait (the socket reconnected) asks at once and cancels the pending retry', async () => {
      const { socket, sync } = await atRev5();
      void sync.sync();
      await socket.answer(refusal('unavailable'));
      void sync.sync();
      expect(socket.sent).toHaveLength(3);
      await socket.answer(ok({ rev: 5, epoch: 'e1', changes: [] }));
      await jest.advanceTimersByTimeAsync(60_000);
      expect(socket.sent).toHaveLength(3);
    });

    it.each<ErrorCode>(['unknown_stream', 'forbidden'])('%s is final: reported once, never asked again, frames ignored', async (code) => {
      const { socket, sync, errors, applied } = await atRev5({ fetchChanges: jest.fn() });
      expect(sync.pollable).toBe(true);
      void sync.sync();
      await socket.answer(refusal(code));
      expect(errors.map((e) => e.code)).toEqual([code]);

      sync.onFrame(frame(5, 6));
      sync.onFrame(frame(8, 9));
      await sync.sync();
      await jest.advanceTimersByTimeAsync(120_000);
      expect(socket.sent).toHaveLength(2);
      expect(applied).toEqual([]);
      expect(sync.pollable).toBe(false);
      expect(await sync.poll()).toBe(true);
    });
  });

  describe('acks that never come', () => {
    it('no ack within 10 s on a connected socket asks again from the same position', async () => {
      const { socket, sync, applied } = await atRev5();
      const done = sync.sync();
      await jest.advanceTimersByTimeAsync(ACK_TIMEOUT_MS - 1);
      expect(socket.sent).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(socket.sent).toHaveLength(3);
      expect(socket.sent[2].payload).toStrictEqual(socket.sent[1].payload);
      await socket.answer(ok({ rev: 6, epoch: 'e1', changes: [change(6)] }));
      await done;
      expect(applied).toEqual([{ revs: [6], rev: 6 }]);
    });

    it('no ack because the socket dropped: gives up until the next connect, which asks again', async () => {
      const { socket, sync } = await atRev5();
      let finished = false;
      void sync.sync().then(() => (finished = true));
      socket.connected = false;
      await jest.advanceTimersByTimeAsync(ACK_TIMEOUT_MS);
      expect(finished).toBe(true);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(socket.sent).toHaveLength(2);

      socket.connected = true;
      void sync.sync();
      expect(socket.sent).toHaveLength(3);
    });
  });

  describe('poll() over REST while the socket is down', () => {
    function restSetup() {
      const fetchChanges = jest.fn<ReturnType<NonNullable<StreamSyncOptions['fetchChanges']>>, Parameters<NonNullable<StreamSyncOptions['fetchChanges']>>>();
      const onReset = jest.fn();
      const s = setup({ fetchChanges, onReset });
      s.socket.connected = false;
      return { ...s, fetchChanges, onReset };
    }

    it('a first poll asks for the head alone; later polls ask from the position with its epoch', async () => {
      const { sync, fetchChanges, applied } = restSetup();
      fetchChanges.mockResolvedValueOnce({ rev: 5, epoch: 'e1', changes: [] });
      expect(await sync.poll()).toBe(true);
      expect(fetchChanges).toHaveBeenLastCalledWith(undefined, undefined);
      expect(applied).toEqual([{ revs: [], rev: 5 }]);

      fetchChanges.mockResolvedValueOnce({ rev: 7, epoch: 'e1', changes: changes(6, 7) });
      expect(await sync.poll()).toBe(true);
      expect(fetchChanges).toHaveBeenLastCalledWith(5, 'e1');
      expect(applied).toEqual([
        { revs: [], rev: 5 },
        { revs: [6, 7], rev: 7 },
      ]);
    });

    it('a stream that is still empty (rev 0) is polled from 0', async () => {
      const { sync, fetchChanges, appliedRevs } = restSetup();
      fetchChanges.mockResolvedValueOnce({ rev: 0, epoch: 'e1', changes: [] });
      await sync.poll();
      fetchChanges.mockResolvedValueOnce({ rev: 1, epoch: 'e1', changes: [change(1)] });
      await sync.poll();
      expect(fetchChanges).toHaveBeenLastCalledWith(0, 'e1');
      expect(appliedRevs()).toEqual([1]);
    });

    it('304 (not modified) applies nothing', async () => {
      const { sync, fetchChanges, applied } = restSetup();
      fetchChanges.mockResolvedValueOnce({ rev: 5, epoch: 'e1', changes: [] });
      await sync.poll();
      fetchChanges.mockResolvedValueOnce('not-modified');
      expect(await sync.poll()).toBe(true);
      expect(applied).toHaveLength(1);
      expect(sync.lastRev).toBe(5);
    });

    it('more: true fetches again until caught up', async () => {
      const { sync, fetchChanges, appliedRevs } = restSetup();
      fetchChanges.mockResolvedValueOnce({ rev: 5, epoch: 'e1', changes: [] });
      await sync.poll();
      fetchChanges
        .mockResolvedValueOnce({ rev: 7, epoch: 'e1', changes: changes(6, 7), more: true })
        .mockResolvedValueOnce({ rev: 8, epoch: 'e1', changes: changes(8, 8) });
      expect(await sync.poll()).toBe(true);
      expect(fetchChanges.mock.calls.slice(1)).toEqual([
        [5, 'e1'],
        [7, 'e1'],
      ]);
      expect(appliedRevs()).toEqual([6, 7, 8]);
    });

    it('a reset over REST reaches onReset like one over the socket', async () => {
      const { sync, fetchChanges, onReset, applied } = restSetup();
      fetchChanges.mockResolvedValueOnce({ rev: 5, epoch: 'e1', changes: [] });
      await sync.poll();
      fetchChanges.mockResolvedValueOnce({ rev: 2, epoch: 'e2', changes: [], reset: true });
      expect(await sync.poll()).toBe(true);
      expect(onReset).toHaveBeenCalledWith(2);
      expect(applied).toHaveLength(1);
      expect(sync.epoch).toBe('e2');
    });

    it.each([
      ['a network error', new TypeError('fetch failed')],
      ['unavailable', new LivetickerError('unavailable', 'down', 503)],
      ['rate_limited', new LivetickerError('rate_limited', 'slow down', 429)],
    ])('%s resolves false (the caller backs off) and leaves the stream pollable', async (_what, err) => {
      const { sync, fetchChanges, errors } = restSetup();
      fetchChanges.mockRejectedValueOnce(err);
      expect(await sync.poll()).toBe(false);
      expect(errors).toEqual([]);
      expect(sync.pollable).toBe(true);
      fetchChanges.mockResolvedValueOnce({ rev: 1, epoch: 'e1', changes: [] });
      expect(await sync.poll()).toBe(true);
      expect(sync.lastRev).toBe(1);
    });

    it('a final refusal is reported, ends polling and subscribing for this stream', async () => {
      const { socket, sync, fetchChanges, errors } = restSetup();
      const forbidden = new LivetickerError('forbidden', 'no', 403);
      fetchChanges.mockRejectedValueOnce(forbidden);
      expect(await sync.poll()).toBe(true);
      expect(errors).toEqual([forbidden]);
      expect(sync.pollable).toBe(false);
      expect(await sync.poll()).toBe(true);
      expect(fetchChanges).toHaveBeenCalledTimes(1);
      socket.connected = true;
      await sync.sync();
      expect(socket.sent).toHaveLength(0);
    });

    it('an answer that arrives after the socket started syncing is dropped: the socket catch-up is the one applied', async () => {
      const { socket, sync, fetchChanges, applied } = restSetup();
      let answer!: (got: CatchUp) => void;
      fetchChanges.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
      const polled = sync.poll();
      socket.connected = true;
      void sync.sync();
      answer({ rev: 5, epoch: 'e1', changes: [] });
      expect(await polled).toBe(true);
      expect(applied).toEqual([]);
      expect(await sync.poll()).toBe(true); // while syncing: nothing to do
      expect(fetchChanges).toHaveBeenCalledTimes(1);
      await socket.answer(ok({ rev: 6, epoch: 'e1', changes: [] }));
      expect(applied).toEqual([{ revs: [], rev: 6 }]);
    });

    it('an answer that arrives after close() is dropped', async () => {
      const { sync, fetchChanges, applied } = restSetup();
      let answer!: (got: CatchUp) => void;
      fetchChanges.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
      const polled = sync.poll();
      sync.close();
      answer({ rev: 5, epoch: 'e1', changes: [] });
      expect(await polled).toBe(true);
      expect(applied).toEqual([]);
    });

    it('a stream without a REST route is not pollable and poll() does nothing', async () => {
      const { sync } = setup();
      expect(sync.pollable).toBe(false);
      expect(await sync.poll()).toBe(true);
    });
  });

  describe('close()', () => {
    it('tells the server, cancels a pending retry and ignores what still arrives', async () => {
      const { socket, sync, applied } = await atRev5({ fetchChanges: jest.fn() });
      void sync.sync();
      await socket.answer(refusal('unavailable'));
      sync.close();
      expect(socket.emitted).toEqual([{ event: 'unsubscribe', payload: { stream: STREAM } }]);
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(60_000);
      sync.onFrame(frame(5, 6));
      await sync.sync();
      expect(socket.sent).toHaveLength(2);
      expect(applied).toEqual([]);
      expect(sync.pollable).toBe(false);
    });

    it('close(false) (another view still follows the stream) and close() on a dropped socket do not unsubscribe', async () => {
      const a = await atRev5();
      a.sync.close(false);
      expect(a.socket.emitted).toEqual([]);
      const b = await atRev5();
      b.socket.connected = false;
      b.sync.close();
      expect(b.socket.emitted).toEqual([]);
    });

    it('drops frames held for a catch-up in flight', async () => {
      const { socket, sync, applied } = setup();
      void sync.sync();
      sync.onFrame(frame(0, 1));
      sync.close();
      socket.waiting[0].answer(ok({ rev: 0, epoch: 'e1', changes: [] }));
      await settle();
      expect(applied.flatMap((a) => a.revs)).toEqual([]);
    });

    // Found by these tests: run() did not look at `closed` once the ack was in, so a subscribe
    // answered after close() was still applied, and a transient refusal armed a retry timer that
    // kept a Node process alive. run() now returns when closed, as poll() does.
    it('a subscribe answered after close() applies nothing', async () => {
      const { socket, sync, applied } = await atRev5();
      void sync.sync();
      sync.close();
      await socket.answer(ok({ rev: 6, epoch: 'e1', changes: [change(6)] }));
      expect(applied).toEqual([]);
    });

    it('a refusal answered after close() is not reported and arms no retry timer', async () => {
      const { socket, sync, errors } = await atRev5();
      void sync.sync();
      sync.close();
      await socket.answer(refusal('unavailable'));
      expect({ errors, timers: jest.getTimerCount() }).toEqual({ errors: [], timers: 0 });
    });
  });
});

describe('backoff', () => {
  afterEach(() => jest.restoreAllMocks());

  it('doubles from the base, with ±50 % jitter', () => {
    const at = (random: number, attempt: number) => {
      jest.spyOn(Math, 'random').mockReturnValue(random);
      return backoff(attempt, 1000, 30_000);
    };
    expect([0, 1, 2, 3].map((n) => at(0.5, n))).toEqual([1000, 2000, 4000, 8000]);
    expect(at(0, 2)).toBe(2000);
    expect(at(0.999, 2)).toBe(5996);
  });

  it('is capped at maxMs, and the exponent at 20 so huge attempts stay finite', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(backoff(5, 1000, 30_000)).toBe(30_000);
    expect(backoff(1000, 1, Number.MAX_VALUE)).toBe(2 ** 20);
  });

  it('defaults to 500 ms doubling up to 10 s', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(backoff(0)).toBe(500);
    expect(backoff(4)).toBe(8000);
    expect(backoff(5)).toBe(10_000);
  });
});

describe('isTransient', () => {
  it('rate_limited, unavailable, internal and errors that are not refusals (network) pass; other codes are final', () => {
    expect(isTransient(new TypeError('fetch failed'))).toBe(true);
    for (const code of ['rate_limited', 'unavailable', 'internal'] as const) expect(isTransient(new LivetickerError(code, 'x'))).toBe(true);
    for (const code of ['unknown_stream', 'forbidden', 'not_found', 'login_required'] as const) expect(isTransient(new LivetickerError(code, 'x'))).toBe(false);
  });
});
