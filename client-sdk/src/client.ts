import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { SOCKET_EVENTS } from '@liveticker/schemas/wire';
import type { Ack, Change, ChangesEvent } from '@liveticker/schemas';
import { Emitter } from './emitter';
import { LivetickerError, RestClient } from './rest';
import { StreamSync, backoff } from './streams';
import type { CatchUp } from './streams';
import { TickerView } from './ticker';
import type { TickerViewOptions } from './ticker';
import { ChatView } from './chat';
import type { ListViewOptions } from './list-view';
import type { PushEvents, ViewHost } from './host';

export interface ClientOptions {
  /** The server's base URL, e.g. https://live.example.org */
  url: string;
  /** A session or API token; omit to read anonymously (or rely on the session cookie). */
  token?: string;
  /** Socket.IO transports; WebSocket only by default (no sticky sessions needed). */
  transports?: Array<'websocket' | 'polling'>;
  fetch?: typeof fetch;
  /** Send cookies with REST calls (same-site pages using the session cookie). */
  withCredentials?: boolean;
  /** Longest wait between two reconnect tries, ms (default 5 s; tries back off exponentially with jitter). */
  reconnectDelayMaxMs?: number;
  /** How long the socket may be down before views are kept current over REST polling, ms (default 10 s). */
  pollAfterMs?: number;
  /** Interval of that polling, ms (default 5 s; backs off while the server is unreachable). */
  pollIntervalMs?: number;
  /**
   * Who this client's reader is, for the reader count (default: one random id per page, so the
   * ticker and the chat beside it count one reader). Not stored anywhere.
   */
  readerId?: string;
}

/** Where the connection stands, for a widget to put into words. */
export type ConnectionStatus =
  | { state: 'connecting' }
  | { state: 'online' }
  /** Down; the next try is in `retryInMs`. `reason` says why when the server told (e.g. `restart`). */
  | { state: 'reconnecting'; retryInMs: number; reason?: string }
  /** The socket cannot connect; views are kept current over REST meanwhile. */
  | { state: 'polling'; retryInMs: number }
  /** The server refuses this page (e.g. `origin_not_allowed`): a setup problem, tried again rarely. */
  | { state: 'refused'; reason: string; retryInMs: number };

export interface ClientEvents extends Record<string, unknown> {
  connect: void;
  disconnect: string;
  status: ConnectionStatus;
  /** The server ended this session (logout elsewhere, ban, expiry): the client reads on anonymously. */
  sessionEnded: { reason: string };
  error: LivetickerError;
}

/** How long a connection must hold before the reconnect backoff starts again from its shortest delay, ms. */
const STABLE_AFTER_MS = 5000;
/** How long a page the server refuses (origin not allowed) waits before asking again, ms. */
const REFUSED_RETRY_MS = 60_000;
/**
 * After the server said it restarts (a deploy), tries come about a second apart (0.5–1.5 s) for
 * this long, ms, instead of backing off: the node (or its replacement) is back within seconds,
 * and a reader should be back with it, not up to 7.5 s later. A try while it is down costs a
 * refused connection.
 */
const RESTART_RETRY_FOR_MS = 60_000;
const RESTART_RETRY_MS = 1000;

/** REST catch-up route of a stream kind, for the polling fallback (the moderation stream has none). */
function changesPath(stream: string): string | undefined {
  const at = stream.indexOf(':');
  const kind = stream.slice(0, at);
  const id = encodeURIComponent(stream.slice(at + 1));
  if (kind === 'ticker') return `/tickers/${id}/changes`;
  if (kind === 'chat') return `/tickers/${id}/messages/changes`;
  return undefined;
}

/**
 * One connection to a liveticker server: REST plus one socket shared by every view. It always
 * recovers: after any way the socket ends (server restart, network, refused handshake, ended
 * session) it reconnects with exponential backoff and jitter, and every followed stream catches
 * up from its position; while the socket cannot connect, views are kept current over REST.
 */

/**
 * This page's reader id: the server counts a reader's sockets (reconnects, several widgets) once.
 * Random, not stored: nothing about the reader is kept in the host page.
 */
const READER_ID = randomReaderId();

