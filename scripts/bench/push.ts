// npm run bench -- push: BENCH_PUSH_FOLLOWS (100,000) devices follow one ticker on one node (this
// machine, SQLite, the Redis bus); one key event is published, and the node's deliverer sends it
// to every follow (encrypted and signed per follow, claimed in the database) to a local HTTPS
// push service (push-receiver.ts). Prints the time from the entry's publication to each push's
// arrival (p50, p99, the last), pushes per second, the server's CPU and RSS, and the receiver's
// count beside the follows: every follow exactly once.
//
// The follows are written straight into the database (one made through the API first, so the
// ticker's push stream starts as it does in production): 100,000 POSTs would measure the follow
// route, its per-address limit and its address checks, not the pushes.
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { cpuMs, percentile, rssKb } from './harness';
import { startLiveticker } from './servers';
import { BenchPushReceiver } from './push-receiver';

/** No new push for this long: the run has stalled, ms. */
const STALL_MS = 60_000;
/** After the last expected push, how long repeats are still looked for, ms. */
const LINGER_MS = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api<T>(url: string, method: string, body: unknown, token: string): Promise<T> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Follows 1…n-1 of `ticker` in one transaction, as the follow route writes them (a quarter of them key events only). */
function insertFollows(file: string, ticker: string, receiver: BenchPushReceiver, n: number): void {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 30000');
    const { rev } = db.prepare('select rev from streams where name = ?').get(`ticker:${ticker}`) as { rev: number };
    const now = new Date().toISOString();
    const insert = db.prepare(
      `insert into push_follows (id, ticker_id, endpoint, p256dh, auth, expires_at, topics, lang, secret_hash, user_id, created_at, updated_at,
         pushed_rev, last_pushed_at, pending, failing_since, attempts, next_attempt_at, lease_owner, lease_until, manual_seq)
       values (?, ?, ?, ?, ?, null, ?, null, ?, null, ?, ?, ?, null, 0, null, 0, null, null, null, 0)`,
    );
    const secretHash = createHash('sha256').update(randomBytes(24)).digest('hex');
    db.transaction(() => {
      for (let i = 1; i < n; i++) {
        const sub = receiver.subscription(i);
        insert.run(`bench-${i}`, ticker, sub.endpoint, sub.keys.p256dh, sub.keys.auth, i % 4 === 3 ? 'key-events' : 'all', secretHash, now, now, rev);
      }
    })();
  } finally {
    db.close();
  }
}

