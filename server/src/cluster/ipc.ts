import { BUS_VERSION } from '../realtime/bus';
import type { Bus, BusHandlers, ControlEnvelope, StreamEnvelope } from '../realtime/bus';
import type { PresenceStore } from '../realtime/presence';
import type { ConnectionStore } from '../realtime/connections';

/**
 * The messages between the primary and its workers (WORKERS > 1) over node:cluster's IPC
 * channel. Every one carries `ch: 'lt'`, so other users of the channel (rate-limiter-flexible's
 * cluster limiter, prom-client's metrics aggregation) pass by untouched.
 */
export type ToPrimary =
  | { ch: 'lt'; t: 'bus'; kind: 'stream'; msg: StreamEnvelope }
  | { ch: 'lt'; t: 'bus'; kind: 'control'; msg: ControlEnvelope }
  | { ch: 'lt'; t: 'rpc'; id: number; method: RpcMethod; args: unknown[] }
  /** The worker listens: its node id, its public port, and the loopback port its polling sessions are reached on. */
  | { ch: 'lt'; t: 'listening'; index: number; nodeId: string; port: number; privatePort: number };

export type ToWorker =
  | { ch: 'lt'; t: 'bus'; kind: 'stream'; msg: StreamEnvelope }
  | { ch: 'lt'; t: 'bus'; kind: 'control'; msg: ControlEnvelope }
  | { ch: 'lt'; t: 'rpc-reply'; id: number; ok: true; result: unknown }
  | { ch: 'lt'; t: 'rpc-reply'; id: number; ok: false; error: string }
  /** The private ports of the live workers, by worker index. */
  | { ch: 'lt'; t: 'workers'; ports: Record<number, number> };

export type RpcMethod = 'presence.report' | 'presence.totals' | 'conns.acquire' | 'conns.release' | 'conns.refresh' | 'metrics';

export function isLt(msg: unknown): msg is { ch: 'lt'; t: string } {
  return typeof msg === 'object' && msg !== null && (msg as { ch?: unknown }).ch === 'lt';
}

/** A bus message as the primary relays it: of this version, and naming its stream. */
export function isBusMessage(msg: { t: string }): msg is Extract<ToWorker, { t: 'bus' }> {
  const m = msg as { t: string; kind?: unknown; msg?: { v?: unknown; stream?: unknown } };
  return m.t === 'bus' && (m.kind === 'stream' || m.kind === 'control') && m.msg?.v === BUS_VERSION && (m.kind === 'control' || typeof m.msg.stream === 'string');
}

/** How long a worker waits for the primary's answer, ms (it answers from memory at once). */
const RPC_TIMEOUT_MS = 2000;
/**
 * Metrics are the exception: the primary asks every worker for its own, and prom-client gives a
 * worker that does not answer (one starting or dying) 5 s before the scrape fails.
 */
const RPC_TIMEOUTS: Partial<Record<RpcMethod, number>> = { metrics: 7000 };

/** A worker's side of the channel: sends to the primary, calls it and hears its broadcasts. */
export class WorkerChannel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<(msg: ToWorker) => void>();

  constructor(private readonly proc: NodeJS.Process = process) {
    proc.on('message', (msg: unknown) => {
      if (!isLt(msg)) return;
      const m = msg as ToWorker;
      if (m.t === 'rpc-reply') {
        const call = this.pending.get(m.id);
        if (!call) return;
        this.pending.delete(m.id);
        clearTimeout(call.timer);
        if (m.ok) call.resolve(m.result);
        else call.reject(new Error(m.error));
        return;
      }
      for (const listener of this.listeners) listener(m);
    });
  }

  send(msg: ToPrimary): void {
    // Gone primary: the worker is on its way out (see main.ts); nothing to tell anyone.
    if (this.proc.connected) this.proc.send!(msg);
  }

  call<T>(method: RpcMethod, ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.proc.connected) return reject(new Error('the primary process is gone'));
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the primary did not answer ${method} in time`));
      }, RPC_TIMEOUTS[method] ?? RPC_TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.proc.send!({ ch: 'lt', t: 'rpc', id, method, args } satisfies ToPrimary);
    });
  }

  on(listener: (msg: ToWorker) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The bus between the workers of one machine without Redis: the primary hands every envelope to
 * every worker (the sender included, as Redis does), and each keeps those of its own streams.
 */
export class IpcBus implements Bus {
  private handlers?: BusHandlers;
  private readonly streams = new Set<string>();
  private off?: () => void;

  constructor(
    readonly nodeId: string,
    private readonly channel: WorkerChannel,
  ) {}

  async start(handlers: BusHandlers): Promise<void> {
    this.handlers = handlers;
    this.off = this.channel.on((msg) => {
      if (msg.t !== 'bus') return;
      // A worker of another build (a rolling restart mixes them) speaks another bus.
      if (!isBusMessage(msg)) return;
      if (msg.kind === 'control') this.handlers?.onControl(msg.msg);
      else if (this.streams.has(msg.msg.stream)) this.handlers?.onStream(msg.msg);
    });
  }

  async publish(msg: StreamEnvelope): Promise<void> {
    this.channel.send({ ch: 'lt', t: 'bus', kind: 'stream', msg });
  }

  async publishControl(msg: ControlEnvelope): Promise<void> {
    this.channel.send({ ch: 'lt', t: 'bus', kind: 'control', msg });
  }

  async subscribe(stream: string): Promise<void> {
    this.streams.add(stream);
  }

  async unsubscribe(stream: string): Promise<void> {
    this.streams.delete(stream);
  }

  async close(): Promise<void> {
    this.off?.();
    this.streams.clear();
  }
}

/** Reader counts kept by the primary for every worker. */
export class IpcPresence implements PresenceStore {
  constructor(private readonly channel: WorkerChannel) {}
  async report(nodeId: string, counts: Map<string, number>): Promise<void> {
    await this.channel.call('presence.report', nodeId, [...counts]);
  }
  async totals(tickerIds: string[]): Promise<Map<string, number>> {
    return new Map(await this.channel.call<Array<[string, number]>>('presence.totals', tickerIds));
  }
}

/** Sockets per client address kept by the primary for every worker. */
export class IpcConnections implements ConnectionStore {
  constructor(private readonly channel: WorkerChannel) {}
  acquire(nodeId: string, ip: string, max: number): Promise<boolean> {
    return this.channel.call<boolean>('conns.acquire', nodeId, ip, max);
  }
  async release(nodeId: string, ip: string): Promise<void> {
    await this.channel.call('conns.release', nodeId, ip);
  }
  async refresh(nodeId: string, counts: Map<string, number>): Promise<void> {
    await this.channel.call('conns.refresh', nodeId, [...counts]);
  }
}
