import type { Socket } from 'socket.io-client';
import { SOCKET_EVENTS } from '@liveticker/schemas/wire';
import type { Change, ChangesEvent, ErrorCode } from '@liveticker/schemas';
import { LivetickerError } from './rest';

/** How long a subscribe may wait for its ack before it is tried again, ms. */
const ACK_TIMEOUT_MS = 10_000;

/** A catch-up answer, from the socket (subscribe ack) or REST (`…/changes?since=`). */
export interface CatchUp {
  rev: number;
  changes: Change[];
  /** More changes follow after `rev`: ask again. */
  more?: boolean;
  /** The stream's history identity; a client holding another epoch starts over. */
  epoch?: string;
  /** The client's position cannot be continued (other epoch, or ahead of the head): start over. */
  reset?: boolean;
}

/** Refusals that pass: try again later. Any other refusal is final for this stream. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['rate_limited', 'unavailable', 'internal']);

export function isTransient(err: unknown): boolean {
  return !(err instanceof LivetickerError) || TRANSIENT.has(err.code);
}

/** Delay before retry number `attempt` (0-based): exponential, capped, with ±50 % jitter. */
export function backoff(attempt: number, baseMs = 500, maxMs = 10_000): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(plain * (0.5 + Math.random()));
}

export interface StreamSyncOptions {
  /**
   * Catch-up over REST for when the socket cannot connect (polling fallback); absent for
   * streams without a REST route. `since` undefined asks only for the head.
   */
  fetchChanges?: (since: number | undefined, epoch: string | undefined) => Promise<CatchUp | 'not-modified'>;
  /** The position could not be continued (database restored, stream recreated): reload. */
  onReset?: (rev: number) => void;
}

/**
 * Keeps one stream in sync: the position the client holds (`epoch`, `lastRev`), frames applied
 * in rev order exactly once, a gap (a frame that starts after `lastRev`) or a reconnect answered
 * by asking for the changes since `lastRev` — over the socket, or over REST while the socket is
 * down. A refused catch-up is retried with backoff (never in a tight loop), unless it is final.
 */
export class StreamSync {
  /** Highest revision applied; -1 before the first answer. */
  lastRev = -1;
  epoch: string | undefined;
  private syncing: Promise<void> | undefined;
  private buffered: ChangesEvent[] = [];
  private closed = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** A final refusal (unknown stream, forbidden): stop asking. */
  private refused = false;
  /** The final refusal, for a view whose first load waits on this stream. */
  refusal: LivetickerError | undefined;

  constructor(
    private readonly socket: Socket,
    readonly stream: string,
    private readonly apply: (changes: Change[], rev: number) => void,
    private readonly onError: (err: LivetickerError) => void,
    private readonly opts: StreamSyncOptions = {},
  ) {}

  /** Whether this stream can be kept current over REST while the socket is down. */
  get pollable(): boolean {
    return this.opts.fetchChanges !== undefined && !this.refused && !this.closed;
  }

