import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { SOCKET_EVENTS } from '@liveticker/schemas/src/wire';
import type { Change, ChangesEvent } from '@liveticker/schemas';
import { Emitter } from './emitter';
import { LivetickerError, RestClient } from './rest';
import { StreamSync } from './streams';
import { TickerView } from './ticker';
import type { TickerViewOptions } from './ticker';
import { ChatView } from './chat';
import type { ListViewOptions } from './list-view';

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
}

export interface ClientEvents extends Record<string, unknown> {
  connect: void;
  disconnect: string;
  /** The server ended this session (logout elsewhere, ban, password change). */
  sessionEnded: { reason: string };
  error: LivetickerError;
}

/** One connection to a liveticker server: REST plus one socket shared by every view. */
export class LivetickerClient extends Emitter<ClientEvents> {
  readonly socket: Socket;
  readonly rest: RestClient;
  private token: string | undefined;
  private sessionEnded = false;
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
      auth: (cb) => cb(this.token ? { token: this.token } : {}),
      withCredentials: opts.withCredentials,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket.on('connect', () => {
      // Covers reconnects: the server forgot our rooms; each stream catches up from lastRev.
      for (const set of this.syncs.values()) for (const s of set) if (s.lastRev >= 0) void s.sync();
      this.emit('connect', undefined);
    });
    this.socket.on('disconnect', (reason) => {
      this.emit('disconnect', reason);
      // The server cut a session off (logout, ban): carry on reading anonymously.
      if (reason === 'io server disconnect' && this.sessionEnded) {
        this.sessionEnded = false;
        this.socket.connect();
      }
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      if (err.data?.code === 'login_required' && this.token) {
        // A stale token (expired, revoked) must not stop reading: drop it and connect anonymously.
        this.token = undefined;
        this.emit('sessionEnded', { reason: 'token_invalid' });
        this.socket.connect();
        return;
      }
      if (err.data?.code) this.emit('error', new LivetickerError(err.data.code as never, err.data.message ?? err.message));
    });
    this.socket.on(SOCKET_EVENTS.changes, (frame: ChangesEvent) => {
      for (const s of this.syncs.get(frame.stream) ?? []) s.onFrame(frame);
    });
    this.socket.on(SOCKET_EVENTS.sessionEnded, (data: { reason: string }) => {
      this.token = undefined;
      this.sessionEnded = true;
      this.emit('sessionEnded', data);
    });
  }

  /** Uses a new token for REST now and for the socket from its next connection. */
  setToken(token: string | undefined): void {
    this.token = token;
  }

  /** Reconnects the socket so the server sees the current token. */
  reconnect(): void {
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

  /** Low level: follow a stream's changes in rev order (used by the views). */
  follow(stream: string, apply: (changes: Change[], rev: number) => void, onError: (err: LivetickerError) => void): StreamSync {
    const sync = new StreamSync(this.socket, stream, apply, onError);
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

  close(): void {
    for (const set of this.syncs.values()) for (const s of set) s.close();
    this.syncs.clear();
    this.socket.disconnect();
    this.removeAllListeners();
  }
}

export function createClient(opts: ClientOptions): LivetickerClient {
  return new LivetickerClient(opts);
}
