// npm run bench -- reconnect: readers on one node, entries posted all along, the node restarted
// with SIGTERM (a deploy) in the middle. Measures how fast every reader resumes once the node is
// back, what was lost or doubled, and how many resumes needed the database.
//   BENCH_RECONNECT_CLIENTS (10000), BENCH_RATE (20/s), REDIS_URL (redis://127.0.0.1:6379)
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { benchServerEnv, cpuMs, rssKb } from './harness';

const ROOT = path.resolve(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The SDK's reconnect backoff: exponential from 500 ms, capped, ±50 % jitter. */
const backoff = (attempt: number) => Math.round(Math.min(5000, 500 * 2 ** attempt) * (0.5 + Math.random()));
/** The SDK's tries after the server said it restarts: about a second apart (0.5–1.5 s) for a minute. */
const restartRetry = () => Math.round(1000 * (0.5 + Math.random()));
const RESTART_RETRY_FOR_MS = 60_000;

/**
 * A reader that does what the SDK does after a server restart, over a bare Engine.IO socket so
 * one process holds 10,000: reconnect about once a second after the server said it restarts (with
 * jittered backoff otherwise), subscribe from its position
 * `(epoch, rev)`, apply frames in rev order. It records every entry marker it receives.
 */
class ResumingReader {
  lastRev = -1;
  epoch: string | undefined;
  readonly got: Uint8Array;
  duplicates = 0;
  gaps = 0;
  /** Catch-ups that came in more than one answer (`more`). */
  pages = 0;
  /** Refused handshakes and subscribes by code: each is retried after a backoff, as the SDK does. */
  static readonly refusals = new Map<string, number>();
  /** When the last resume's subscribe was answered (performance.now). */
  resumedAt = 0;
  /** When the node last opened a session for this reader (performance.now). */
  openedAt = 0;
  /** The last try that got a TCP connection: when it started, connected, was upgraded. */
  phases?: { startedAt: number; tcpAt: number; upgradedAt: number };
  ws?: WebSocket;
  /** What the reader last saw, for the report on readers that did not resume. */
  stage = 'new';
  private attempt = 0;
  private closed = false;
  private restartSaidAt = -Infinity;

  constructor(
    private readonly url: string,
    private readonly stream: string,
    total: number,
  ) {
    this.got = new Uint8Array(total);
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.open(resolve));
  }

  private open(onSubscribed?: () => void): void {
    if (this.closed) return;
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    this.ws = ws;
    let subscribed = false;
    let syncing = false;
    // As the SDK's StreamSync: from the position held; again while the answer says there is more,
    // and again when a frame shows a gap.
    const subscribe = () => {
      syncing = true;
      const cmd: Record<string, unknown> = { stream: this.stream };
      if (this.lastRev >= 0) Object.assign(cmd, { since: this.lastRev, epoch: this.epoch });
      ws.send(`421${JSON.stringify(['subscribe', cmd])}`);
    };
    this.stage = 'connecting';
    // The phases of this try: TCP connected, WebSocket upgraded (then `openedAt`: Engine.IO open).
    const startedAt = performance.now();
    (ws as unknown as { _req?: import('node:http').ClientRequest })._req?.once('socket', (sock) =>
      sock.once('connect', () => (this.phases = { startedAt, tcpAt: performance.now(), upgradedAt: 0 })),
    );
    ws.on('open', () => {
      this.stage = 'open';
      if (this.phases) this.phases.upgradedAt = performance.now();
    });
    ws.on('message', (data: Buffer) => {
      const msg = data.toString();
      const type = msg.charCodeAt(0);
      if (type === 0x30) {
        this.stage = 'engine open';
        this.openedAt = performance.now();
        ws.send('40');
      }
      else if (type === 0x32) ws.send('3');
      else if (msg.startsWith('40')) {
        this.stage = 'subscribing';
        subscribe();
      } else if (msg.startsWith('42["server:shutdown"')) {
        this.restartSaidAt = performance.now();
      } else if (msg.startsWith('44')) {
        this.refused(`handshake: ${msg.slice(2, 120)}`);
      } else if (msg.startsWith('431[')) {
        const ack = JSON.parse(msg.slice(3))[0] as { ok: boolean; rev: number; epoch: string; changes: unknown[]; more?: boolean; reset?: boolean; error?: { code: string } };
        if (!ack.ok) return this.refused(`subscribe: ${ack.error?.code}`);
        this.count(JSON.stringify(ack.changes), this.lastRev);
        this.lastRev = Math.max(this.lastRev, ack.rev);
        this.epoch = ack.epoch;
        syncing = false;
        if (ack.more) {
          this.pages++;
          return subscribe();
        }
        this.attempt = 0;
        this.resumedAt = performance.now();
        this.stage = 'subscribed';
        subscribed = true;
        onSubscribed?.();
      } else if (msg.startsWith('42["changes"')) {
        const head = /"since":(\d+),"rev":(\d+)/.exec(msg);
        if (!head || !subscribed || syncing) return;
        const since = Number(head[1]);
        const rev = Number(head[2]);
        if (rev <= this.lastRev) return;
        if (since > this.lastRev) {
          // Cannot happen on one node once subscribed; the SDK would ask for the gap, and so do we.
          this.gaps++;
          return subscribe();
        }
        this.count(msg, this.lastRev);
        this.lastRev = rev;
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.stage = 'waiting to retry';
      if (this.closed) return;
      const restarting = performance.now() - this.restartSaidAt < RESTART_RETRY_FOR_MS;
      setTimeout(() => this.open(), restarting ? restartRetry() : backoff(this.attempt));
      this.attempt++;
    });
  }

  private refused(why: string): void {
    ResumingReader.refusals.set(why, (ResumingReader.refusals.get(why) ?? 0) + 1);
    this.ws?.terminate(); // the close handler retries after a backoff
  }

  /**
   * Counts the entries of the changes after `after`, as the SDK applies them: a frame that starts
   * before the position the reader holds (its room was joined before the catch-up's answer left)
   * carries changes the reader already has, which the SDK drops (streams.ts) and so does this.
   * What is left counted twice is a change delivered twice past the position: a real duplicate.
   */
  private count(raw: string, after: number): void {
    const starts = [...raw.matchAll(/\{"rev":(\d+),"type":"[a-z.]+","data":/g)];
    starts.forEach((start, k) => {
      if (Number(start[1]) <= after) return;
      const change = raw.slice(start.index, starts[k + 1]?.index ?? raw.length);
      for (const m of change.matchAll(/bench-(\d+)-/g)) {
        const i = Number(m[1]);
        if (this.got[i]) this.duplicates++;
        else this.got[i] = 1;
      }
    });
  }

  close(): void {
    this.closed = true;
    this.ws?.terminate();
  }
}

/** Where taskset and two cores are there: `cmd` on core `cpu` (the server on 0, the readers on 1). */
function pin(cpu: string, cmd: string[]): string[] {
  if (os.cpus().length < 2) return cmd;
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  } catch {
    return cmd;
  }
  return ['taskset', '-c', cpu, ...cmd];
}

interface Node {
  proc: ChildProcess;
  stopped: Promise<number | null>;
}

function startServer(port: number, env: Record<string, string>): Node {
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server (both runs).
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const [cmd, ...args] = pin('0', [process.execPath, ...nodeArgs, '--import', 'tsx', path.join(ROOT, 'server/src/main.ts')]);
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    // MAIL_TRANSPORT=log: the bench mails nothing, and a shell's NODE_ENV=production must not stop it.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', MAIL_TRANSPORT: 'log', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { proc, stopped: new Promise((resolve) => proc.once('exit', (code) => resolve(code))) };
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not up yet
    }
    await sleep(50);
  }
  throw new Error(`${url} did not become ready`);
}

