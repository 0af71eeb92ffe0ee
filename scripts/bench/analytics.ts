// npm run bench -- analytics: readers on one node while entries go out, each reader also sending
// its reach beacon (POST /analytics/events) every 15 s, as the widget does; beside it the same run
// with ANALYTICS=off and no beacons at all (a newsroom without analytics: the widget sends none).
// The two modes alternate, each run BENCH_ANALYTICS_RUNS times; prints every run and the medians:
// batches and events ingested per second, the readers' p99 and the server's CPU per 100k deliveries.
//   BENCH_CLIENTS (10000), BENCH_RATE (20/s), BENCH_SECONDS (20), BENCH_BEACON_EVERY_S (15), BENCH_ANALYTICS_RUNS (3)
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { run, table } from './harness';
import type { Load, Result } from './harness';
import { cpuMs } from './harness';
import { startLiveticker } from './servers';

/** Loopback addresses the beacons come from: the server allows 60 batches a minute per address. */
const ADDRESSES = 1000;

async function post(url: string, body: unknown, token: string): Promise<{ id?: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id?: string };
}

/**
 * Every reader's beacon once per `everyS` seconds, spread evenly: a page view for a quarter of them,
 * two entries seen and their seconds in view for all. Each reader keeps its own user agent; the
 * batches come from ADDRESSES loopback addresses over kept-alive connections.
 */
