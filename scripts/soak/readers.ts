// The soak's readers. Most are bare Engine.IO WebSockets resuming as the SDK does (the approach of
// scripts/bench/reconnect.ts's ResumingReader, here over several streams and keeping each stream's
// view); some are socket.io-client sockets forced to long-polling.
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { createClient } from '@liveticker/client-sdk';
import type { LivetickerClient, TickerView } from '@liveticker/client-sdk';
import type { Entry } from '@liveticker/schemas';
import { StreamView } from './view';
import type { Latency } from './view';

/** The SDK's reconnect backoff: exponential from 500 ms, capped at 5 s, ±50 % jitter. */
const backoff = (attempt: number) => Math.round(Math.min(5000, 500 * 2 ** attempt) * (0.5 + Math.random()));
/** After `server:shutdown`: about once a second (0.5–1.5 s), as the SDK does. */
const restartRetry = () => Math.round(1000 * (0.5 + Math.random()));

export interface Reader {
  readonly kind: 'websocket' | 'polling';
  readonly id: number;
  readonly views: StreamView[];
  /** Refusals and errors by kind (retried). */
  readonly refusals: Map<string, number>;
  /** Sessions opened (the first and every reconnect). */
  sessions: number;
  start(): void;
  close(): void;
}

export class WsReader implements Reader {
  readonly kind = 'websocket';
  readonly views: StreamView[];
  readonly refusals = new Map<string, number>();
  sessions = 0;
  private ws?: WebSocket;
  private attempt = 0;
  private closed = false;
  private restartSaidAt = -Infinity;
  private silence?: NodeJS.Timeout;

  constructor(
    readonly id: number,
    private readonly url: string,
    streams: string[],
    private readonly latencies: Latency[],
  ) {
    this.views = streams.map((s) => new StreamView(s, id));
  }

  start(): void {
    this.open();
  }

  private refuse(why: string): void {
    this.refusals.set(why, (this.refusals.get(why) ?? 0) + 1);
    this.ws?.terminate();
  }

