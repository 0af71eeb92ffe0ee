// npm run soak [-- --minutes 5 --seed N --readers 2000 --redis single|cluster --browsers 1 --dev]
//
// A chaos soak (issue 23): three nodes (WORKERS=1, 2, 1) as production runs them, behind Debian's
// nginx, on a PostgreSQL cluster and a Redis of the soak's own; readers (sockets, the SDK, the
// widget in Chromium on a news page), an editor, chatters, voters on polls, Web Push follows and
// a webhook receiver working through the real protocols while a seeded nemesis injects one
// fault every 20–60 s; after a quiet period a checker compares what everyone saw with the
// database. Prints the faults' timeline and the figures; on a failure the seed and what failed.
// Not part of `npm test`. Everything it starts is stopped on any exit (Ctrl-C included).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OwnRedis, OwnRedisCluster } from '../test/helpers/redis';
import { createTestDatabase } from '../test/helpers/db';
import type { TestDatabase } from '../test/helpers/db';
import { OwnPostgres, postgresBin } from './soak/postgres';
import { WebhookReceiver } from '../test/helpers/webhook-receiver';
import { freePort } from './bench/servers';
import { CutProxy } from './soak/proxy';
import { Rng } from './soak/rng';
import { SoakNginx, SoakNode, ensureBuild, killGroups } from './soak/system';
import { Nemesis } from './soak/nemesis';
import type { Targets } from './soak/nemesis';
import { PollingReader, SdkReader, WsReader } from './soak/readers';
import type { Reader } from './soak/readers';
import type { Latency } from './soak/view';
import { Chatter, Editor } from './soak/workload';
import { check } from './soak/checker';
import { ALL_FAULTS, parseArgs } from './soak/options';
import { BrowserReader, NewsSite, SoakBrowser } from './soak/browser';
import type { ShownEntry } from './soak/browser';
import { PushFollows } from './soak/push';
import { Voters } from './soak/voters';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const log = (s: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}\n`);
  const dir = fs.mkdtempSync(`/tmp/soak-${o.seed}-`);
  const pgBin = postgresBin();
  const kinds = (o.faults ?? ALL_FAULTS).filter((k) => !(o.redis === 'cluster' && k === 'cut-redis') && !(k === 'pg-restart' && !pgBin));
  if (!pgBin) log('no PostgreSQL binaries under /usr/lib/postgresql: a database on the shared server, no pg-restart');
  log(`seed ${o.seed}: ${o.minutes} min, ${o.readers} readers (${Math.round(o.polling * 100)} % long-polling), ${o.chatters} chatters, Redis ${o.redis}, ${o.dev ? 'sources (tsx)' : 'the build'}; faults ${kinds.join(', ')}; files in ${dir}`);
  if (!o.dev) ensureBuild(log);
  // The sources need the browser SDK built (the widget's script), as `npm run dev` builds it.
  else execFileSync(process.execPath, ['scripts/build-sdk.mjs'], { stdio: 'ignore', cwd: path.resolve(__dirname, '..') });

  const opsKey = randomBytes(18).toString('base64url');
  const cleanups: Array<() => Promise<unknown>> = [];
  let redis: OwnRedis | undefined;
  let cluster: OwnRedisCluster | undefined;
  let ownPg: OwnPostgres | undefined;
  let push: PushFollows | undefined;
  // Whatever happens, nothing the soak started outlives it.
  const hardStop = () => {
    killGroups();
    ownPg?.killNow();
    // The push service's certificate (its directory; closing it removes it too, unless interrupted).
    if (push?.caFile) fs.rmSync(path.dirname(push.caFile), { recursive: true, force: true });
    for (const pid of [redis?.pid, ...(cluster?.pids ?? [])]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  process.on('exit', hardStop);
  process.once('SIGINT', () => {
    log('interrupted: stopping everything');
    hardStop();
    process.exit(130);
  });

  let failed = true;
  let db: TestDatabase | undefined;
  const readers: Reader[] = [];
  const sdkReaders: SdkReader[] = [];
  const browserReaders: BrowserReader[] = [];
  try {
    // Redis of the soak's own (never the shared one on 6379), PostgreSQL's database of its own.
    if (o.redis === 'cluster') {
      fs.mkdirSync(path.join(dir, 'redis'));
      cluster = await OwnRedisCluster.start(path.join(dir, 'redis'));
      cleanups.push(() => cluster!.stop());
    } else {
      redis = await OwnRedis.start();
      cleanups.push(() => redis!.kill());
    }
    // PostgreSQL of the soak's own (the nemesis restarts it), beside the soak's directory: the
    // postgres user must reach it. The shared server only without Debian's binaries.
    if (pgBin) {
      ownPg = new OwnPostgres(pgBin, `${dir}-pg`, await freePort());
      await ownPg.init();
      const pg = ownPg;
      db = { url: await pg.createDatabase('soak'), drop: () => pg.destroy() };
    } else db = await createTestDatabase('postgres');
    const pgUrl = new URL(db.url);

    const nginxPort = await freePort();
    const publicUrl = `http://127.0.0.1:${nginxPort}`;
    // The news site that embeds the widget (another origin: the nodes allow it by CORS_ORIGINS)
    // and the push service the follows point at (its certificate trusted by PUSH_CA_FILE).
    const site = await new NewsSite(publicUrl).start();
    cleanups.push(() => site.close());
    push = await new PushFollows().start();
    const pushes = push;
    cleanups.push(() => pushes.close());
    const workers = [1, 2, 1];
    const nodes: SoakNode[] = [];
    const pgProxies: CutProxy[] = [];
    const redisProxies: CutProxy[] = [];
    for (let i = 0; i < workers.length; i++) {
      const pg = await new CutProxy(`pg-${i}`, { host: '127.0.0.1', port: Number(pgUrl.port || 5432) }).start();
      pgProxies.push(pg);
      cleanups.push(() => pg.close());
      const nodePg = new URL(db.url);
      nodePg.port = String(pg.port);
      const env: Record<string, string> = {
        NODE_ENV: 'production',
        MAIL_TRANSPORT: 'log',
        DATABASE_URL: nodePg.toString(),
        PUBLIC_URL: publicUrl,
        ADMIN_API_KEY: opsKey,
        CORS_ORIGINS: site.url,
        PUSH_ALLOW_PRIVATE: 'true',
        PUSH_CA_FILE: push.caFile,
        // A push per second at most to a follow of every update: bursts summed up, quickly.
        PUSH_MIN_INTERVAL_S: '1',
        // Every voting device comes from 127.0.0.1 through nginx.
        POLL_VOTES_PER_ADDRESS: '1000000',
        TRUST_PROXY: '1',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        // Every reader of the soak comes from 127.0.0.1: per-address limits would refuse them.
        MAX_SOCKETS_PER_IP: '0',
        READ_RATE_LIMIT: '0',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        SCRYPT_LOG_N: '10',
      };
      if (redis) {
        const rp = await new CutProxy(`redis-${i}`, { host: '127.0.0.1', port: redis.port }).start();
        redisProxies.push(rp);
        cleanups.push(() => rp.close());
        env.REDIS_URL = `redis://127.0.0.1:${rp.port}`;
      } else env.REDIS_CLUSTER_NODES = cluster!.nodes;
      nodes.push(new SoakNode(`node-${i}`, await freePort(), workers[i], env, dir, o.dev));
    }
    // The first node migrates the fresh database; the others start once it is ready.
    nodes[0].start();
    await nodes[0].waitReady(120_000);
    for (const n of nodes.slice(1)) n.start();
    await Promise.all(nodes.slice(1).map((n) => n.waitReady(120_000)));
    cleanups.push(async () => {
      for (const n of nodes) n.expectExit = true;
      for (const n of nodes) n.signal('SIGCONT');
      for (const n of nodes) n.signal('SIGTERM');
      await Promise.all(nodes.map((n) => n.exited(15_000)));
    });
    const nginx = new SoakNginx(dir, nginxPort);
    await nginx.start(nodes.map((n) => `127.0.0.1:${n.port}`));
    cleanups.push(() => nginx.stop());
    log(`up: ${nodes.map((n) => `${n.name} :${n.port} WORKERS=${n.workers}`).join(', ')}; nginx ${publicUrl}`);

    // The newsroom: two live tickers, a webhook for every event, verified chatters.
    const api = async (method: string, p: string, body?: unknown, token = opsKey) => {
      const res = await fetch(`${publicUrl}/api/v1${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
      const json = await res.json().catch(() => undefined);
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
      return json as any;
    };
    const tickers = ['soak-a', 'soak-b'];
    for (const id of tickers) await api('POST', '/tickers', { id, title: `Soak ${id}`, status: 'live' });
    const receiver = await new WebhookReceiver().start();
    cleanups.push(() => receiver.close());
    const hook = await api('POST', '/webhooks', { url: receiver.url, events: ['entry.created', 'entry.updated', 'entry.deleted', 'ticker.updated', 'message.created', 'message.updated', 'message.deleted'] });
    receiver.secret = hook.secret;
    const rng = new Rng(o.seed);
    const workRng = new Rng(o.seed ^ 0x5eed);
    const chatters: Chatter[] = [];
    const readerTokens: string[] = [];
    for (let i = 0; i < o.chatters; i++) {
      const email = `soak-${o.seed}-${i}@example.org`;
      const user = await api('POST', '/users', { email, password: 'a long soak secret', displayName: `Soak reader ${i}`, role: 'reader' });
      const login = await api('POST', '/auth/login', { email, password: 'a long soak secret' });
      chatters.push(new Chatter(publicUrl, user.id, login.token, tickers[i % tickers.length], new Rng(o.seed + i)));
      readerTokens.push(login.token);
    }
    // Devices following the tickers for Web Push, made before any entry: every entry is due to them.
    await push.follow(publicUrl, tickers, o.follows);

    // The readers: most on a bare WebSocket, some on long-polling; each follows one ticker or both.
    const latencies: Latency[] = [];
    for (let i = 0; i < o.readers; i++) {
      const roll = workRng.next();
      const streams = roll < 0.45 ? ['ticker:soak-a'] : roll < 0.9 ? ['ticker:soak-b'] : ['ticker:soak-a', 'ticker:soak-b'];
      // One in five reads a chat beside its ticker.
      if (workRng.next() < 0.2) streams.push(`chat:${streams[0].slice('ticker:'.length)}`);
      const r = workRng.next() < o.polling ? new PollingReader(i, publicUrl, streams, latencies) : new WsReader(i, publicUrl, streams, latencies);
      readers.push(r);
      r.start();
      if (i % 100 === 99) await sleep(200);
    }
    // A few readers behind the SDK itself, each ticker in both orders.
    const sdk = sdkReaders;
    for (let i = 0; i < o.sdk; i++) sdk.push(new SdkReader(o.readers + i, publicUrl, tickers[i % tickers.length], i % 4 < 2 ? 'newest' : 'oldest'));
    await Promise.all(sdk.map((r) => r.start()));
    for (let i = 0; i < 600 && readers.some((r) => r.views.some((v) => v.lastRev < 0)); i++) await sleep(100);
    const notYet = readers.filter((r) => r.views.some((v) => v.lastRev < 0)).length;
    log(`${readers.length - notYet}/${readers.length} readers subscribed`);
    // Browsers: the widget on a news page, read from its shadow root at the end.
    let browser: SoakBrowser | undefined;
    if (o.browsers > 0 && !SoakBrowser.available()) log(`no Chromium at /usr/bin/chromium: the ${o.browsers} browser reader(s) skipped`);
    else if (o.browsers > 0) {
      browser = await new SoakBrowser().start();
      const b = browser;
      cleanups.push(() => b.close());
      for (let i = 0; i < o.browsers; i++) browserReaders.push(new BrowserReader(o.readers + o.sdk + i, b, site, tickers[i % tickers.length]));
      await Promise.all(browserReaders.map((r) => r.start()));
      log(`${browserReaders.length} browser(s) showing the widget on ${site.url}/article/…`);
    }

    // The run: the workload all along, the nemesis until the quiet period.
    const t0 = Date.now();
    const endAt = t0 + o.minutes * 60_000;
    const editor = new Editor(publicUrl, opsKey, tickers, workRng);
    editor.start();
    const voters = new Voters(publicUrl, () => editor.polls, o.devices, readerTokens, new Rng(o.seed ^ 0x7073));
    voters.start();
    for (const c of chatters) c.start();
    const targets: Targets = {
      nodes,
      pgProxies,
      redisProxies,
      redis: cluster
        ? {
            names: cluster.ports.map((p) => `redis:${p}`),
            pid: (name) => cluster!.pids[cluster!.ports.indexOf(Number(name.split(':')[1]))],
            async restart(name, downMs) {
              const port = Number(name.split(':')[1]);
              await cluster!.kill(port);
              await sleep(downMs);
              await cluster!.restart(port);
              await cluster!.waitOk(30_000);
            },
          }
        : {
            names: ['redis'],
            pid: () => redis!.pid,
            async restart(_name, downMs) {
              await redis!.kill();
              await sleep(downMs);
              await redis!.start();
            },
          },
    };
    if (ownPg) {
      const pg = ownPg;
      targets.pg = {
        name: `postgres:${pg.port}`,
        async restart(mode, downMs) {
          await pg.stop(mode);
          await sleep(downMs);
          await pg.start();
        },
      };
    }
    const nemesis = new Nemesis(targets, rng, o.gap, log, kinds);
    nemesis.start(endAt - o.quiet * 1000);
    let last = Date.now();
    while (Date.now() < endAt) {
      await sleep(1000);
      if (Date.now() - last >= 30_000) {
        last = Date.now();
        const acked = editor.writes.filter((w) => w.status >= 200 && w.status < 300).length;
        log(`progress: ${editor.writes.length} writes (${acked} acknowledged), ${latencies.length} live deliveries, ${nemesis.faults.length} faults${nemesis.current ? `, in ${nemesis.current}` : ''}`);
      }
    }
    await nemesis.stop();
    // At least `quiet` seconds of workload after the last fault ended.
    const lastEnd = Math.max(t0, ...nemesis.faults.map((f) => f.end));
    while (Date.now() < lastEnd + o.quiet * 1000) await sleep(500);
    await editor.stop();
    await voters.stop();
    await Promise.all(chatters.map((c) => c.stop()));
    log('workload stopped; letting the readers and the webhook catch up');
    // Settle: every reader at its streams' heads (or 30 s), the webhook receiver caught up (or 30 s).
    const heads = async () =>
      Object.fromEntries([
        ...(await Promise.all(tickers.map(async (t) => [`ticker:${t}`, (await api('GET', `/tickers/${t}/changes`)).rev as number]))),
        ...(await Promise.all(tickers.map(async (t) => [`chat:${t}`, (await api('GET', `/tickers/${t}/messages/changes`)).rev as number]))),
      ]);
    const h = await heads();
    for (let i = 0; i < 300 && (readers.some((r) => r.views.some((v) => v.lastRev < h[v.stream])) || sdk.some((r) => r.view!.rev < h[`ticker:${r.ticker}`])); i++) await sleep(100);
    // The push service caught up: no new push for 5 s (or 30 s).
    for (let i = 0, n = -1, still = 0; i < 60 && still < 10; i++) {
      still = push.receiver.pushes.length === n ? still + 1 : 0;
      n = push.receiver.pushes.length;
      await sleep(500);
    }
    let webhookCount = -1;
    for (let i = 0; i < 30 && receiver.taken.size !== webhookCount; i++) {
      webhookCount = receiver.taken.size;
      await sleep(1000);
    }

    // What each browser shows (every page loaded), the votes the server holds, the desk's counts.
    const browsers = await Promise.all(
      browserReaders.map(async (b) => {
        const out: { id: number; ticker: string; shown?: ShownEntry[]; failed?: string; errors: string[] } = { id: b.id, ticker: b.ticker, errors: b.errors };
        await b.shown().then(
          (shown) => (out.shown = shown),
          (err: Error) => (out.failed = err.message.slice(0, 200)),
        );
        return out;
      }),
    );
    const held = await voters.held();
    const desk = new Map<string, Record<string, number> | undefined>();
    for (const p of editor.polls) desk.set(p.id, (await api('GET', `/tickers/${p.ticker}/entries/${p.id}`).catch(() => undefined))?.poll?.results?.counts);
    const { findings, figures } = await check({
      pgUrl: db.url,
      tickers,
      readers,
      sdk,
      writes: editor.writes,
      sends: chatters.flatMap((c) => c.sends),
      webhooks: receiver.taken,
      webhookDuplicates: receiver.duplicates,
      faults: nemesis.faults,
      latencies,
      t0,
      browsers,
      polls: editor.polls,
      votes: voters.votes,
      voters: voters.voters,
      held,
      desk,
      follows: push.follows,
      pushes: push.receiver.pushes,
    });

    const rel = (t: number) => `t+${((t - t0) / 1000).toFixed(1)}s`;
    // A process that exited without the nemesis asking (a crash): a node's, or a worker's that its primary started again.
    const crashes = [
      ...nodes.flatMap((n) => n.crashes.map((c) => `${n.name} exited by itself at ${rel(c.at)} (code ${c.code}, signal ${c.signal}): ${c.why}`)),
      ...nodes.flatMap((n) => n.workerCrashes().map((c) => `${n.name}: ${c}`)),
    ];
    if (crashes.length) findings.push({ check: 'no process crashed', count: crashes.length, examples: crashes.slice(0, 8) });
    const byKind = new Map<string, number>();
    for (const f of nemesis.faults) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
    const out = [
      '',
      `== timeline (seed ${o.seed}) ==`,
      ...nemesis.faults.map((f) => `${rel(f.start).padEnd(10)} ${f.kind.padEnd(14)} ${f.target.padEnd(12)} until ${rel(f.end)}  ${f.note}`),
      `faults by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
      `node restarts: ${nodes.map((n) => `${n.name} ${n.starts - 1}`).join(', ')}; proxies: ${[...pgProxies, ...redisProxies].map((p) => `${p.name} dropped ${p.dropped}/refused ${p.refused}`).join(', ')}`,
      `node error lines logged: ${nodes.map((n) => `${n.name} ${n.errors().length}`).join(', ')}`,
      ...nodes.flatMap((n) => n.errors().slice(0, 3).map((l) => `  ${n.name}: ${l.slice(0, 400)}`)),
      '',
      '== figures ==',
      ...figures,
      '',
    ];
    const refusals = new Map<string, number>();
    for (const r of readers) for (const [k, n] of r.refusals) refusals.set(k, (refusals.get(k) ?? 0) + n);
    out.push(`reader sessions: ${readers.reduce((n, r) => n + r.sessions, 0)}; refusals and errors (retried): ${[...refusals].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'}`);
    if (findings.length === 0) {
      out.push(`PASS (seed ${o.seed})`);
      failed = false;
    } else {
      // The same options, the seed made explicit: the same faults at the same moments.
      const args = process.argv.slice(2);
      const at = args.indexOf('--seed');
      if (at >= 0) args.splice(at, 2);
      out.push(`FAIL (seed ${o.seed}): replay with npm run soak -- --seed ${o.seed} ${args.join(' ')}`.trimEnd());
      for (const f of findings) out.push(`  ✗ ${f.check}: ${f.count}`, ...f.examples.map((e) => `      ${e}`));
      out.push(`  node logs kept in ${dir}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } catch (err) {
    log(`the soak itself failed: ${(err as Error).stack}`);
  } finally {
    for (const r of readers) r.close();
    for (const r of sdkReaders) r.close();
    for (const r of browserReaders) r.close();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    hardStop();
    await db?.drop().catch((err) => log(`dropping the database: ${(err as Error).message}`));
    if (ownPg && !db) await ownPg.destroy().catch(() => undefined);
    if (!failed && !o.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code));
