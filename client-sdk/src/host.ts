import type { Ack, Change, DeskPresenceEvent, PresenceEvent } from '@liveticker/schemas';
import type { LivetickerError, RestClient } from './rest';
import type { StreamSync } from './streams';

/** Events the server pushes that views listen to (besides stream changes, which `follow` delivers). */
export interface PushEvents {
  presence: PresenceEvent;
  'desk:presence': DeskPresenceEvent;
}

/** The client's own events a view listens to. */
export interface HostEvents {
  connect: void;
  /** Why (Socket.IO's reason). */
  disconnect: string;
}

/**
 * What a view (ticker, chat, desk) needs from the client it belongs to. The client implements it;
 * views depend on this alone, never on the client's class or its Socket.IO socket, so the client
 * imports the views and nothing imports back.
 */
export interface ViewHost {
  readonly rest: RestClient;
  /** True once the client was closed: views stop retrying. */
  readonly isClosed: boolean;
  /** True while the socket cannot connect and views are kept current over REST. */
  readonly isPolling: boolean;
  /** True while the socket is connected. */
  readonly isConnected: boolean;
  /** Follows a stream's changes in rev order (catch-up, gaps, resume, polling). */
  follow(stream: string, apply: (changes: Change[], rev: number) => void, onError: (err: LivetickerError) => void, onReset?: (rev: number) => void): StreamSync;
  unfollow(sync: StreamSync): void;
  /** Waits the backoff before a view's next try at its first load (released at once by close). */
  waitToRetry(attempt: number): Promise<void>;
  /** Resolves when the socket is connected (at once if it is); rejects after `timeoutMs`. */
  connected(timeoutMs?: number): Promise<void>;
  /**
   * Sends a command and resolves with its ack, or undefined when none came: not connected, no
   * answer within `timeoutMs`, or the socket dropped meanwhile (then at once).
   */
  command<T extends object = object>(event: string, payload: object, timeoutMs: number): Promise<Ack<T> | undefined>;
  /** Listens to an event the server pushes; returns the function that stops listening. */
  onPush<K extends keyof PushEvents>(event: K, listener: (value: PushEvents[K]) => void): () => void;
  /** The socket connected (again) or dropped; returns the function that stops listening. */
  on<K extends keyof HostEvents>(event: K, listener: (value: HostEvents[K]) => void): () => void;
}
