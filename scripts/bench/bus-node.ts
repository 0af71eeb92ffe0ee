// One node's bus for the bus bench (bus.ts), in a process of its own so its CPU is its own: the
// project's RedisBus (one Redis) or ShardedRedisBus (a Redis Cluster, SPUBLISH/SSUBSCRIBE) as
// a node builds it, either publishing change envelopes or subscribed to every stream and counting
// them. Options as JSON in argv[2]; talks to the bench over IPC; exits when told, when the bench
// goes away, or after five minutes whatever happens.
import { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import type { Change } from '@liveticker/schemas';
import { RedisBus } from '../../server/src/realtime/bus.redis';
import { ShardedRedisBus } from '../../server/src/realtime/bus.sharded';
import type { Bus, StreamEnvelope } from '../../server/src/realtime/bus';

export interface BusNodeOptions {
  role: 'pub' | 'sub';
  /** `redis://…` for the single Redis, or the cluster's `host:port` nodes. */
  redis: { url: string } | { nodes: Array<{ host: string; port: number }> };
  prefix: string;
  streams: number;
  /** About how long one envelope is as JSON, bytes. */
  envelopeBytes: number;
}

export type ToBusNode = { t: 'go'; rate: number; seconds: number; window: number } | { t: 'reset' } | { t: 'report' } | { t: 'stop' };
export type FromBusNode =
  | { t: 'ready'; envelopeBytes: number }
  | { t: 'reset' }
  | { t: 'done'; published: number; failed: number; ms: number }
  | { t: 'report'; received: number; latencies: Float64Array };

const opts = JSON.parse(process.argv[2] ?? '{}') as BusNodeOptions;
const send = (msg: FromBusNode) => process.send?.(msg);
const logger = pino({ level: 'warn' });
const streamName = (i: number) => `ticker:bench-${i}`;

/** An entry as one node tells the others about it: the change of a ticker entry of about 1 KB. */
function envelope(i: number, node: string, bodyChars: number): StreamEnvelope {
  const now = new Date().toISOString();
  const change = {
    rev: i + 1,
    type: 'entry.created',
    data: {
      id: `e${i}`,
      tickerId: `bench-${i % opts.streams}`,
      seq: i + 1,
      rev: i + 1,
      kind: 'text',
      title: `t0=${Date.now()} The count goes on`,
      body: `<p>${'Turnout is up in every district, the count goes on. '.repeat(40).slice(0, bodyChars)}</p>`,
      image: null,
      teaser: null,
      pinned: false,
      author: { id: 'u1', name: 'Desk' },
      publishedAt: now,
      updatedAt: now,
      version: 1,
      deletedAt: null,
      status: 'published',
      publishAt: null,
    },
  } as unknown as Change;
  return { v: 1, node, stream: streamName(i % opts.streams), since: i, rev: i + 1, changes: [change] };
}

async function main(): Promise<void> {
  const nodeId = `bench-${opts.role}-${process.pid}`;
  let bus: Bus;
  const clients: Array<Redis | Cluster> = [];
  if ('url' in opts.redis) {
    const pub = new Redis(opts.redis.url, { maxRetriesPerRequest: 2 });
    const sub = new Redis(opts.redis.url, { maxRetriesPerRequest: 2 });
    clients.push(pub, sub);
    await Promise.all([pub, sub].map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r)))));
    bus = new RedisBus(nodeId, pub, sub, opts.prefix, logger);
  } else {
    const cluster = new Cluster(opts.redis.nodes, { slotsRefreshInterval: 2000 });
    clients.push(cluster);
    await new Promise((r) => cluster.once('ready', r));
    bus = new ShardedRedisBus(nodeId, cluster, opts.prefix, logger);
  }

  let received = 0;
  let latencies = new Float64Array(1 << 16);
  let nLat = 0;
  await bus.start({
    onStream: (msg) => {
      received++;
      const title = (msg.changes[0]?.data as { title?: string } | undefined)?.title ?? '';
      const t0 = Number(/^t0=(\d+)/.exec(title)?.[1]);
      if (!Number.isFinite(t0)) return;
      if (nLat === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[nLat++] = Date.now() - t0;
    },
    onControl: () => undefined,
    onReconnect: () => undefined,
  });
  if (opts.role === 'sub') for (let i = 0; i < opts.streams; i++) await bus.subscribe(streamName(i));

  // The body's length that makes an envelope about `envelopeBytes` long as JSON.
  const bare = JSON.stringify(envelope(0, nodeId, 0)).length;
  const bodyChars = Math.max(0, opts.envelopeBytes - bare);
  send({ t: 'ready', envelopeBytes: JSON.stringify(envelope(0, nodeId, bodyChars)).length });

  const stop = () => {
    void bus.close();
    for (const c of clients) c.disconnect();
    process.exit(0);
  };
  setTimeout(stop, 5 * 60_000).unref();
  process.on('disconnect', stop);
  process.on('message', (msg: ToBusNode) => {
    if (msg.t === 'stop') return stop();
    if (msg.t === 'reset') {
      received = 0;
      nLat = 0;
      return send({ t: 'reset' });
    }
    if (msg.t === 'report') return send({ t: 'report', received, latencies: latencies.slice(0, nLat) });
    if (msg.t === 'go') void publish(msg.rate, msg.seconds, msg.window);
  });

  /**
   * Publishes for `seconds`: `rate` envelopes a second, each awaited on its own (a node
   * publishing its changes), or with `rate` 0 as fast as Redis answers, `window` in flight.
   */
  async function publish(rate: number, seconds: number, window: number): Promise<void> {
    const start = Date.now();
    const end = start + seconds * 1000;
    let i = 0;
    let published = 0;
    let failed = 0;
    const one = () =>
      bus.publish(envelope(i++, nodeId, bodyChars)).then(
        () => void published++,
        () => void failed++,
      );
    if (rate > 0) {
      const pending: Array<Promise<void>> = [];
      while (Date.now() < end) {
        const due = Math.min(Math.floor(((Date.now() - start) / 1000) * rate), rate * seconds);
        while (i < due) pending.push(one());
        await new Promise((r) => setTimeout(r, 2));
      }
      await Promise.all(pending);
    } else {
      await Promise.all(
        Array.from({ length: window }, async () => {
          while (Date.now() < end) await one();
        }),
      );
    }
    send({ t: 'done', published, failed, ms: Date.now() - start });
  }
}

void main();