async function catchUps(url: string): Promise<{ cache: number; database: number; storms: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const by = (source: string) => Number(new RegExp(`liveticker_catch_ups_total\\{source="${source}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  const storms = Number(/liveticker_reconnect_storms_total (\d+)/.exec(text)?.[1] ?? 0);
  return { cache: by('cache'), database: by('database'), storms };
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

export async function reconnectScenario(opts: { clients: number; rate: number }, log: (s: string) => void): Promise<void> {
  const { clients, rate } = opts;
  log(`\n== reconnect: ${clients} readers on one node, ${rate} entries/s, SIGTERM restart mid-stream ==`);
  const net = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  // The readers (this process) on core 1, the node on core 0: each side's CPU is its own.
  if (pin('1', []).length) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-reconnect-'));
  const opsKey = randomBytes(18).toString('base64url');
  const env = benchServerEnv(dir, opsKey);
  let node = startServer(port, env);
  await waitReady(url);
  const auth = { authorization: `Bearer ${opsKey}`, 'content-type': 'application/json' };
  await fetch(`${url}/api/v1/tickers`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'bench', title: 'Bench', status: 'live' }) });

  const total = rate * 30;
  const readers: ResumingReader[] = [];
  for (let i = 0; i < clients; i += 500) {
    const batch = Array.from({ length: Math.min(500, clients - i) }, () => new ResumingReader(url, 'ticker:bench', total));
    await Promise.all(batch.map((r) => r.start()));
    readers.push(...batch);
  }
  log(`${readers.length} readers subscribed`);

  // The newsroom keeps posting: an entry that fails (node down) is tried again until it lands.
  const posted: number[] = [];
  let posting = true;
  const poster = (async () => {
    for (let i = 0; i < total && posting; i++) {
      const due = performance.now() + 1000 / rate;
      for (;;) {
        try {
          const res = await fetch(`${url}/api/v1/tickers/bench/entries`, { method: 'POST', headers: auth, body: JSON.stringify({ body: `<p>Update bench-${i}- from the newsroom</p>` }) });
          await res.arrayBuffer();
          if (res.ok) break;
        } catch {
          // the node is down: try again
        }
        if (!posting) return;
        await sleep(100);
      }
      posted.push(i);
      await sleep(Math.max(0, due - performance.now()));
    }
  })();

  await sleep(4000);
  const stopAt = performance.now();
  node.proc.kill('SIGTERM');
  const code = await node.stopped;
  const downAt = performance.now();
  node = startServer(port, env);
  await waitReady(url);
  // Back when it answered /readyz, or when it first let a reader in if that was earlier (the
  // listener is up before the readiness answer, and this process's polling of it may lag).
  const backAt = Math.min(performance.now(), ...readers.map((r) => (r.openedAt > downAt ? r.openedAt : Infinity)));
  const serverCpuAtBack = cpuMs(node.proc.pid!);
  const ownCpuAtBack = process.cpuUsage();
  log(`SIGTERM: exit code ${code} after ${(downAt - stopAt).toFixed(0)} ms; the node was back ${(backAt - downAt).toFixed(0)} ms later`);

  // Every reader resumes (or the wait ends after 60 s).
  // A reader may resume a moment before /readyz says so (the listener is up first): it counts, at 0.
  for (let i = 0; i < 1200 && readers.some((r) => r.resumedAt < downAt); i++) await sleep(50);
  const resumed = readers
    .filter((r) => r.resumedAt >= downAt)
    .map((r) => Math.max(0, r.resumedAt - backAt))
    .sort((a, b) => a - b);
  const back = readers.filter((r) => r.resumedAt >= downAt);
  const opened = back.map((r) => Math.max(0, r.openedAt - backAt)).sort((a, b) => a - b);
  const answered = back.map((r) => r.resumedAt - r.openedAt).sort((a, b) => a - b);
  const at = (r: ResumingReader, k: 'startedAt' | 'tcpAt' | 'upgradedAt' | 'openedAt') => (k === 'openedAt' ? r.openedAt : r.phases![k]);
  const phase = (from: 'startedAt' | 'tcpAt' | 'upgradedAt', to: 'tcpAt' | 'upgradedAt' | 'openedAt') =>
    back.filter((r) => r.phases && r.phases.startedAt > downAt).map((r) => at(r, to) - at(r, from)).sort((a, b) => a - b);
  if (process.env.BENCH_TIMELINE) {
    // Per 500 ms after the node was back: sessions opened, resumes answered.
    const rows = new Map<number, [number, number]>();
    for (const r of back) {
      for (const [i, at] of [r.openedAt, r.resumedAt].entries()) {
        const k = Math.floor(Math.max(0, at - backAt) / 500);
        const row = rows.get(k) ?? [0, 0];
        row[i]++;
        rows.set(k, row);
      }
    }
    log([...rows].sort((a, b) => a[0] - b[0]).map(([k, [o, a]]) => `  ${(k * 0.5).toFixed(1)} s: opened ${o}, resumed ${a}`).join('\n'));
  }
  const rssAfterResume = rssKb(node.proc.pid!) / 1024;
  const resumeWallMs = performance.now() - backAt;
  const serverCpuResume = cpuMs(node.proc.pid!) - serverCpuAtBack;
  const own = process.cpuUsage(ownCpuAtBack);
  const readersCpuResume = (own.user + own.system) / 1000;
  const stages = (rs: ResumingReader[]) => rs.reduce<Record<string, number>>((m, r) => ((m[r.stage] = (m[r.stage] ?? 0) + 1), m), {});
  await sleep(5000);
  posting = false;
  await poster;
  // Stragglers: wait until every reader has every posted entry, at most 20 s.
  const has = (r: ResumingReader) => posted.every((i) => r.got[i]);
  for (let i = 0; i < 400 && !readers.every(has); i++) await sleep(50);

  const lost = readers.reduce((n, r) => n + posted.filter((i) => !r.got[i]).length, 0);
  const duplicates = readers.reduce((n, r) => n + r.duplicates, 0);
  const gaps = readers.reduce((n, r) => n + r.gaps, 0);
  const queries = await catchUps(url);
  log(
    [
      `entries posted: ${posted.length}; deliveries expected ${posted.length * readers.length}`,
      `readers resumed: ${resumed.length}/${readers.length}; time from the node back to resumed: p50 ${pct(resumed, 50).toFixed(0)} ms, p99 ${pct(resumed, 99).toFixed(0)} ms, max ${pct(resumed, 100).toFixed(0)} ms`,
      `  of which from the node back to the session opened: p50 ${pct(opened, 50).toFixed(0)} ms, p99 ${pct(opened, 99).toFixed(0)} ms; from opened to resumed: p50 ${pct(answered, 50).toFixed(0)} ms, p99 ${pct(answered, 99).toFixed(0)} ms`,
      `  the last try's TCP connect: p50 ${pct(phase('startedAt', 'tcpAt'), 50).toFixed(0)} ms, p99 ${pct(phase('startedAt', 'tcpAt'), 99).toFixed(0)} ms; upgrade: p50 ${pct(phase('tcpAt', 'upgradedAt'), 50).toFixed(0)} ms, p99 ${pct(phase('tcpAt', 'upgradedAt'), 99).toFixed(0)} ms; to Engine.IO open: p50 ${pct(phase('upgradedAt', 'openedAt'), 50).toFixed(0)} ms, p99 ${pct(phase('upgradedAt', 'openedAt'), 99).toFixed(0)} ms`,
      `lost: ${lost}, duplicated: ${duplicates}, gaps seen: ${gaps}, catch-ups paged: ${readers.reduce((n, r) => n + r.pages, 0)}`,
      `resumes answered by the node's cache: ${queries.cache}, by the database: ${queries.database}; storms the node saw: ${queries.storms}`,
      `server RSS after the resumes: ${rssAfterResume.toFixed(0)} MB`,
      `from the node back to the last resume (${(resumeWallMs / 1000).toFixed(1)} s): server CPU ${(serverCpuResume / 1000).toFixed(1)} s, the readers' process ${(readersCpuResume / 1000).toFixed(1)} s`,
      `refusals (retried): ${JSON.stringify(Object.fromEntries(ResumingReader.refusals))}`,
      `not resumed within 60 s: ${readers.length - resumed.length} ${JSON.stringify(stages(readers.filter((r) => r.resumedAt < downAt)))}`,
    ].join('\n'),
  );
  for (const r of readers) r.close();
  node.proc.kill('SIGTERM');
  await node.stopped;
  fs.rmSync(dir, { recursive: true, force: true });
}
