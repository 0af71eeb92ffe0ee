// npm run bench -- workers: does WORKERS=2 deliver twice what one process does? BENCH_WORKERS_CLIENTS
// (10,000) cheap readers (fleet.ts) pinned to the last core follow one ticker at BENCH_RATE (20)
// entries/s for BENCH_SECONDS (10), more than one core delivers (200,000 deliveries/s asked), against
//   - the bare Socket.IO server on core 0 (the baseline),
//   - WORKERS=1 on core 0,
//   - WORKERS=2, primary and both workers on core 0: the same core as WORKERS=1, so the CPU per
//     delivery tells what the split itself costs (the relay between the workers, each worker's
//     share of every change),
//   - WORKERS=2, one worker on each core: what this machine gives, the readers sharing core 1 with
//     the second worker.
// Past saturation a frame carries every change that waited for it, so deliveries/s keep growing
// (later) while frames/s, the socket writes, stay what the cores can do: those are compared.
// With two cores the readers cannot have a core the workers do not use; what two workers would
// write with cores of their own is 2 × (CPU per frame of WORKERS=1) / (that of WORKERS=2),
// printed as the expectation. Without REDIS_URL (the primary relays the changes over IPC);
// BENCH_WORKERS_REDIS=1 puts the workers on Redis.
import os from 'node:os';
import { percentile } from './harness';
import { ReaderFleet, deliver, stampedEntry } from './fleet';
import type { Delivery } from './fleet';
import { canPin, pin, postJson, startBare, startLiveticker, workerPids } from './servers';

export interface WorkersLoad {
  readers: number;
  rate: number;
  seconds: number;
}