function randomReaderId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto?.getRandomValues?.(bytes);
  if (bytes.every((b) => b === 0)) for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class LivetickerClient extends Emitter<ClientEvents> implements ViewHost {
  readonly socket: Socket;
  readonly rest: RestClient;
  private token: string | undefined;
  /** Tokens whose session this client saw end. */
  private readonly ended = new Set<string>();
  private closed = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the server said it went away (e.g. `restart`), until the next connect. */
  private goneReason: string | undefined;
  /** When the server last said it restarts (ms since the epoch). */
  private restartSaidAt = -Infinity;
  private downSince: number | undefined = Date.now();
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private polling = false;
  private pollFailures = 0;
  /** The last ETag per REST catch-up route, with the position it answered. */
  private readonly etags = new Map<string, { since: number | undefined; etag: string }>();
  /** Views waiting to retry their first load; released at once by close(). */
  private readonly waiting = new Set<() => void>();
  /** Bumped whenever polling stops, so a poll round still in flight does not start another loop. */
  private pollGeneration = 0;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly syncs = new Map<string, Set<StreamSync>>();

  constructor(readonly opts: ClientOptions) {
    super();
    this.token = opts.token;
    this.rest = new RestClient({
      baseUrl: opts.url,
      token: () => this.token,
      fetch: opts.fetch,
      credentials: opts.withCredentials ? 'include' : undefined,
    });
    this.socket = io(opts.url, {
      transports: opts.transports ?? ['websocket'],
      auth: (cb) => cb(this.token ? { token: this.token, readerId: opts.readerId ?? READER_ID } : { readerId: opts.readerId ?? READER_ID }),
      withCredentials: opts.withCredentials,
      // Reconnecting is ours (below): Socket.IO's own gives up after a server-side disconnect
      // and after a refused handshake, which would leave a reader stuck for good.
      reconnection: false,
    });
    this.socket.on('connect', () => {
      // The backoff restarts only once the connection has held for a while: a proxy that accepts
      // and drops at once must not make every reader reconnect in a tight loop.
      clearTimeout(this.stableTimer);
      this.stableTimer = setTimeout(() => (this.attempt = 0), STABLE_AFTER_MS);
      this.goneReason = undefined;
      this.downSince = undefined;
      this.stopPolling();
      // Covers reconnects: the server forgot our rooms; each stream catches up from its position
      // (and a stream never synced yet gets its head).
      for (const set of this.syncs.values()) for (const s of set) void s.sync();
      this.releaseWaiting();
      this.emit('status', { state: 'online' });
      this.emit('connect', undefined);
    });
    this.socket.on('disconnect', (reason) => {
      clearTimeout(this.stableTimer);
      this.downSince ??= Date.now();
      this.emit('disconnect', reason);
      if (reason === 'io client disconnect') return; // ours: close() or reconnect()
      this.scheduleReconnect();
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      this.downSince ??= Date.now();
      const code = err.data?.code;
      if (code === 'login_required' && this.token) {
        // A stale token (expired, revoked) must not stop reading: drop it and connect anonymously.
        this.ended.add(this.token);
        this.token = undefined;
        this.emit('sessionEnded', { reason: 'token_invalid' });
        this.scheduleReconnect(0);
        return;
      }
      if (code) this.emit('error', new LivetickerError(code as never, err.data?.message ?? err.message));
      if (code === 'origin_not_allowed') {
        // A setup problem no retry soon will fix: say so, and ask again only once a minute.
        const wait = backoff(0, REFUSED_RETRY_MS, REFUSED_RETRY_MS * 2);
        this.emit('status', { state: 'refused', reason: code, retryInMs: wait });
        this.scheduleReconnect(wait, true);
        return;
      }
      this.scheduleReconnect();
    });
    this.socket.on(SOCKET_EVENTS.changes, (frame: ChangesEvent) => {
      for (const s of this.syncs.get(frame.stream) ?? []) s.onFrame(frame);
    });
    this.socket.on(SOCKET_EVENTS.sessionEnded, (data: { reason: string }) => {
      if (this.token) this.ended.add(this.token);
      this.token = undefined;
      this.emit('sessionEnded', data);
    });
    this.socket.on(SOCKET_EVENTS.serverShutdown, (data: { reason?: string }) => {
      this.goneReason = data?.reason ?? 'restart';
      this.restartSaidAt = Date.now();
    });
    // A handshake that hangs must not hold off the polling fallback either.
    this.maybeStartPolling();
  }

  private scheduleReconnect(delay?: number, quiet = false): void {
    if (this.closed || this.retryTimer || this.socket.connected) return;
    // After a deploy every reader comes back at once: the first try is spread too.
    const restarting = Date.now() - this.restartSaidAt < RESTART_RETRY_FOR_MS;
    const wait = delay ?? (restarting ? backoff(0, RESTART_RETRY_MS, RESTART_RETRY_MS) : backoff(this.attempt, 500, this.opts.reconnectDelayMaxMs ?? 5000));
    this.attempt++;
    if (!quiet) this.emit('status', this.polling ? { state: 'polling', retryInMs: wait } : { state: 'reconnecting', retryInMs: wait, reason: this.goneReason });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed || this.socket.connected) return;
      this.socket.connect();
    }, wait);
    this.maybeStartPolling();
  }

  private maybeStartPolling(): void {
    if (this.polling || this.pollTimer || this.closed || this.downSince === undefined) return;
    const after = this.opts.pollAfterMs ?? 10_000;
    const wait = Math.max(0, this.downSince + after - Date.now());
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      if (this.closed || this.socket.connected) return;
      this.polling = true;
      this.emit('status', { state: 'polling', retryInMs: 0 });
      this.releaseWaiting();
      void this.pollAll(this.pollGeneration);
    }, wait);
  }

  private async pollAll(generation: number): Promise<void> {
    if (!this.polling || this.closed || generation !== this.pollGeneration) return;
    let reached = true;
    for (const set of [...this.syncs.values()]) for (const s of set) if (!(await s.poll())) reached = false;
    if (!this.polling || this.closed || generation !== this.pollGeneration) return;
    this.pollFailures = reached ? 0 : this.pollFailures + 1;
    const every = this.opts.pollIntervalMs ?? 5000;
    const wait = reached ? every : backoff(this.pollFailures, every, 60_000);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.pollAll(generation);
    }, wait);
  }

  private stopPolling(): void {
    this.pollGeneration++;
    this.polling = false;
    this.pollFailures = 0;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** True while views are kept current over REST because the socket cannot connect. */
  get isPolling(): boolean {
    return this.polling;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private releaseWaiting(): void {
    for (const done of [...this.waiting]) done();
  }

  /**
   * Resolves after retry number `attempt`'s backoff, or as soon as the socket connects or
   * polling starts, whichever comes first (used by views that could not load yet).
   */
  waitToRetry(attempt: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, backoff(attempt, 1000, 30_000));
      this.waiting.add(done);
    });
  }

  /** Uses a new token for REST now and for the socket from its next connection. */
  setToken(token: string | undefined): void {
    this.token = token;
  }

  /**
   * Whether this client already saw `token`'s session end (expired, revoked, banned): a widget
   * mounted later (the chat's script loads after the ticker's) must not take it up again.
   */
  hasEnded(token: string): boolean {
    return this.ended.has(token);
  }

  /** Reconnects the socket so the server sees the current token. */
  reconnect(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.socket.disconnect();
    this.socket.connect();
  }

  /** A live view of a ticker's entries; await `view.ready` before the first render. */
  ticker(id: string, opts?: TickerViewOptions): TickerView {
    return new TickerView(this, id, opts);
  }

  /** A live view of a ticker's chat, which also sends (`view.send(text)`). */
  chat(id: string, opts?: ListViewOptions): ChatView {
    return new ChatView(this, id, opts);
  }


  /** Resolves when the socket is connected (at once if it is). */
  connected(timeoutMs = 10_000): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('connect', done);
        reject(new LivetickerError('unavailable', 'not connected'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.socket.once('connect', done);
    });
  }

  get isConnected(): boolean {
    return this.socket.connected;
  }

  command<T extends object = object>(event: string, payload: object, timeoutMs: number): Promise<Ack<T> | undefined> {
    const socket = this.socket;
    if (!socket.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (ack: Ack<T> | undefined) => {
        socket.off('disconnect', dropped);
        resolve(ack);
      };
      const dropped = () => done(undefined);
      socket.once('disconnect', dropped);
      socket.timeout(timeoutMs).emit(event, payload, (err: unknown, ack: Ack<T>) => done(err ? undefined : ack));
    });
  }

  onPush<K extends keyof PushEvents>(event: K, listener: (value: PushEvents[K]) => void): () => void {
    this.socket.on(event as string, listener as (value: unknown) => void);
    return () => this.socket.off(event as string, listener as (value: unknown) => void);
  }

  /** Low level: follow a stream's changes in rev order (used by the views). */
  follow(
    stream: string,
    apply: (changes: Change[], rev: number) => void,
    onError: (err: LivetickerError) => void,
    onReset?: (rev: number) => void,
  ): StreamSync {
    const path = changesPath(stream);
    const sync = new StreamSync(this.socket, stream, apply, onError, {
      onReset,
      fetchChanges: path ? (since, epoch) => this.fetchChanges(path, since, epoch) : undefined,
    });
    let set = this.syncs.get(stream);
    if (!set) this.syncs.set(stream, (set = new Set()));
    set.add(sync);
    return sync;
  }

  unfollow(sync: StreamSync): void {
    const set = this.syncs.get(sync.stream);
    set?.delete(sync);
    const last = !set || set.size === 0;
    if (last) this.syncs.delete(sync.stream);
    sync.close(last);
  }

  /** `GET …/changes` with the last ETag of the same question: an unchanged stream costs a 304. */
  private async fetchChanges(path: string, since: number | undefined, epoch: string | undefined): Promise<CatchUp | 'not-modified'> {
    const query: Record<string, string | number | undefined> = { since, epoch: since === undefined ? undefined : epoch };
    const known = this.etags.get(path);
    const got = await this.rest.getConditional<CatchUp>(path, query, known && known.since === since ? known.etag : undefined);
    if (got === 'not-modified') return got;
    if (got.etag) this.etags.set(path, { since, etag: got.etag });
    return got.body;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    this.stopPolling();
    this.releaseWaiting();
    for (const set of this.syncs.values()) for (const s of set) s.close();
    this.syncs.clear();
    this.socket.disconnect();
    this.removeAllListeners();
  }
}

export function createClient(opts: ClientOptions): LivetickerClient {
  return new LivetickerClient(opts);
}
