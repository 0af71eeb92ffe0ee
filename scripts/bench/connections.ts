// npm run bench -- connections (or -- 100k): BENCH_CONNECTIONS (100,000) readers on one node (this
// machine, the Redis bus, SQLite) following one ticker at BENCH_RATE (1) entries/s for
// BENCH_SECONDS (30). One process may open 20,000 files here (a hard limit that cannot be raised
// without CAP_SYS_RESOURCE), so the node runs as WORKERS=k with k chosen for at most 15,000
// sockets a worker, and the readers are spread the same way over processes of their own, each
// from its own source address (fleet.ts). Prints the time to connect and subscribe them all, the
// server's memory (primary and workers) and CPU, delivery latency (stamped by the sender) and
// deliveries lost.
import fs from 'node:fs';
import { cpuMs, percentile, rssKb } from './harness';
import { postJson, startLiveticker } from './servers';
import { ReaderFleet, deliver, stampedEntry } from './fleet';

/** Sockets per server worker and per reader process: under the 20,000 open files of a process, with room for the round robin's unevenness. */
const PER_PROCESS = 15_000;
/** How long after the last entry deliveries still count, ms. */
const DRAIN_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);
const openFiles = (pid: number) => {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};

export async function connectionsScenario(opts: { connections: number; rate: number; seconds: number; drainMs: number }, log: (s: string) => void): Promise<void> {
  const n = opts.connections;
  const workers = Math.max(1, Math.ceil(n / PER_PROCESS));
  const readerProcesses = Math.ceil(n / PER_PROCESS);
  const drainMs = opts.drainMs;
  log(`\n== ${n.toLocaleString('en')} connections on one node, ${opts.rate} entr${opts.rate === 1 ? 'y' : 'ies'}/s for ${opts.seconds} s ==`);
  log(
    `  WORKERS=${workers}: about ${Math.ceil(n / workers).toLocaleString('en')} sockets a worker (node:cluster's round robin), under the 20,000 open files a process may have here; ` +
      `readers in ${readerProcesses} process(es) from 127.0.0.2${readerProcesses > 1 ? `–127.0.0.${readerProcesses + 1}` : ''}, paused ones drained every ${drainMs} ms`,
  );
  const lt = await startLiveticker({ WORKERS: String(workers) });
  let fleet: ReaderFleet | undefined;
  try {
    await postJson(`${lt.url}/api/v1/tickers`, { id: 'bench', title: 'Bench', status: 'live' }, lt.opsKey);
    // Idle: the workers' start (compiling the sources) has settled.
    await sleep(5000);
    const rssIdle = lt.pids().map(rssKb);
    const cpuIdle = lt.pids().map(cpuMs);

    const connected = await ReaderFleet.connect({ url: lt.url, stream: 'ticker:bench', readers: n, perProcess: PER_PROCESS, drainMs });
    fleet = connected.fleet;
    const cpuConnected = lt.pids().map(cpuMs);
    const cpuConnect = sum(cpuConnected) - sum(cpuIdle);
    const primaryShare = cpuConnected.length > 1 ? `, the primary's share ${((cpuConnected[0] - cpuIdle[0]) / 1000).toFixed(1)} s` : '';
    log(
      `  connected and subscribed ${connected.ok.toLocaleString('en')} readers in ${(connected.ms / 1000).toFixed(1)} s (${Math.round(connected.ok / (connected.ms / 1000))}/s), ` +
        `${connected.failed} failed${Object.keys(connected.errors).length ? ` (retried or failed: ${JSON.stringify(connected.errors)})` : ''}; ` +
        `server CPU ${(cpuConnect / 1000).toFixed(1)} s (${((cpuConnect / Math.max(1, connected.ok)) * 1000).toFixed(0)} µs a connection${primaryShare})`,
    );
    // The lone process, or the workers (the primary hands each connection on and keeps none).
    const serving = lt.pids().length > 1 ? lt.pids().slice(1) : lt.pids();
    const files = serving.map(openFiles);
    log(`  open files per ${serving.length > 1 ? 'worker' : 'process'}: ${files.join(', ')} (the limit is 20,000)`);

    await sleep(3000);
    const pids = lt.pids();
    const rssLoaded = pids.map(rssKb);
    const rssTotalMb = sum(rssLoaded) / 1024;
    const kbPerConn = (sum(rssLoaded) - sum(rssIdle)) / Math.max(1, connected.ok);
    const mb = (kb: number) => (kb / 1024).toFixed(0);
    const split = rssLoaded.length > 1 ? `; primary ${mb(rssLoaded[0])} MB, workers ${rssLoaded.slice(1).map(mb).join(', ')} MB` : '';
    log(
      `  server RSS ${rssTotalMb.toFixed(0)} MB${split}: ${((rssTotalMb * 1024) / Math.max(1, connected.ok)).toFixed(1)} KB per connection all told, ` +
        `${kbPerConn.toFixed(1)} KB per connection above the idle ${mb(sum(rssIdle))} MB`,
    );

    const d = await deliver(fleet, connected.ok, {
      rate: opts.rate,
      seconds: opts.seconds,
      drainMs: DRAIN_MS,
      serverPids: () => lt.pids(),
      send: (i) =>
        postJson(`${lt.url}/api/v1/tickers/bench/entries`, stampedEntry(i), lt.opsKey).catch(
          (err: unknown) => log(`  entry ${i} failed: ${String(err)}`),
        ),
    });
    const { report: r, wallMs } = d;
    const share = (ms: number) => `${((ms / wallMs) * 100).toFixed(0)} %`;
    const cpuRun = d.server.user + d.server.sys;
    log(
      `  ${d.entries} entries to ${connected.ok.toLocaleString('en')} readers: delivered ${r.delivered.toLocaleString('en')}/${d.expected.toLocaleString('en')}, ` +
        `lost ${r.lost} (${r.short} readers short), beyond expected ${r.extra}, sockets closed by the server ${r.closed}`,
    );
    log(
      `  latency (1 reader in 10, stamped by the sender): p50 ${percentile(r.latencies, 50).toFixed(0)} ms, p99 ${percentile(r.latencies, 99).toFixed(0)} ms, ` +
        `max ${percentile(r.latencies, 100).toFixed(0)} ms`,
    );
    log(
      `  server CPU while sending: ${share(cpuRun)} of a core (user ${share(d.server.user)}, kernel ${share(d.server.sys)}; ${(cpuRun / 1000).toFixed(1)} s over ${(wallMs / 1000).toFixed(1)} s), ` +
        `${((cpuRun / Math.max(1, r.delivered)) * 100_000).toFixed(0)} ms per 100k deliveries, ${Math.round(d.deliveriesPerSec).toLocaleString('en')} deliveries/s; ` +
        `readers' CPU ${share(d.readers.user + d.readers.sys)} of a core (user ${share(d.readers.user)}, kernel ${share(d.readers.sys)})`,
    );
  } finally {
    // The readers first: a node draining 100,000 sockets would tell each of them to reconnect.
    await fleet?.stop();
    await lt.stop();
  }
}