interface Target {
  name: string;
  url: string;
  pids(): number[];
  send(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** How long after the last entry deliveries still count, ms. */
const DRAIN_MS = 20_000;

async function bare(): Promise<Target> {
  const b = await startBare('0');
  return {
    name: 'bare Socket.IO, core 0',
    url: b.url,
    pids: () => [b.pid],
    // The same entry JSON, broadcast as is.
    send: (i) => postJson(`${b.url}/publish/${encodeURIComponent(b.stream)}`, { stream: b.stream, changes: [{ rev: i + 1, type: 'entry.created', data: { id: String(i), ...stampedEntry(i) } }] }),
    stop: () => b.stop(),
  };
}

async function liveticker(workers: number, layout: 'core 0' | 'one a core', redis: boolean): Promise<Target> {
  const lt = await startLiveticker({ WORKERS: String(workers), ...(redis ? {} : { REDIS_URL: '' }) }, layout === 'core 0' ? '0' : '0,1');
  if (layout === 'one a core') {
    // The primary (it accepts every connection and, without Redis, relays every change) on core 0.
    pin(lt.pid, '0');
    workerPids(lt.pid).forEach((pid, i) => pin(pid, String(i % 2)));
  }
  await postJson(`${lt.url}/api/v1/tickers`, { id: 'bench', title: 'Bench', status: 'live' }, lt.opsKey);
  const bus = redis ? 'Redis bus' : workers > 1 ? 'IPC bus' : 'in-process bus';
  return {
    name: workers === 1 ? `WORKERS=1, core 0 (${bus})` : `WORKERS=${workers}, ${layout === 'core 0' ? 'all on core 0' : 'a worker on each core, readers on core 1 too'} (${bus})`,
    url: lt.url,
    pids: () => lt.pids(),
    send: (i) => postJson(`${lt.url}/api/v1/tickers/bench/entries`, stampedEntry(i), lt.opsKey),
    stop: () => lt.stop(),
  };
}

interface Row {
  name: string;
  d: Delivery;
}

async function measure(target: Target, load: WorkersLoad, log: (s: string) => void): Promise<Row> {
  let fleet: ReaderFleet | undefined;
  try {
    const connected = await ReaderFleet.connect({ url: target.url, stream: 'ticker:bench', readers: load.readers, cpu: '1', drainMs: 100 });
    fleet = connected.fleet;
    if (connected.failed) log(`  ${target.name}: ${connected.failed} readers failed to connect (${JSON.stringify(connected.errors)})`);
    const d = await deliver(fleet, connected.ok, {
      rate: load.rate,
      seconds: load.seconds,
      drainMs: DRAIN_MS,
      serverPids: () => target.pids(),
      send: (i) => target.send(i).catch((err: unknown) => log(`  ${target.name}: entry ${i} failed: ${String(err)}`)),
    });
    log(`  ${target.name}: ${connected.ok} readers in ${(connected.ms / 1000).toFixed(1)} s; ${d.report.delivered}/${d.expected} delivered`);
    return { name: target.name, d };
  } finally {
    await fleet?.stop();
    await target.stop();
  }
}

const cpu = (d: Delivery) => d.server.user + d.server.sys;
const cpuPer100k = (d: Delivery) => (cpu(d) / Math.max(1, d.report.delivered)) * 100_000;
/** Per 100,000 frames that carried changes: a socket write each, whatever the batching. */
const cpuPer100kFrames = (d: Delivery) => (cpu(d) / Math.max(1, d.report.frames)) * 100_000;

function table(rows: Row[]): string {
  const out = [
    ['target', 'delivered', 'deliveries/s', 'frames/s', 'changes/frame', 'p50 ms', 'p99 ms', 'CPU ms/100k deliveries', 'CPU ms/100k frames', 'server, cores', 'readers, cores', 'cores busy'],
    ...rows.map(({ name, d }) => [
      name,
      `${((100 * d.report.delivered) / d.expected).toFixed(1)}%`,
      d.sustainedPerSec.toFixed(0),
      d.sustainedFramesPerSec.toFixed(0),
      (d.report.delivered / Math.max(1, d.report.frames)).toFixed(2),
      percentile(d.report.latencies, 50).toFixed(0),
      percentile(d.report.latencies, 99).toFixed(0),
      cpuPer100k(d).toFixed(0),
      cpuPer100kFrames(d).toFixed(0),
      (cpu(d) / d.wallMs).toFixed(2),
      ((d.readers.user + d.readers.sys) / d.wallMs).toFixed(2),
      d.cores.map((c) => `${(c * 100).toFixed(0)}%`).join('/'),
    ]),
  ];
  const widths = out[0].map((_, i) => Math.max(...out.map((r) => r[i].length)));
  return out.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

export async function workersScenario(load: WorkersLoad, log: (s: string) => void): Promise<void> {
  const redis = process.env.BENCH_WORKERS_REDIS === '1';
  log(`\n== every core: ${load.readers} readers on core 1, ${load.rate} entries/s for ${load.seconds} s (${load.readers * load.rate} deliveries/s asked) ==`);
  log(`  load average before: ${os.loadavg()[0].toFixed(1)} (other work on this machine shares the cores)`);
  if (!canPin()) log('  (no taskset or one core: nothing is pinned, and the figures below mean less)');
  const rows: Row[] = [];
  rows.push(await measure(await bare(), load, log));
  const [one, twoShared, twoCores] = [
    await measure(await liveticker(1, 'core 0', redis), load, log),
    await measure(await liveticker(2, 'core 0', redis), load, log),
    await measure(await liveticker(2, 'one a core', redis), load, log),
  ];
  rows.push(one, twoShared, twoCores);
  log(`\n${table(rows)}`);
  log('  deliveries/s and frames/s over the second half of the sending (a saturated server\'s own pace); a frame carries every change that waited for it, so past');
  log('  saturation deliveries/s still grow (fuller frames, later) while frames/s, the socket writes, stay what the cores can do: compare those.');
  log("  CPU: the server's processes' own (user + kernel); 'cores busy': each core's whole time, anyone's, with the kernel's softirq work on loopback");
  log('  packets, which no process is charged for here.');
  const f1 = cpuPer100kFrames(one.d);
  const f2 = cpuPer100kFrames(twoShared.d);
  log(
    `  this machine, WORKERS=2 (a worker a core, the readers beside the second) / WORKERS=1: ${(twoCores.d.sustainedFramesPerSec / one.d.sustainedFramesPerSec).toFixed(2)}x the frames/s, ` +
      `${(twoCores.d.sustainedPerSec / one.d.sustainedPerSec).toFixed(2)}x the deliveries/s`,
  );
  log(
    `  on the same core, WORKERS=2 spends ${(f2 / f1).toFixed(2)}x the CPU of WORKERS=1 per frame (${f2.toFixed(0)} against ${f1.toFixed(0)} ms per 100k): ` +
      `with a core each and the readers elsewhere, expect 2 x ${f1.toFixed(0)} / ${f2.toFixed(0)} = ${((2 * f1) / f2).toFixed(2)}x (target ≥ 1.8)`,
  );
}
