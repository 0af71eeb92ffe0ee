import { randomBytes } from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LiteClient } from './lite-client';

export interface Target {
  name: string;
  url: string;
  pid: number;
  /** Sends message `i` of the run the way a user would (REST POST, socket command…). */
  send(i: number): Promise<void>;
  /** Socket.IO handshake auth for the readers, if any. */
  auth?: Record<string, string>;
  /** Extra handshake headers for reader `i` (an X-Forwarded-For of its own behind TRUST_PROXY). */
  headers?: (i: number) => Record<string, string>;
  /** The server's processes whose CPU time is counted (default: `pid`; a WORKERS primary adds its workers). */
  pids?: () => number[];
  /** Called once every reader is subscribed, before the first send (starts an attack). */
  onLoaded?: () => void;
  stream: string;
  stop(): Promise<void>;
}

export interface Load {
  clients: number;
  /** Messages per second and for how long. */
  rate: number;
  seconds: number;
  /** How long to wait for stragglers after the last send, ms. */
  drainMs: number;
}

export interface Result {
  name: string;
  clients: number;
  expected: number;
  delivered: number;
  duplicates: number;
  deliveriesPerSec: number;
  p50: number;
  p99: number;
  max: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  kbPerConnection: number;
  /** Server CPU time (user + system, every process of it) per 100,000 deliveries, ms. */
  cpuMsPer100k: number;
}

/** CPU time a process has used so far (user + system), ms. */
export function cpuMs(pid: number): number {
  const { user, sys } = cpuSplitMs(pid);
  return user + sys;
}

/** CPU time a process has used so far in user space and in the kernel, ms (0 for a process that is gone). */
export function cpuSplitMs(pid: number): { user: number; sys: number } {
  try {
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(fields[11]) * 1000) / CLOCK_TICKS, sys: (Number(fields[12]) * 1000) / CLOCK_TICKS };
  } catch {
    return { user: 0, sys: 0 };
  }
}
/**
 * Each core's time so far, in clock ticks: busy (user, nice, system, irq, softirq, steal) and
 * all. Softirq time is the kernel's work on loopback packets, counted to no process here.
 */
export function coreTicks(): Array<{ busy: number; all: number }> {
  return fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => {
      const [user, nice, system, idle, iowait, irq, softirq, steal] = l.split(/\s+/).slice(1, 9).map(Number);
      const busy = user + nice + system + irq + softirq + steal;
      return { busy, all: busy + idle + iowait };
    });
}

/** How busy each core was between two `coreTicks()`, 0–1. */
export function coreBusy(before: Array<{ busy: number; all: number }>, after: Array<{ busy: number; all: number }>): number[] {
  return after.map((a, i) => (a.busy - before[i].busy) / Math.max(1, a.all - before[i].all));
}

/** The kernel's clock ticks per second (`getconf CLK_TCK`: 100 on every Linux here). */
const CLOCK_TICKS = 100;

export function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value at percentile `p` (0–100) of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Connects `clients` readers to a target, subscribes them, sends `rate × seconds` messages and
 * measures who got what when. Messages carry the marker `bench-<i>` so a receipt is matched
 * without parsing JSON.
 */