function beacons(url: string, readers: number, everyS: number, entryIds: string[]) {
  const agents = Array.from({ length: ADDRESSES }, (_, i) => new http.Agent({ keepAlive: true, maxSockets: 2, localAddress: `127.0.${2 + Math.floor(i / 250)}.${1 + (i % 250)}` } as http.AgentOptions));
  const { hostname, port } = new URL(url);
  const stats = { sent: 0, accepted: 0, refused: 0, failed: 0, events: 0 };
  let next = 0;
  const started = performance.now();
  const send = (reader: number) => {
    const events: unknown[] = [
      { type: 'entry.view', entryId: entryIds[reader % entryIds.length] },
      { type: 'entry.view', entryId: entryIds[(reader + 1) % entryIds.length] },
      { type: 'entry.time', entryId: entryIds[reader % entryIds.length], seconds: 7 },
      { type: 'entry.time', entryId: entryIds[(reader + 1) % entryIds.length], seconds: 3 },
    ];
    if (reader % 4 === 0) events.push({ type: 'page.view', host: 'search.example' });
    const body = JSON.stringify({ batchId: randomBytes(12).toString('hex'), tickerId: 'bench', events });
    stats.sent++;
    const req = http.request(
      { host: hostname, port, path: '/api/v1/analytics/events', method: 'POST', agent: agents[reader % ADDRESSES], headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'user-agent': `Reader/${reader}`, origin: 'https://news.example' } },
      (res) => {
        res.resume();
        if (res.statusCode === 204) {
          stats.accepted++;
          stats.events += events.length;
        } else stats.refused++;
      },
    );
    req.on('error', () => stats.failed++);
    req.end(body);
  };
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000 / everyS) * readers);
    while (next < due) send(next++ % readers);
  }, 20);
  return {
    stats,
    stop: () => {
      clearInterval(timer);
      for (const a of agents) a.destroy();
      return (performance.now() - started) / 1000;
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One run: a fresh server with ANALYTICS `mode`; with analytics on, every reader's beacon too. */
async function oneRun(load: Load, log: (s: string) => void, mode: 'off' | 'on', round: number, everyS: number): Promise<{ result: Result; line: string; eventsPerS: number }> {
  const lt = await startLiveticker({ ANALYTICS: mode, LOG_LEVEL: 'warn' });
  try {
    await post(`${lt.url}/api/v1/tickers`, { id: 'bench', title: 'Bench', status: 'live' }, lt.opsKey);
    const entryIds: string[] = [];
    for (let i = 0; i < 10; i++) entryIds.push((await post(`${lt.url}/api/v1/tickers/bench/entries`, { title: `seen ${i}`, body: '<p>x</p>' }, lt.opsKey)).id!);
    let sender: ReturnType<typeof beacons> | undefined;
    let cpu0 = 0;
    const result = await run(
      {
        name: `analytics ${mode} #${round}`,
        url: lt.url,
        pid: lt.pid,
        stream: 'ticker:bench',
        stop: lt.stop,
        send: (i) => post(`${lt.url}/api/v1/tickers/bench/entries`, { body: `<p>bench-${i}- ${'x'.repeat(200)}</p>` }, lt.opsKey).then(() => undefined),
        onLoaded: () => {
          cpu0 = cpuMs(lt.pid);
          // Off: the widget learns that from the ticker it loads and sends nothing.
          if (mode === 'on') sender = beacons(lt.url, load.clients, everyS, entryIds);
        },
      },
      load,
      log,
    );
    const seconds = sender?.stop() ?? 1;
    const cpu = cpuMs(lt.pid) - cpu0;
    const s = sender?.stats;
    const line = s
      ? `analytics on #${round}: ${s.sent} batches sent in ${seconds.toFixed(1)} s (${(s.sent / seconds).toFixed(0)}/s): ${s.accepted} answered 204 (${(s.events / seconds).toFixed(0)} events/s counted), ${s.refused} refused, ${s.failed} failed; server CPU over the run ${(cpu / 1000).toFixed(1)} s; readers' p99 ${result.p99.toFixed(0)} ms, CPU ${result.cpuMsPer100k.toFixed(0)} ms/100k`
      : `analytics off #${round}: no beacons; server CPU over the run ${(cpu / 1000).toFixed(1)} s; readers' p99 ${result.p99.toFixed(0)} ms, CPU ${result.cpuMsPer100k.toFixed(0)} ms/100k`;
    log(line);
    return { result, line, eventsPerS: s ? s.events / seconds : 0 };
  } finally {
    await lt.stop();
  }
}

export async function analyticsScenario(load: Load, log: (s: string) => void): Promise<void> {
  const everyS = Number(process.env.BENCH_BEACON_EVERY_S ?? 15);
  const runs = Math.max(1, Number(process.env.BENCH_ANALYTICS_RUNS ?? 3));
  log(`\n== analytics: ${load.clients} readers, ${load.rate} entries/s for ${load.seconds} s, a beacon per reader every ${everyS} s (off: none); ${runs} runs of each, alternating ==`);
  const by: Record<'off' | 'on', Array<{ result: Result; eventsPerS: number }>> = { off: [], on: [] };
  const lines: string[] = [];
  for (let round = 1; round <= runs; round++) {
    for (const mode of ['off', 'on'] as const) {
      const r = await oneRun(load, log, mode, round, everyS);
      by[mode].push(r);
      lines.push(r.line);
    }
  }
  log(table([...by.off, ...by.on].map((r) => r.result)));
  for (const l of lines) log(l);
  const p99 = { off: median(by.off.map((r) => r.result.p99)), on: median(by.on.map((r) => r.result.p99)) };
  const cpu = { off: median(by.off.map((r) => r.result.cpuMsPer100k)), on: median(by.on.map((r) => r.result.cpuMsPer100k)) };
  log(
    `medians of ${runs}: events counted ${median(by.on.map((r) => r.eventsPerS)).toFixed(0)}/s; readers' p99 on ${p99.on.toFixed(0)} ms / off ${p99.off.toFixed(0)} ms (${(p99.on / p99.off).toFixed(2)}x; runs on ${by.on.map((r) => r.result.p99.toFixed(0)).join(', ')}, off ${by.off.map((r) => r.result.p99.toFixed(0)).join(', ')}); ` +
      `server CPU per 100k deliveries on ${cpu.on.toFixed(0)} / off ${cpu.off.toFixed(0)} ms (${(cpu.on / cpu.off).toFixed(2)}x: analytics about ${Math.max(0, 100 * (1 - cpu.off / cpu.on)).toFixed(0)} % of the server's CPU)`,
  );
}
