// npm run bench [ticker|chat|nginx|workers|abuse|reconnect|connect|bus|memory|connections|push|analytics|poll]: the real server (Redis bus, SQLite) beside a bare Socket.IO
// broadcast server, same readers, same traffic, same run. Loopback only; every loop is bounded.
//   ticker: BENCH_CLIENTS (10000) readers, BENCH_RATE (20/s) entries over REST
//   chat:   BENCH_CHAT_CLIENTS (5000) readers, BENCH_CHAT_POSTERS (50) users, BENCH_CHAT_RATE (200/s)
//   workers: BENCH_WORKERS_CLIENTS (10000) readers on the last core; bare, WORKERS=1 and WORKERS=2 pinned (BENCH_WORKERS_REDIS=1: on Redis)
//   abuse:  BENCH_ABUSE_CLIENTS (5000) readers, an address each, without and with three attackers
//   bus:    a 3-master Redis Cluster and one Redis of its own; BENCH_BUS_STREAMS (1000), BENCH_BUS_BYTES (1000),
//           BENCH_BUS_RATE (2000/s, then flat out with BENCH_BUS_WINDOW 256 in flight), BENCH_BUS_SUBSCRIBERS (1)
//   connect: BENCH_CONNECT_CLIENTS (10000) readers connect, leave and connect again BENCH_CONNECT_ROUNDS (3) times: a started
//           server's handshakes against warm ones, bare and liveticker
//   connections (or 100k; not in all): BENCH_CONNECTIONS (100000) readers on one node, BENCH_RATE (1/s), BENCH_SECONDS (30),
//           BENCH_DRAIN_MS (3000: how often the paused readers are drained)
//   memory: BENCH_MEMORY_CLIENTS (10000) readers: RSS before, 1 s after and BENCH_MEMORY_SETTLE_S (30) s after
//   push (not in all): BENCH_PUSH_FOLLOWS (100000) Web Push follows of one ticker, one key event, to a local push service
//   analytics: BENCH_CLIENTS readers at BENCH_RATE entries/s for BENCH_SECONDS (20), each with a reach beacon every
//           BENCH_BEACON_EVERY_S (15) s; ANALYTICS=on beside off with no beacons, alternating, BENCH_ANALYTICS_RUNS (3) of each, medians
//   poll:   BENCH_POLL_CLIENTS (10000) readers of one poll, BENCH_POLL_VOTES (2000/s) anonymous votes for BENCH_POLL_SECONDS (20)
//   all:    BENCH_SECONDS (10), REDIS_URL (redis://127.0.0.1:6379)
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { rssKb, run, table } from './bench/harness';
import { freePort, pinned, startBare, startLiveticker } from './bench/servers';
import type { Liveticker } from './bench/servers';
import { startNginx } from './bench/nginx';
import { LiteClient } from './bench/lite-client';
import { reconnectScenario } from './bench/reconnect';
import { connectionsScenario } from './bench/connections';
import { connectScenario } from './bench/connect';
import { busScenario } from './bench/bus';
import { workersScenario } from './bench/workers';
import { memoryScenario, memoryTable } from './bench/memory';
import { pushScenario } from './bench/push';
import { analyticsScenario } from './bench/analytics';
import { pollScenario } from './bench/poll';
import type { Load, Result, Target } from './bench/harness';

// `node --import tsx` (not the tsx wrapper) so the pid we measure is the process itself.
const NODE_TS = ['--import', 'tsx'];
const num = (name: string, dflt: number) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const log = (s: string) => process.stdout.write(`${s}\n`);

/** BENCH_TRACE=1: how long each phase of the slowest editor POSTs took (found the stall's place). */
export const postPhases: Array<{ url: string; ms: number; phases: Record<string, number> }> = [];