export async function run(target: Target, load: Load, log: (s: string) => void): Promise<Result> {
  const total = load.rate * load.seconds;
  const sentAt = new Float64Array(total).fill(NaN);
  const latencies = new Float64Array(load.clients * total);
  /** The slowest delivery of each message (BENCH_TRACE=1 prints the worst ones). */
  const worst = new Float64Array(total);
  /** How long each send (the POST, the chat:send ack) took. */
  const sendMs = new Float64Array(total);
  let nLat = 0;
  let delivered = 0;
  let duplicates = 0;
  let lastReceipt = 0;
  const seen: Uint8Array[] = [];
  const marker = /bench-(\d+)-/g;

  global.gc?.();
  await sleep(500);
  const rssBefore = rssKb(target.pid);
  const clients: LiteClient[] = [];
  for (let i = 0; i < load.clients; i += 250) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(250, load.clients - i) }, async (_, j) => {
        const got = new Uint8Array(total);
        seen[i + j] = got;
        const c = new LiteClient((raw) => {
          const now = performance.now();
          marker.lastIndex = 0;
          for (let m = marker.exec(raw); m; m = marker.exec(raw)) {
            const n = Number(m[1]);
            if (got[n]) {
              duplicates++;
              continue;
            }
            got[n] = 1;
            delivered++;
            latencies[nLat++] = now - sentAt[n];
            if (now - sentAt[n] > worst[n]) worst[n] = now - sentAt[n];
            lastReceipt = now;
          }
        });
        await c.connect(target.url, target.auth, target.headers?.(i + j));
        const ack = (await c.emitWithAck('subscribe', { stream: target.stream })) as { ok: boolean };
        if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
        return c;
      }),
    );
    clients.push(...batch);
  }
  await sleep(1000);
  const rssAfter = rssKb(target.pid);
  log(`  ${target.name}: ${clients.length} readers subscribed; sending ${total} messages at ${load.rate}/s`);

  // The load generator's own stalls (its GC, a busy core) would read as the server's latency.
  const ownLag = monitorEventLoopDelay({ resolution: 10 });
  ownLag.enable();
  target.onLoaded?.();
  const pids = target.pids?.() ?? [target.pid];
  const cpuBefore = pids.reduce((n, pid) => n + cpuMs(pid), 0);
  const start = performance.now();
  if (process.env.BENCH_TRACE === '1') log(`  sending from ${Date.now()} (epoch ms)`);
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / load.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt[i] = performance.now();
    sends.push(
      target
        .send(i)
        .then(() => void (sendMs[i] = performance.now() - sentAt[i]))
        .catch((err: unknown) => log(`  send ${i} failed: ${String(err)}`)),
    );
  }
  const expected = total * load.clients;
  // Receipts count until drainMs after the last scheduled send: a server that falls behind
  // (even its acks) shows it here rather than stretching the window.
  const until = start + (total * 1000) / load.rate + load.drainMs;
  while (delivered < expected && performance.now() < until) await sleep(100);
  const elapsed = (lastReceipt - start) / 1000;
  const counted = { delivered, nLat };
  const cpuUsed = pids.reduce((n, pid) => n + cpuMs(pid), 0) - cpuBefore;
  await Promise.race([Promise.all(sends), sleep(5000)]);

  for (const c of clients) c.close();
  delivered = counted.delivered;
  ownLag.disable();
  if (process.env.BENCH_TRACE === '1') {
    log(`  load generator's own event-loop delay: max ${(ownLag.max / 1e6).toFixed(0)} ms, p99 ${(ownLag.percentile(99) / 1e6).toFixed(0)} ms`);
    const slow = Array.from(worst, (ms, i) => ({ i, at: sentAt[i] - start, ms })).sort((a, b) => b.ms - a.ms).slice(0, 8);
    log(`  slowest messages: ${slow.map((s) => `#${s.i} sent at +${(s.at / 1000).toFixed(1)} s: ${s.ms.toFixed(0)} ms (send took ${sendMs[s.i].toFixed(0)} ms)`).join('; ')}`);
  }
  const sorted = latencies.slice(0, counted.nLat).sort();
  return {
    name: target.name,
    clients: load.clients,
    expected,
    delivered,
    duplicates,
    deliveriesPerSec: delivered / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    rssBeforeMb: rssBefore / 1024,
    rssAfterMb: rssAfter / 1024,
    kbPerConnection: (rssAfter - rssBefore) / load.clients,
    cpuMsPer100k: (cpuUsed / Math.max(1, counted.delivered)) * 100_000,
  };
}

export function table(results: Result[]): string {
  const rows = [
    ['target', 'delivered/expected', 'dup', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'RSS idle→loaded MB', 'KB/conn', 'CPU ms/100k'],
    ...results.map((r) => [
      r.name,
      `${r.delivered}/${r.expected} (${((100 * r.delivered) / r.expected).toFixed(2)}%)`,
      String(r.duplicates),
      r.deliveriesPerSec.toFixed(0),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      r.max.toFixed(1),
      `${r.rssBeforeMb.toFixed(0)}→${r.rssAfterMb.toFixed(0)}`,
      r.kbPerConnection.toFixed(1),
      r.cpuMsPer100k.toFixed(0),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

/**
 * What a bench's server runs with: its own SQLite file in `dir`, Redis with a prefix of its own,
 * the ops key, quiet. Every simulated reader comes from 127.0.0.1, so the per-address limits are
 * off (they would count every reader as one; the abuse scenario gives each an address instead).
 * The bench mails nothing: a NODE_ENV=production left in the shell must not stop it.
 */
export function benchServerEnv(dir: string, opsKey: string): Record<string, string> {
  return {
    DATABASE_URL: path.join(dir, 'bench.sqlite'),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `lt-bench-${randomBytes(3).toString('hex')}:`,
    ADMIN_API_KEY: opsKey,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    MAX_SOCKETS_PER_IP: '0',
    READ_RATE_LIMIT: '0',
    MAIL_TRANSPORT: 'log',
  };
}