export async function pushScenario(opts: { follows: number }, log: (s: string) => void): Promise<void> {
  const n = opts.follows;
  log(`\n== Web Push: ${n.toLocaleString('en')} follows of one ticker, one key event ==`);
  log(`  load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
  const receiver = await new BenchPushReceiver(n, Math.max(1, Math.floor(n / 500))).start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-pushdb-'));
  const file = path.join(dir, 'push.sqlite');
  const lt = await startLiveticker({ DATABASE_URL: file, PUSH_ALLOW_PRIVATE: 'true', PUSH_CA_FILE: receiver.caFile, PUSH_MAX_FOLLOWS_PER_TICKER: String(Math.max(n, 200_000)) });
  try {
    const ticker = 'push-bench';
    await api(`${lt.url}/api/v1/tickers`, 'POST', { id: ticker, title: 'Push bench', status: 'live', locale: 'en' }, lt.opsKey);
    // The first follow through the API (it starts the ticker's push stream), the rest in bulk.
    await api(`${lt.url}/api/v1/tickers/${ticker}/followers`, 'POST', { subscription: receiver.subscription(0), topics: 'all' }, lt.opsKey);
    const t0 = Date.now();
    insertFollows(file, ticker, receiver, n);
    log(`  ${n.toLocaleString('en')} follows written in ${((Date.now() - t0) / 1000).toFixed(1)} s; a pool of 16 device keys, every ${Math.max(1, Math.floor(n / 500))}th push decrypted and its VAPID JWT checked`);
    await sleep(3000);
    const rssIdle = rssKb(lt.pid);
    const cpu0 = cpuMs(lt.pid);
    const own0 = process.cpuUsage();
    let rssPeak = rssIdle;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKb(lt.pid))), 250);

    const entry = await api<{ id: string; rev: number; publishedAt: string }>(`${lt.url}/api/v1/tickers/${ticker}/entries`, 'POST', { kind: 'key-event', title: 'Bench moment', body: '<p>The moment every follower hears of.</p>' }, lt.opsKey);
    const published = Date.parse(entry.publishedAt);
    let last = { count: 0, at: Date.now() };
    let shown = Date.now();
    while (receiver.reached() < n) {
      await sleep(200);
      const count = receiver.received;
      if (count !== last.count) last = { count, at: Date.now() };
      if (Date.now() - last.at > STALL_MS) break;
      if (Date.now() - shown >= 5000) {
        shown = Date.now();
        log(`  … ${count.toLocaleString('en')} pushes after ${((Date.now() - published) / 1000).toFixed(1)} s`);
      }
    }
    const cpuDone = cpuMs(lt.pid) - cpu0;
    const own = process.cpuUsage(own0);
    await sleep(LINGER_MS);
    clearInterval(sampler);

    const times = Float64Array.from([...receiver.arrivals].filter((a) => !Number.isNaN(a)).map((a) => a - published)).sort();
    const reached = times.length;
    const first = times[0] ?? NaN;
    const lastAt = times[reached - 1] ?? NaN;
    const metrics = await (await fetch(`${lt.url}/metrics`)).text().catch(() => '');
    const sent = Number(/^liveticker_pushes_sent_total (\d+)/m.exec(metrics)?.[1] ?? NaN);
    const db = new Database(file, { readonly: true });
    const behind = (db.prepare('select count(*) as n from push_follows where ticker_id = ? and (pushed_rev < ? or lease_owner is not null)').get(ticker, entry.rev) as { n: number }).n;
    db.close();

    log(`  publish → arrival: first ${first.toFixed(0)} ms, p50 ${percentile(times, 50).toFixed(0)} ms, p99 ${percentile(times, 99).toFixed(0)} ms, last ${lastAt.toFixed(0)} ms`);
    log(`  pushes/s: ${((reached / lastAt) * 1000).toFixed(0)} from publication to the last push (${((reached / (lastAt - first)) * 1000).toFixed(0)} between the first and the last)`);
    log(`  server CPU ${(cpuDone / 1000).toFixed(1)} s (${(cpuDone / Math.max(1, reached)).toFixed(2)} ms a push, ${((100 * cpuDone) / lastAt).toFixed(0)}% of a core); RSS ${(rssIdle / 1024).toFixed(0)} MB idle → ${(rssPeak / 1024).toFixed(0)} MB peak`);
    log(`  the receiver (this process) used ${((own.user + own.system) / 1e6).toFixed(1)} s of CPU`);
    log(
      `  receiver: ${reached.toLocaleString('en')}/${n.toLocaleString('en')} follows reached, ${receiver.received.toLocaleString('en')} pushes, ${receiver.duplicates} repeated, ${receiver.strangers} to no subscription, over ${receiver.connections} TLS connections; ` +
        `the server counted ${Number.isNaN(sent) ? '?' : sent.toLocaleString('en')} sent; ${behind} follows not settled in the database`,
    );
    const wrongEntry = [...receiver.sampledEntryIds].filter((id) => id !== entry.id);
    log(`  sample: ${receiver.sampled} pushes decrypted and checked, ${receiver.problems.length} problems${receiver.problems.length ? `: ${receiver.problems.slice(0, 5).join('; ')}` : ''}${wrongEntry.length ? `; other entries: ${wrongEntry.join(', ')}` : ''}`);
    log(`  every follow exactly once: ${reached === n && receiver.duplicates === 0 && receiver.strangers === 0 && behind === 0 ? 'yes' : 'NO'}`);
  } finally {
    await lt.stop();
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
