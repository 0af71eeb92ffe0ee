// npm run bench -- bus: what the bus between nodes costs Redis. The project's own buses, as a
// node builds them, one publishing node and BENCH_BUS_SUBSCRIBERS (1) subscribed to every one of
// BENCH_BUS_STREAMS (1,000) tickers, each a process of its own (bus-node.ts), through
//   - a Redis Cluster of three masters started here on free ports (ShardedRedisBus: SPUBLISH to
//     the shard that owns the stream's slot), and
//   - one redis-server started here the same way (RedisBus: PUBLISH), for comparison.
// Envelopes carry one ticker entry's change, BENCH_BUS_BYTES (1,000) long as JSON. Two phases
// each: BENCH_BUS_RATE (2,000) envelopes a second, each publish awaited on its own as a node's are,
// then as fast as Redis answers (BENCH_BUS_WINDOW, 256, in flight) for BENCH_SECONDS (10). Prints
// publishes and deliveries per second, latency from publish to the subscriber's handler, and the
// CPU time of Redis (every redis-server) and of the nodes per 1,000 publishes. Never touches the
// shared Redis; the servers and their directories are removed at the end.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OwnRedis, OwnRedisCluster } from '../../test/helpers/redis';
import { percentile } from './harness';
import { cpuOf } from './fleet';
import type { BusNodeOptions, FromBusNode, ToBusNode } from './bus-node';

export interface BusLoad {
  streams: number;
  envelopeBytes: number;
  rate: number;
  window: number;
  seconds: number;
  subscribers: number;
}

interface Node {
  proc: ChildProcess;
  next(t: FromBusNode['t'], send?: ToBusNode): Promise<FromBusNode>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startNode(opts: BusNodeOptions): Node {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'bus-node.ts'), JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  // Answers are kept until asked for: a node may be ready before the bench waits for it.
  const arrived: FromBusNode[] = [];
  const waiting = new Map<string, (msg: FromBusNode) => void>();
  proc.on('message', (msg: FromBusNode) => {
    const w = waiting.get(msg.t);
    if (!w) return void arrived.push(msg);
    waiting.delete(msg.t);
    w(msg);
  });
  const exited = new Promise<FromBusNode>((_, reject) => proc.once('exit', (code, signal) => reject(new Error(`bus node (${opts.role}) exited with ${code ?? signal}`))));
  exited.catch(() => undefined);
  return {
    proc,
    next: (t, send) => {
      const at = arrived.findIndex((m) => m.t === t);
      const answer = at >= 0 ? Promise.resolve(arrived.splice(at, 1)[0]) : new Promise<FromBusNode>((resolve) => waiting.set(t, resolve));
      if (send) proc.send(send);
      return Promise.race([answer, exited]);
    },
  };
}

function stopNode(node: Node): Promise<void> {
  return new Promise((resolve) => {
    if (node.proc.exitCode !== null || node.proc.signalCode !== null) return resolve();
    node.proc.once('exit', () => resolve());
    if (node.proc.connected) node.proc.send({ t: 'stop' } satisfies ToBusNode);
    setTimeout(() => node.proc.kill('SIGKILL'), 5000).unref();
  });
}

interface PhaseResult {
  bus: string;
  phase: string;
  published: number;
  publishesPerSec: number;
  deliveredPerSec: number;
  /** Deliveries the subscribers missed (published × subscribers − received). */
  missing: number;
  p50: number;
  p99: number;
  redisMsPer1k: number;
  /** The same less what Redis costs at rest (cluster gossip, cron) over the phase's time. */
  redisMsPer1kAboveRest: number;
  /** Share of one core each Redis process used, %. */
  redisCores: string;
  pubMsPer1k: number;
  subMsPer1k: number;
}