async function post(url: string, body: unknown, token?: string): Promise<void> {
  if (process.env.BENCH_TRACE === '1' && url.includes('/entries')) return tracedPost(url, body, token);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** The same POST over node:http, with the time each phase of it took. */
function tracedPost(url: string, body: unknown, token?: string): Promise<void> {
  const data = JSON.stringify(body);
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const mark = (name: string) => (phases[name] = Math.round(performance.now() - t0));
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: tracedAgent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    req.on('socket', (sock) => {
      mark('socket');
      if (sock.connecting) sock.once('connect', () => mark('connect'));
      else phases.reused = 1;
    });
    req.on('finish', () => mark('written'));
    req.on('response', (res) => {
      mark('headers');
      res.resume();
      res.on('end', () => {
        mark('end');
        postPhases.push({ url, ms: performance.now() - t0, phases });
        (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`${res.statusCode}`));
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
const tracedAgent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, maxSockets: 8 });

const entryBody = (i: number) => ({ kind: 'text', body: `<p>Update bench-${i}- from the newsroom: the count goes on.</p>` });

/** The ticker load against the bare Socket.IO server: the same entry JSON, broadcast as is. */
async function bareTickerRun(load: Load, name: string): Promise<Result> {
  const bare = await startBare();
  try {
    return await run(
      {
        ...bare,
        name,
        send: (i) => post(`${bare.url}/publish/${encodeURIComponent(bare.stream)}`, { stream: bare.stream, changes: [{ rev: i + 1, type: 'entry.created', data: { id: String(i), ...entryBody(i) } }] }),
      },
      load,
      log,
    );
  } finally {
    await bare.stop();
  }
}

async function tickerScenario(load: Load): Promise<Result[]> {
  log(`\n== ticker: ${load.clients} readers, ${load.rate} entries/s for ${load.seconds} s ==`);
  const results: Result[] = [];

  const runBare = async () => {
    results.push(await bareTickerRun(load, 'bare Socket.IO'));
  };
  const runLiveticker = async () => {
    const lt = await startLiveticker();
    try {
      await post(`${lt.url}/api/v1/tickers`, { id: 'bench', title: 'Bench', status: 'live' }, lt.opsKey);
      results.push(
        await run(
          { name: 'liveticker (redis bus, sqlite)', url: lt.url, pid: lt.pid, stream: 'ticker:bench', stop: lt.stop, send: (i) => post(`${lt.url}/api/v1/tickers/bench/entries`, entryBody(i), lt.opsKey) },
          load,
          log,
        ),
      );
    } finally {
      await lt.stop();
    }
  };
  // BENCH_BASELINE_LAST=1 swaps the order, to check that warm-up does not favour either side;
  // BENCH_SKIP_BASELINE=1 runs only the real server (for tuning, not for quoting).
  if (process.env.BENCH_SKIP_BASELINE === '1') {
    await runLiveticker();
    return results;
  }
  if (process.env.BENCH_BASELINE_LAST === '1') {
    await runLiveticker();
    await runBare();
    results.reverse();
  } else {
    await runBare();
    await runLiveticker();
  }
  return results;
}

/** Connected posting sockets; `send(i)` sends message i from poster i mod n and waits for the ack. */
async function posters(url: string, tokens: Array<string | undefined>, tickerId: string) {
  const sockets = await Promise.all(
    tokens.map(async (token) => {
      const c = new LiteClient(() => undefined);
      await c.connect(url, token ? { token } : undefined);
      return c;
    }),
  );
  return {
    async send(i: number): Promise<void> {
      const ack = (await sockets[i % sockets.length].emitWithAck('chat:send', {
        tickerId,
        body: `Message bench-${i}- from the readers: what a night!`,
        clientId: `c${i}x${randomBytes(4).toString('hex')}`,
      })) as { ok: boolean; error?: unknown };
      if (!ack.ok) throw new Error(`chat:send refused: ${JSON.stringify(ack.error)}`);
    },
    close: () => sockets.forEach((s) => s.close()),
  };
}

async function chatScenario(load: Load, nPosters: number): Promise<Result[]> {
  log(`\n== chat: ${load.clients} readers in one room, ${nPosters} posting users, ${load.rate} messages/s for ${load.seconds} s ==`);
  const results: Result[] = [];

  const bare = await startBare();
  const barePosters = await posters(bare.url, Array.from({ length: nPosters }, () => undefined), 'bench');
  try {
    results.push(await run({ ...bare, name: 'bare Socket.IO', stream: 'chat:bench', send: (i) => barePosters.send(i) }, load, log));
  } finally {
    barePosters.close();
    await bare.stop();
  }

  const lt = await startLiveticker({ SCRYPT_LOG_N: '10' });
  try {
    const api = `${lt.url}/api/v1`;
    await post(`${api}/tickers`, { id: 'bench', title: 'Bench chat', status: 'live' }, lt.opsKey);
    // The room allows this traffic: 4 messages/s per user is far above the defaults.
    const res = await fetch(`${api}/tickers/bench/chat-settings`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${lt.opsKey}` },
      body: JSON.stringify({ rateLimit: { burst: 1000, perMinute: 6000 }, duplicateWindowSeconds: 0 }),
    });
    if (!res.ok) throw new Error(`chat settings: ${res.status} ${await res.text()}`);
    const tokens: string[] = [];
    for (let u = 0; u < nPosters; u++) {
      const email = `poster${u}@bench.example`;
      await post(`${api}/users`, { email, password: 'bench password', displayName: `Poster ${u}` }, lt.opsKey);
      const login = await fetch(`${api}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'bench password' }) });
      tokens.push(((await login.json()) as { token: string }).token);
    }
    const ltPosters = await posters(lt.url, tokens, 'bench');
    try {
      results.push(await run({ name: 'liveticker (redis bus, sqlite)', url: lt.url, pid: lt.pid, stream: 'chat:bench', stop: lt.stop, send: (i) => ltPosters.send(i) }, load, log));
    } finally {
      ltPosters.close();
    }
  } finally {
    await lt.stop();
  }
  return results;
}

