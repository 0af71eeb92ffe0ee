// npm run bench -- analytics: readers on one node while entries go out, each reader also sending
// its reach beacon (POST /analytics/events) every 15 s, as the widget does; the same run with
// ANALYTICS=off beside it. Prints the batches and events ingested per second and what they cost:
// the readers' p99 and the server's CPU per 100k deliveries in both runs.
//   BENCH_CLIENTS (10000), BENCH_RATE (20/s), BENCH_SECONDS (20), BENCH_BEACON_EVERY_S (15)
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

export async function analyticsScenario(load: Load, log: (s: string) => void): Promise<void> {
  const everyS = Number(process.env.BENCH_BEACON_EVERY_S ?? 15);
  log(`\n== analytics: ${load.clients} readers, ${load.rate} entries/s for ${load.seconds} s, a beacon per reader every ${everyS} s ==`);
  const results: Result[] = [];
  const lines: string[] = [];
  for (const mode of ['off', 'on'] as const) {
    const lt = await startLiveticker({ ANALYTICS: mode, LOG_LEVEL: 'warn' });
    try {
      await post(`${lt.url}/api/v1/tickers`, { id: 'bench', title: 'Bench', status: 'live' }, lt.opsKey);
      const entryIds: string[] = [];
      for (let i = 0; i < 10; i++) entryIds.push((await post(`${lt.url}/api/v1/tickers/bench/entries`, { title: `seen ${i}`, body: '<p>x</p>' }, lt.opsKey)).id!);
      let sender: ReturnType<typeof beacons> | undefined;
      let cpu0 = 0;
      const result = await run(
        {
          name: `liveticker, analytics ${mode}`,
          url: lt.url,
          pid: lt.pid,
          stream: 'ticker:bench',
          stop: lt.stop,
          send: (i) => post(`${lt.url}/api/v1/tickers/bench/entries`, { body: `<p>bench-${i}- ${'x'.repeat(200)}</p>` }, lt.opsKey).then(() => undefined),
          onLoaded: () => {
            cpu0 = cpuMs(lt.pid);
            sender = beacons(lt.url, load.clients, everyS, entryIds);
          },
        },
        load,
        log,
      );
      const seconds = sender?.stop() ?? 1;
      const cpu = cpuMs(lt.pid) - cpu0;
      results.push(result);
      const s = sender?.stats;
      if (s) {
        lines.push(
          `analytics ${mode}: ${s.sent} batches sent in ${seconds.toFixed(1)} s (${(s.sent / seconds).toFixed(0)}/s): ${s.accepted} answered 204 (${mode === 'on' ? `${(s.events / seconds).toFixed(0)} events/s counted` : 'nothing counted'}), ${s.refused} refused, ${s.failed} failed; server CPU over the run ${(cpu / 1000).toFixed(1)} s`,
        );
      }
    } finally {
      await lt.stop();
    }
  }
  log(table(results));
  for (const l of lines) log(l);
  const [off, on] = results;
  if (off && on) {
    log(
      `analytics on / off: readers' p99 ${(on.p99 / off.p99).toFixed(2)}x (${on.p99.toFixed(0)} / ${off.p99.toFixed(0)} ms), server CPU per 100k deliveries ${(on.cpuMsPer100k / off.cpuMsPer100k).toFixed(2)}x (analytics' share of the server's CPU about ${Math.max(0, 100 * (1 - off.cpuMsPer100k / on.cpuMsPer100k)).toFixed(0)} %)`,
    );
  }
}