  private open(): void {
    if (this.closed) return;
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    this.ws = ws;
    const syncing = new Set<number>();
    let deadMs = 60_000;
    // socket.io-client's rule: no packet (a ping) within pingInterval + pingTimeout means the
    // connection is dead (a frozen node keeps its TCP connections open).
    const alive = () => {
      clearTimeout(this.silence);
      this.silence = setTimeout(() => this.refuse('silent (no ping)'), deadMs);
    };
    alive();
    const subscribe = (k: number) => {
      syncing.add(k);
      ws.send(`42${k}${JSON.stringify(['subscribe', this.views[k].command()])}`);
    };
    ws.on('message', (data: Buffer) => {
      alive();
      const msg = data.toString();
      const type = msg.charCodeAt(0);
      if (type === 0x30) {
        const open = JSON.parse(msg.slice(1)) as { pingInterval: number; pingTimeout: number };
        deadMs = open.pingInterval + open.pingTimeout;
        alive();
        this.sessions++;
        ws.send('40');
      } else if (type === 0x32) ws.send('3');
      else if (type === 0x31) ws.terminate(); // Engine.IO close
      else if (msg.startsWith('40')) this.views.forEach((_, k) => subscribe(k));
      else if (msg.startsWith('41')) ws.terminate();
      else if (msg.startsWith('44')) this.refuse(`handshake: ${msg.slice(2, 80)}`);
      else if (msg.startsWith('43')) {
        const at = msg.indexOf('[');
        const k = Number(msg.slice(2, at));
        const ack = JSON.parse(msg.slice(at))[0];
        if (!ack.ok) return this.refuse(`subscribe: ${ack.error?.code}`);
        const again = this.views[k].ack(ack);
        if (again) return subscribe(k);
        syncing.delete(k);
        this.attempt = 0;
      } else if (msg.startsWith('42["server:shutdown"')) this.restartSaidAt = performance.now();
      else if (msg.startsWith('42["changes"')) {
        const f = JSON.parse(msg.slice(2))[1] as { stream: string; since: number; rev: number; changes: never[] };
        const k = this.views.findIndex((v) => v.stream === f.stream);
        if (k < 0 || syncing.has(k)) return;
        if (this.views[k].frame(f, this.latencies) === 'gap') subscribe(k);
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearTimeout(this.silence);
      if (this.closed) return;
      const restarting = performance.now() - this.restartSaidAt < 60_000;
      setTimeout(() => this.open(), restarting ? restartRetry() : backoff(this.attempt));
      this.attempt++;
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.silence);
    this.ws?.terminate();
  }
}

/** A reader on socket.io-client forced to long-polling (a network that blocks WebSocket). */
export class PollingReader implements Reader {
  readonly kind = 'polling';
  readonly views: StreamView[];
  readonly refusals = new Map<string, number>();
  sessions = 0;
  private socket?: Socket;

  constructor(
    readonly id: number,
    private readonly url: string,
    streams: string[],
    private readonly latencies: Latency[],
  ) {
    this.views = streams.map((s) => new StreamView(s, id));
  }

  start(): void {
    const s = io(this.url, { transports: ['polling'], forceNew: true, reconnectionDelay: 500, reconnectionDelayMax: 5000, randomizationFactor: 0.5, timeout: 10_000 });
    this.socket = s;
    const syncing = new Set<number>();
    const subscribe = async (k: number): Promise<void> => {
      syncing.add(k);
      for (;;) {
        if (!s.connected) return; // the next connect subscribes again
        try {
          const ack = await s.timeout(10_000).emitWithAck('subscribe', this.views[k].command());
          if (!ack.ok) {
            this.count(`subscribe: ${ack.error?.code}`);
            await new Promise((r) => setTimeout(r, 1000));
            continue;
          }
          if (this.views[k].ack(ack)) continue;
          syncing.delete(k);
          return;
        } catch {
          this.count('subscribe timed out');
        }
      }
    };
    s.on('connect', () => {
      this.sessions++;
      this.views.forEach((_, k) => void subscribe(k));
    });
    s.on('connect_error', (err) => this.count(`connect_error: ${err.message.slice(0, 60)}`));
    s.on('changes', (f: { stream: string; since: number; rev: number; changes: never[] }) => {
      const k = this.views.findIndex((v) => v.stream === f.stream);
      if (k < 0 || syncing.has(k)) return;
      if (this.views[k].frame(f, this.latencies) === 'gap') void subscribe(k);
    });
    // The server said it goes away, or cut the session: socket.io-client reconnects by itself,
    // except after a server-side disconnect, which it takes as final.
    s.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') setTimeout(() => s.connect(), restartRetry());
    });
  }

  private count(why: string): void {
    this.refusals.set(why, (this.refusals.get(why) ?? 0) + 1);
  }

  close(): void {
    this.socket?.close();
  }
}

/** A reader behind the SDK in Node (`createClient`, a ticker view), as a page's widget reads. */
export class SdkReader {
  readonly kind = 'sdk';
  view?: TickerView;
  private client?: LivetickerClient;

  constructor(
    readonly id: number,
    private readonly url: string,
    readonly ticker: string,
    readonly order: 'newest' | 'oldest',
  ) {}

  start(): Promise<void> {
    this.client = createClient({ url: this.url });
    this.view = this.client.ticker(this.ticker, { order: this.order, pageSize: 50 });
    return this.view.ready;
  }

  /** Every entry the view holds, all pages loaded (as a reader scrolling to the end). */
  async all(): Promise<Entry[]> {
    for (let i = 0; i < 100 && this.view!.hasMore; i++) await this.view!.loadMore();
    return this.view!.entries;
  }

  close(): void {
    this.view?.close();
    this.client?.close();
  }
}