/** Reader `i`'s own address (behind TRUST_PROXY=1), so per-address limits see 5,000 people. */
const readerAddress = (i: number) => ({ 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}` });

/** Starts one attacker process (scripts/bench/attacker.ts); resolves with its JSON report. */
function attacker(mode: string, url: string, address: string, seconds: number, localAddress: string): Promise<Record<string, number | string>> {
  // On the load generator's core, at a lower priority than the readers: the attack is measured
  // by what it costs the server, not by the CPU its own loops take from the readers' process.
  const [cmd, ...args] = pinned('1', ['nice', '-n', '19', process.execPath, ...NODE_TS, path.join(__dirname, 'bench/attacker.ts'), mode, url, address, String(seconds), localAddress]);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => proc.once('exit', () => resolve(out.trim() ? JSON.parse(out.trim().split('\n').pop()!) : { mode, error: 'no report' })));
}

/**
 * Honest readers follow a ticker with and without three attackers: one address opening sockets
 * as fast as it can, one flooding `since=0` catch-ups, one sending 2 MB frames. The attack must
 * not cost the readers more than 2x p99 or any delivery.
 */
async function abuseScenario(load: Load): Promise<void> {
  log(`\n== abuse: ${load.clients} readers (an address each), ${load.rate} entries/s for ${load.seconds} s, without and with the attackers ==`);
  // The server on core 0, the readers and the attackers on core 1 (when there are two).
  const lt = await startLiveticker({ TRUST_PROXY: '1', MAX_SOCKETS_PER_IP: '100', READ_RATE_LIMIT: '1200' }, '0');
  if (os.cpus().length >= 2) {
    try {
      execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
    } catch {
      // no taskset: everything shares the cores
    }
  }
  const results: Result[] = [];
  let reports: Array<Record<string, number | string>> = [];
  let floodLine = '';
  try {
    await post(`${lt.url}/api/v1/tickers`, { id: 'bench', title: 'Bench', status: 'live' }, lt.opsKey);
    // A history worth stealing: 300 entries of 15 KB (4.5 MB since 0).
    for (let i = 0; i < 300; i++) await post(`${lt.url}/api/v1/tickers/bench/entries`, { body: `<p>history ${i} ${'h'.repeat(15_000)}</p>` }, lt.opsKey);
    const target = (name: string, onLoaded?: () => void): Target => ({
      name,
      url: lt.url,
      pid: lt.pid,
      stream: 'ticker:bench',
      stop: async () => undefined,
      headers: readerAddress,
      onLoaded,
      send: (i) => post(`${lt.url}/api/v1/tickers/bench/entries`, entryBody(i), lt.opsKey),
    });
    // Calm and attacked runs alternate BENCH_ABUSE_ROUNDS times (3): one core serving 100k
    // deliveries/s is saturated, and a single run's p99 swings by a factor of several either way
    // (a calm run's first sends can stall as long as an attacked one's), so medians are compared.
    const rounds = num('BENCH_ABUSE_ROUNDS', 3);
    for (let round = 1; round <= rounds; round++) {
      results.push(await run(target(`no attack #${round}`), load, log));
      let attack: Promise<typeof reports> | undefined;
      const during = load.seconds + 5;
      results.push(
        await run(
          target(`under attack #${round}`, () => {
            // BENCH_ATTACKS=sockets,catchup,frames,beacons (all by default) picks the attackers.
            const modes = (process.env.BENCH_ATTACKS ?? 'sockets,catchup,frames,beacons').split(',');
            attack = Promise.all(modes.map((m, i) => attacker(m, lt.url, `198.51.100.${i + 1}`, during, `127.0.0.${i + 2}`)));
          }),
          load,
          log,
        ),
      );
      reports.push(...((await attack) ?? []));
    }
    if (process.env.BENCH_TRACE === '1') {
      const slow = [...postPhases].sort((a, b) => b.ms - a.ms).slice(0, 5);
      log(`  slowest editor POSTs (ms from the call): ${slow.map((p) => `${p.ms.toFixed(0)} ${JSON.stringify(p.phases)}`).join('; ')}`);
    }
    if (process.env.BENCH_TRACE === '1') {
      const metrics = await (await fetch(`${lt.url}/metrics`)).text();
      log(
        metrics
          .split('\n')
          .filter((l) => /^nodejs_(gc_duration_seconds_(sum|count)|eventloop_lag_max_seconds)|^liveticker_http_first_request_wait_seconds_bucket\{le="(0\.1|0\.5|1|2\.5|\+Inf)"|^liveticker_http_request_seconds_bucket\{le="(0\.25|0\.5|1|2\.5|\+Inf)",method="POST",route="\/api\/v1\/tickers\/:id\/entries"/.test(l))
          .map((l) => `  ${l}`)
          .join('\n'),
      );
    }
    // The beacon flood moved the reach by what was let in (60 batches a minute per address), no more.
    const floods = reports.filter((r) => r.mode === 'beacons');
    if (floods.length) {
      await new Promise((r) => setTimeout(r, 1000)); // the ingest's last flush (250 ms)
      const report = (await (await fetch(`${lt.url}/api/v1/tickers/bench/analytics?bucket=day`, { headers: { authorization: `Bearer ${lt.opsKey}` } })).json()) as {
        sources: Array<{ host: string; pageViews: number }>;
      };
      const counted = report.sources.find((s) => s.host === 'flood.example')?.pageViews ?? 0;
      const sent = floods.reduce((n, r) => n + Object.entries(r).reduce((m, [k, v]) => m + (k.startsWith('http_') ? Number(v) : 0), 0), 0);
      const accepted = floods.reduce((n, r) => n + Number(r.http_204 ?? 0), 0);
      const perBatch = Number(floods[0]!.eventsPerBatch);
      // A batch counts one page view however many it repeats (the rest are dropped).
      const countedPerBatch = Number(floods[0]!.countedPerBatch ?? perBatch);
      floodLine =
        `analytics flood: ${sent} batches of ${perBatch} page views sent from one address over ${floods.length} attacks, ${accepted} let in (429 for the rest), ` +
        `${counted} page views counted (${counted === accepted * countedPerBatch ? 'exactly' : 'NOT'} the accepted batches' ${countedPerBatch} each)`;
    }
    const health = await fetch(`${lt.url}/healthz`).then((r) => r.status);
    log(`  after the attack: /healthz ${health}, server RSS ${(rssKb(lt.pid) / 1024).toFixed(0)} MB`);
  } finally {
    await lt.stop();
  }
  log(`\n${table(results)}`);
  for (const r of reports) log(`  attacker ${JSON.stringify(r)}`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const calm = results.filter((r) => r.name.startsWith('no attack'));
  const attacked = results.filter((r) => r.name.startsWith('under attack'));
  const [p99Calm, p99Attacked] = [median(calm.map((r) => r.p99)), median(attacked.map((r) => r.p99))];
  const sum = (rs: Result[], k: 'delivered' | 'expected') => rs.reduce((n, r) => n + r[k], 0);
  log(
    `abuse: median p99 of ${calm.length} runs ${p99Calm.toFixed(0)} → ${p99Attacked.toFixed(0)} ms (x${(p99Attacked / p99Calm).toFixed(2)}, target ≤ 2), ` +
      `delivered ${sum(calm, 'delivered')}/${sum(calm, 'expected')} → ${sum(attacked, 'delivered')}/${sum(attacked, 'expected')} (target: all)`,
  );
  if (floodLine) log(floodLine);
}

/**
 * Two nodes on one Redis and one PostgreSQL behind Debian's nginx with deploy/nginx.conf, beside
 * the bare Socket.IO baseline: the deployment the README describes, on one machine.
 */
async function nginxScenario(load: Load): Promise<Result[]> {
  log(`\n== two nodes behind nginx: ${load.clients} readers, ${load.rate} entries/s for ${load.seconds} s ==`);
  const results: Result[] = [];
  results.push(await bareTickerRun(load, 'bare Socket.IO (one process)'));
  const pgAdmin = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dbName = `lt_bench_${randomBytes(4).toString('hex')}`;
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: pgAdmin });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = Object.assign(new URL(pgAdmin), { pathname: `/${dbName}` }).toString();
  const shared = { DATABASE_URL: dbUrl, REDIS_PREFIX: `lt-bench-${randomBytes(3).toString('hex')}:`, ADMIN_API_KEY: randomBytes(18).toString('base64url'), TRUST_PROXY: '1' };
  const nodes: Liveticker[] = [];
  let proxy: Awaited<ReturnType<typeof startNginx>> | undefined;
  try {
    nodes.push(await startLiveticker(shared));
    nodes.push(await startLiveticker(shared));
    const port = await freePort();
    // Two nginx workers: each WebSocket holds two descriptors, and one worker may not have 20,000 here.
    proxy = await startNginx(port, nodes.map((n) => n.url.replace('http://', '')), 2);
    const url = `http://127.0.0.1:${port}`;
    await post(`${url}/api/v1/tickers`, { id: 'bench', title: 'Bench', status: 'live' }, shared.ADMIN_API_KEY);
    results.push(
      await run(
        { name: 'liveticker, 2 nodes behind nginx', url, pid: nodes[0].pid, stream: 'ticker:bench', stop: async () => undefined, send: (i) => post(`${url}/api/v1/tickers/bench/entries`, entryBody(i), shared.ADMIN_API_KEY) },
        load,
        log,
      ),
    );
    const sockets = await Promise.all(nodes.map(async (n) => Number(/^liveticker_sockets (\d+)/m.exec(await (await fetch(`${n.url}/metrics`)).text())?.[1] ?? 0)));
    log(`  sockets per node at the end: ${sockets.join(' + ')}`);
  } finally {
    await proxy?.stop();
    for (const n of nodes) await n.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`).catch(() => undefined);
    await admin.end();
  }
  return results;
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'all';
  log(`liveticker bench on ${os.cpus().length} cores, node ${process.version}`);
  if (which === 'all' || which === 'ticker') {
    const results = await tickerScenario({
      clients: num('BENCH_CLIENTS', 10_000),
      rate: num('BENCH_RATE', 20),
      seconds: num('BENCH_SECONDS', 10),
      drainMs: 20_000,
    });
    log(`\n${table(results)}`);
    const [bare, lt] = results.length === 2 ? results : [undefined, results[0]];
    if (bare) log(`p99 ratio liveticker/bare: ${(lt.p99 / bare.p99).toFixed(2)} (target ≤ 1.5)`);
    log(`ticker: delivered ${((100 * lt.delivered) / lt.expected).toFixed(2)}% (target 100%)`);
  }
  if (which === 'all' || which === 'chat') {
    const results = await chatScenario(
      {
        clients: num('BENCH_CHAT_CLIENTS', 5_000),
        rate: num('BENCH_CHAT_RATE', 200),
        seconds: num('BENCH_SECONDS', 10),
        drainMs: 20_000,
      },
      num('BENCH_CHAT_POSTERS', 50),
    );
    log(`\n${table(results)}`);
    const lt = results[results.length - 1];
    log(`chat: delivered ${((100 * lt.delivered) / lt.expected).toFixed(2)}% (target 100%), p99 ${lt.p99.toFixed(0)} ms (target < 1000 ms)`);
  }
  if (which === 'all' || which === 'nginx') {
    const results = await nginxScenario({ clients: num('BENCH_CLIENTS', 10_000), rate: num('BENCH_RATE', 20), seconds: num('BENCH_SECONDS', 10), drainMs: 20_000 });
    log(`\n${table(results)}`);
  }
  if (which === 'all' || which === 'workers') {
    await workersScenario({ readers: num('BENCH_WORKERS_CLIENTS', 10_000), rate: num('BENCH_RATE', 20), seconds: num('BENCH_SECONDS', 10) }, log);
  }
  if (which === 'all' || which === 'abuse') {
    await abuseScenario({ clients: num('BENCH_ABUSE_CLIENTS', 5_000), rate: num('BENCH_RATE', 20), seconds: num('BENCH_SECONDS', 10), drainMs: 20_000 });
  }
  if (which === 'all' || which === 'reconnect') {
    // No bare baseline here: a bare Socket.IO server has no positions to resume from.
    await reconnectScenario({ clients: num('BENCH_RECONNECT_CLIENTS', 10_000), rate: num('BENCH_RATE', 20) }, log);
  }
  if (which === 'all' || which === 'bus') {
    await busScenario(
      {
        streams: num('BENCH_BUS_STREAMS', 1000),
        envelopeBytes: num('BENCH_BUS_BYTES', 1000),
        rate: num('BENCH_BUS_RATE', 2000),
        window: num('BENCH_BUS_WINDOW', 256),
        seconds: num('BENCH_SECONDS', 10),
        subscribers: num('BENCH_BUS_SUBSCRIBERS', 1),
      },
      log,
    );
  }
  if (which === 'all' || which === 'connect') {
    await connectScenario({ readers: num('BENCH_CONNECT_CLIENTS', 10_000), rounds: num('BENCH_CONNECT_ROUNDS', 3) }, log);
  }
  // Not part of `all`: 100,000 sockets take minutes to open and most of the machine.
  if (which === 'connections' || which === '100k') {
    await connectionsScenario({ connections: num('BENCH_CONNECTIONS', 100_000), rate: num('BENCH_RATE', 1), seconds: num('BENCH_SECONDS', 30), drainMs: process.env.BENCH_DRAIN_MS === '0' ? 0 : num('BENCH_DRAIN_MS', 3000) }, log);
  }
  if (which === 'all' || which === 'analytics') {
    await analyticsScenario({ clients: num('BENCH_CLIENTS', 10_000), rate: num('BENCH_RATE', 20), seconds: num('BENCH_SECONDS', 20), drainMs: 20_000 }, log);
  }
  if (which === 'all' || which === 'poll') {
    await pollScenario({ clients: num('BENCH_POLL_CLIENTS', 10_000), votesPerSecond: num('BENCH_POLL_VOTES', 2000), seconds: num('BENCH_POLL_SECONDS', 20) }, log);
  }
  // Not part of `all`: 100,000 follows take a minute or more of the whole machine.
  if (which === 'push') {
    await pushScenario({ follows: num('BENCH_PUSH_FOLLOWS', 100_000) }, log);
  }
  if (which === 'all' || which === 'memory') {
    const load = { clients: num('BENCH_MEMORY_CLIENTS', 10_000), idleS: num('BENCH_MEMORY_IDLE_S', 5), settleS: num('BENCH_MEMORY_SETTLE_S', 30) };
    log(`\n${memoryTable(await memoryScenario(load, log), load.settleS)}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