async function measure(name: string, redis: BusNodeOptions['redis'], redisPids: number[], load: BusLoad, log: (s: string) => void): Promise<PhaseResult[]> {
  const base = { redis, prefix: `lt-bench-bus:`, streams: load.streams, envelopeBytes: load.envelopeBytes };
  const subs = Array.from({ length: load.subscribers }, () => startNode({ ...base, role: 'sub' }));
  const nodes = [...subs];
  const results: PhaseResult[] = [];
  try {
    for (const s of subs) await s.next('ready');
    const pub = startNode({ ...base, role: 'pub' });
    nodes.push(pub);
    const ready = (await pub.next('ready')) as Extract<FromBusNode, { t: 'ready' }>;
    // What Redis costs with nobody publishing (a cluster's gossip between its masters, cron).
    const rest0 = redisPids.map((pid) => cpuOf([pid]));
    const restStart = Date.now();
    await sleep(3000);
    const restMsPerSec = redisPids.reduce((n, pid, i) => n + cpuOf([pid]).user + cpuOf([pid]).sys - rest0[i].user - rest0[i].sys, 0) / ((Date.now() - restStart) / 1000);
    log(
      `  ${name}: ${load.subscribers} subscribing node(s) on ${load.streams} streams, envelopes of ${ready.envelopeBytes} bytes; ` +
        `Redis at rest ${(restMsPerSec / 10).toFixed(1)} % of a core`,
    );
    const phases = [
      { phase: `${load.rate}/s, one at a time`, rate: load.rate },
      { phase: `flat out, ${load.window} in flight`, rate: 0 },
    ];
    for (const { phase, rate } of phases) {
      await Promise.all(subs.map((s) => s.next('reset', { t: 'reset' })));
      const cpu0 = { redis: redisPids.map((pid) => cpuOf([pid])), pub: cpuOf([pub.proc.pid!]), sub: cpuOf(subs.map((s) => s.proc.pid!)) };
      const done = (await pub.next('done', { t: 'go', rate, seconds: load.seconds, window: load.window })) as Extract<FromBusNode, { t: 'done' }>;
      // The stragglers: at most 5 s after the last publish was answered.
      const until = Date.now() + 5000;
      let reports: Array<Extract<FromBusNode, { t: 'report' }>> = [];
      for (;;) {
        reports = (await Promise.all(subs.map((s) => s.next('report', { t: 'report' })))) as typeof reports;
        if (reports.every((r) => r.received >= done.published) || Date.now() > until) break;
        await sleep(200);
      }
      const ms = (c: { user: number; sys: number }) => c.user + c.sys;
      const redisMs = redisPids.map((pid, i) => ms(cpuOf([pid])) - ms(cpu0.redis[i]));
      const pubMs = ms(cpuOf([pub.proc.pid!])) - ms(cpu0.pub);
      const subMs = ms(cpuOf(subs.map((s) => s.proc.pid!))) - ms(cpu0.sub);
      const received = reports.reduce((n, r) => n + r.received, 0);
      const lat = new Float64Array(reports.reduce((n, r) => n + r.latencies.length, 0));
      let at = 0;
      for (const r of reports) {
        lat.set(r.latencies, at);
        at += r.latencies.length;
      }
      lat.sort();
      const per1k = (cpu: number) => (cpu / Math.max(1, done.published)) * 1000;
      results.push({
        bus: name,
        phase,
        published: done.published,
        publishesPerSec: done.published / (done.ms / 1000),
        deliveredPerSec: received / (done.ms / 1000),
        missing: done.published * subs.length - received,
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        redisMsPer1k: per1k(redisMs.reduce((n, x) => n + x, 0)),
        redisMsPer1kAboveRest: per1k(redisMs.reduce((n, x) => n + x, 0) - (restMsPerSec * done.ms) / 1000),
        redisCores: redisMs.map((x) => `${((x / done.ms) * 100).toFixed(0)}`).join('+'),
        pubMsPer1k: per1k(pubMs),
        subMsPer1k: per1k(subMs),
      });
      if (done.failed) log(`  ${name}, ${phase}: ${done.failed} publishes failed`);
    }
  } finally {
    await Promise.all(nodes.map(stopNode));
  }
  return results;
}

export function busTable(results: PhaseResult[]): string {
  const rows = [
    ['bus', 'phase', 'published', 'publishes/s', 'deliveries/s', 'missing', 'p50 ms', 'p99 ms', 'Redis CPU ms/1k', 'above rest', 'Redis % of a core', 'publisher ms/1k', 'subscribers ms/1k'],
    ...results.map((r) => [
      r.bus,
      r.phase,
      String(r.published),
      r.publishesPerSec.toFixed(0),
      r.deliveredPerSec.toFixed(0),
      String(r.missing),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      r.redisMsPer1k.toFixed(1),
      r.redisMsPer1kAboveRest.toFixed(1),
      r.redisCores,
      r.pubMsPer1k.toFixed(1),
      r.subMsPer1k.toFixed(1),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

export async function busScenario(load: BusLoad, log: (s: string) => void): Promise<void> {
  log(`\n== bus: ${load.streams} streams, envelopes of ~${load.envelopeBytes} bytes, ${load.seconds} s a phase, on ${os.cpus().length} cores ==`);
  const results: PhaseResult[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-cluster-'));
  try {
    const cluster = await OwnRedisCluster.start(dir);
    try {
      results.push(...(await measure('Redis Cluster, 3 masters (sharded)', { nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) }, cluster.pids, load, log)));
    } finally {
      await cluster.stop();
    }
    const single = await OwnRedis.start();
    try {
      results.push(...(await measure('one Redis', { url: single.url }, [single.pid!], load, log)));
    } finally {
      await single.kill();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log(`\n${busTable(results)}`);
  log('  Redis CPU is every redis-server process together (the cluster: the three masters, their shares of a core joined by +).');
}
