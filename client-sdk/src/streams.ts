import type { Socket } from 'socket.io-client';
import { SOCKET_EVENTS } from '@liveticker/schemas/src/wire';
import type { Change, ChangesEvent, SubscribeAck } from '@liveticker/schemas';
import { LivetickerError } from './rest';

/** How long a subscribe may wait for its ack before it is tried again, ms. */
const ACK_TIMEOUT_MS = 10_000;

/**
 * Keeps one stream in sync: the revision the client holds (`lastRev`), frames applied in rev
 * order exactly once, a gap (a frame that starts after `lastRev`) or a reconnect answered by
 * asking the server for the changes since `lastRev`.
 */
export class StreamSync {
  /** Highest revision applied; -1 before the first subscribe answered. */
  lastRev = -1;
  private syncing: Promise<void> | undefined;
  private buffered: ChangesEvent[] = [];
  private closed = false;

  constructor(
    private readonly socket: Socket,
    readonly stream: string,
    private readonly apply: (changes: Change[], rev: number) => void,
    private readonly onError: (err: LivetickerError) => void,
  ) {}

  /** Subscribes (or re-subscribes after a reconnect) and catches up from `lastRev`. */
  sync(): Promise<void> {
    if (this.syncing) return this.syncing;
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
      if (this.closed) return;
      const since = this.lastRev >= 0 ? this.lastRev : undefined;
      let ack: SubscribeAck & { more?: boolean };
      try {
        ack = (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(SOCKET_EVENTS.subscribe, since === undefined ? { stream: this.stream } : { stream: this.stream, since })) as SubscribeAck & { more?: boolean };
      } catch {
        // No ack in time (disconnected meanwhile): the next connect syncs again.
        if (!this.socket.connected) return;
        continue;
      }
      if (!ack.ok) {
        this.onError(new LivetickerError(ack.error.code, ack.error.message, undefined, ack.error.details));
        return;
      }
      const fresh = ack.changes.filter((c) => c.rev > this.lastRev);
      this.lastRev = Math.max(this.lastRev, ack.rev);
      if (fresh.length || since === undefined) this.apply(fresh, this.lastRev);
      if (!ack.more) return;
    }
  }

  /** A frame pushed by the server. */
  onFrame(frame: ChangesEvent): void {
    if (this.closed) return;
    if (this.syncing || this.lastRev < 0) {
      this.buffered.push(frame);
      return;
    }
    if (frame.rev <= this.lastRev) return; // already have it (catch-up raced the push)
    if (frame.since > this.lastRev) {
      // A gap: never trust pub/sub to be lossless, ask for what is missing.
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
    this.buffered = [];
    if (unsubscribe && this.socket.connected) this.socket.emit(SOCKET_EVENTS.unsubscribe, { stream: this.stream });
  }
}