  /**
   * Subscribes (or re-subscribes after a reconnect) and catches up from `lastRev`. Resolves
   * at once when the socket is not connected: the client syncs every stream on connect.
   */
  sync(): Promise<void> {
    if (this.closed || this.refused) return Promise.resolve();
    if (this.syncing) return this.syncing;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.syncing = this.run().finally(() => {
      this.syncing = undefined;
      const waiting = this.buffered;
      this.buffered = [];
      for (const frame of waiting) this.onFrame(frame);
    });
    return this.syncing;
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.closed || !this.socket.connected) return;
      const since = this.lastRev >= 0 ? this.lastRev : undefined;
      const cmd: Record<string, unknown> = { stream: this.stream };
      if (since !== undefined) cmd.since = since;
      if (since !== undefined && this.epoch) cmd.epoch = this.epoch;
      let ack: ({ ok: true } & CatchUp) | { ok: false; error: { code: ErrorCode; message: string; details?: unknown } };
      try {
        ack = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(SOCKET_EVENTS.subscribe, cmd);
      } catch {
        // No ack in time: if the socket dropped meanwhile, the next connect syncs again.
        if (!this.socket.connected) return;
        continue;
      }
      // Closed while the answer was on its way: apply nothing, report nothing, arm no retry.
      if (this.closed) return;
      if (!ack.ok) {
        this.refuse(new LivetickerError(ack.error.code, ack.error.message, undefined, ack.error.details));
        return;
      }
      this.failures = 0;
      if (!this.take(ack, since)) return;
    }
  }

  /** Applies a catch-up answer; true when there is more to fetch. */
  private take(got: CatchUp, since: number | undefined): boolean {
    if (got.reset || (since !== undefined && got.epoch && this.epoch && got.epoch !== this.epoch)) {
      // Another history (restored database, recreated stream): what we hold is not a prefix of it.
      this.lastRev = got.rev;
      this.epoch = got.epoch;
      this.buffered = [];
      this.opts.onReset?.(got.rev);
      return false;
    }
    if (got.epoch) this.epoch = got.epoch;
    const fresh = got.changes.filter((c) => c.rev > this.lastRev);
    this.lastRev = Math.max(this.lastRev, got.rev);
    if (fresh.length || since === undefined) this.apply(fresh, this.lastRev);
    return got.more === true;
  }

  private refuse(err: LivetickerError): void {
    // Frames held for after the catch-up would only ask again at once: the retry covers them.
    this.buffered = [];
    this.onError(err);
    if (!TRANSIENT.has(err.code)) {
      this.refused = true;
      this.refusal = err;
      return;
    }
    const delay = backoff(this.failures++, 1000, 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.sync();
    }, delay);
  }

  /**
   * One catch-up over REST (the socket is down). Resolves false when it could not reach the
   * server, so the caller backs off.
   */
  async poll(): Promise<boolean> {
    const fetchChanges = this.opts.fetchChanges;
    if (!fetchChanges || this.closed || this.refused || this.syncing) return true;
    for (;;) {
      const since = this.lastRev >= 0 ? this.lastRev : undefined;
      const epoch = this.epoch;
      let got: CatchUp | 'not-modified';
      try {
        got = await fetchChanges(since, epoch);
      } catch (err) {
        if (!isTransient(err)) {
          this.refused = true;
          this.refusal = err as LivetickerError;
          this.onError(err as LivetickerError);
          return true;
        }
        return false;
      }
      // The socket came back meanwhile and is syncing, or moved the position: this answer is stale.
      if (got === 'not-modified' || this.closed || this.syncing) return true;
      if ((since ?? -1) !== this.lastRev || epoch !== this.epoch) return true;
      if (!this.take(got, since)) return true;
    }
  }

  /** A frame pushed by the server. */
  onFrame(frame: ChangesEvent): void {
    if (this.closed || this.refused) return;
    if (this.syncing || this.lastRev < 0) {
      this.buffered.push(frame);
      return;
    }
    if (frame.rev <= this.lastRev) return; // already have it (catch-up raced the push)
    if (frame.since > this.lastRev) {
      // A gap: never trust pub/sub to be lossless, ask for what is missing.
      if (this.retryTimer) return; // a refused catch-up waits for its retry, which covers this
      this.buffered.push(frame);
      void this.sync();
      return;
    }
    const fresh = frame.since === this.lastRev ? frame.changes : frame.changes.filter((c) => c.rev > this.lastRev);
    this.lastRev = frame.rev;
    this.apply(fresh, frame.rev);
  }

  /** Stops applying frames; `unsubscribe` also tells the server (when no one else follows the stream). */
  close(unsubscribe = true): void {
    this.closed = true;
    // Stryker disable next-line ArrayDeclaration: only frees the frames: onFrame() ignores everything after close
    this.buffered = [];
    clearTimeout(this.retryTimer);
    if (unsubscribe && this.socket.connected) this.socket.emit(SOCKET_EVENTS.unsubscribe, { stream: this.stream });
  }
}
