// npm run bench -- memory: what a reader connection costs a server in memory, liveticker beside the
// bare Socket.IO server in the same run. For each server: its RSS BENCH_MEMORY_IDLE_S (5) s after
// it answered (the base; a start's own garbage is gone by then), then with BENCH_MEMORY_CLIENTS
// (10,000) readers connected and subscribed, 1 s after the last subscribe (when the shared script
// ../shared/bench/vs-centrifuge.sh reads it) and again BENCH_MEMORY_SETTLE_S (30) s later (the
// connects' garbage collected by then, or most of it): the growth per connection and the total
// divided by the readers. liveticker runs as the shared script runs it (node --import
// tsx, NODE_ENV=production, Redis bus, SQLite) and, when server/dist is built (npm run build), as
// the build (BENCH_MEMORY_BUILD=0 leaves it out).
//
// The readers are rawgen's (../shared/bench/rawgen.js): raw TCP sockets that speak just enough
// WebSocket and Engine.IO/Socket.IO to connect, subscribe and answer pings, so the bench process
// holds 10,000 of them cheaply. Each server's readers come from an address of their own
// (127.0.0.11, .12, …): the ports a run leaves in TIME_WAIT do not run the next one out of ports.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { benchServerEnv, rssKb } from './harness';

const ROOT = path.resolve(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface MemoryLoad {
  clients: number;
  /** How long a server runs idle before its base is read, s (a start's own garbage is collected by then). */
  idleS: number;
  /** How long after the +1 s reading the settled one is taken, s. */
  settleS: number;
}

interface MemoryServer {
  name: string;
  port: number;
  pid: number;
  /** The stream the readers subscribe to. */
  stream: string;
  stop(): Promise<void>;
}

export interface MemoryResult {
  name: string;
  clients: number;
  connectMs: number;
  baseKb: number;
  loadedKb: number;
  settledKb: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitReady(port: number, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`the server on port ${port} did not become ready`);
}

/** SIGTERM, and SIGKILL after 10 s: a server stopped before its readers closes their connections first. */
function stopper(proc: ChildProcess, after?: () => void): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      const done = () => {
        after?.();
        resolve();
      };
      if (proc.exitCode !== null) return done();
      proc.once('exit', done);
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
    });
}

async function startBare(): Promise<MemoryServer> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'bare-server.ts')], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  await waitReady(port, proc);
  return { name: 'bare Socket.IO', port, pid: proc.pid!, stream: 'ticker:bench', stop: stopper(proc) };
}

/** liveticker through tsx (`build`: server/dist/main.js) with its own SQLite file, Redis and a ticker to read. */
async function startLiveticker(build: boolean): Promise<MemoryServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-memory-'));
  const opsKey = randomBytes(18).toString('base64url');
  const args = build ? [path.join(ROOT, 'server/dist/main.js')] : ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts')];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', LOG_FORMAT: 'json', ...benchServerEnv(dir, opsKey) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(port, proc);
  const body = JSON.stringify({ id: 'bench', title: 'Bench', status: 'live' });
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/api/v1/tickers', method: 'POST', headers: { authorization: `Bearer ${opsKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  if (status !== 201) throw new Error(`creating the bench ticker answered ${status}`);
  return {
    name: build ? 'liveticker (build, node server/dist/main.js)' : 'liveticker (node --import tsx, as the shared script)',
    port,
    pid: proc.pid!,
    stream: 'ticker:bench',
    stop: stopper(proc, () => fs.rmSync(dir, { recursive: true, force: true })),
  };
}

/** A masked client text frame (an all-zero mask leaves the payload as it is). */
function wsFrame(text: string): Buffer {
  const p = Buffer.from(text);
  const head = p.length < 126 ? Buffer.from([0x81, 0x80 | p.length, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, p.length >> 8, p.length & 255, 0, 0, 0, 0]);
  return Buffer.concat([head, p]);
}

/** Every reader's reads land here; a partial frame is copied out. */
const SHARED = Buffer.allocUnsafe(1 << 16);

/** One raw reader: upgrade, Engine.IO open, Socket.IO connect, `subscribe` acknowledged; answers pings. */
function reader(port: number, stream: string, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let pending: Buffer | undefined;
    let upgraded = false;
    let state: 'open' | 'connect' | 'ack' | 'live' = 'open';
    const onData = (chunk: Buffer) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      let off = 0;
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return void (pending = Buffer.from(buf));
        if (!buf.subarray(0, 12).toString().includes('101')) return reject(new Error(buf.subarray(0, 80).toString()));
        upgraded = true;
        off = end + 4;
      }
      while (off + 2 <= buf.length) {
        let len = buf[off + 1] & 127;
        let head = 2;
        if (len === 126) {
          if (off + 4 > buf.length) break;
          len = buf.readUInt16BE(off + 2);
          head = 4;
        } else if (len === 127) {
          if (off + 10 > buf.length) break;
          len = Number(buf.readBigUInt64BE(off + 2));
          head = 10;
        }
        if (off + head + len > buf.length) break;
        const start = off + head;
        const text = (buf[off] & 15) === 1;
        off = start + len;
        if (!text) continue;
        if (buf[start] === 0x32 && len === 1) s.write(wsFrame('3')); // ping → pong
        else if (state === 'open' && buf[start] === 0x30) {
          state = 'connect';
          s.write(wsFrame('40'));
        } else if (state === 'connect' && buf.toString('latin1', start, start + 2) === '40') {
          state = 'ack';
          s.write(wsFrame(`420${JSON.stringify(['subscribe', { stream }])}`));
        } else if (state === 'ack' && buf.toString('latin1', start, start + 3) === '430') {
          state = 'live';
          resolve(s);
        }
      }
      if (off < buf.length) pending = Buffer.from(buf.subarray(off));
    };
    const s = net.connect({
      port,
      host: '127.0.0.1',
      localAddress,
      onread: {
        buffer: SHARED,
        callback: (n: number, b: Uint8Array) => {
          onData(Buffer.from(b.buffer, b.byteOffset, n));
          return true;
        },
      },
    });
    s.setNoDelay(true);
    s.on('connect', () =>
      s.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    s.on('error', reject);
  });
}

async function measure(server: MemoryServer, load: MemoryLoad, localAddress: string, log: (s: string) => void): Promise<MemoryResult> {
  await sleep(load.idleS * 1000);
  const baseKb = rssKb(server.pid);
  const readers: net.Socket[] = [];
  const started = performance.now();
  try {
    for (let i = 0; i < load.clients; i += 250) {
      readers.push(...(await Promise.all(Array.from({ length: Math.min(250, load.clients - i) }, () => reader(server.port, server.stream, localAddress)))));
    }
    const connectMs = performance.now() - started;
    await sleep(1000);
    const loadedKb = rssKb(server.pid);
    await sleep(load.settleS * 1000);
    const settledKb = rssKb(server.pid);
    log(`  ${server.name}: ${readers.length} readers in ${(connectMs / 1000).toFixed(1)} s; RSS ${(baseKb / 1024).toFixed(0)} → ${(loadedKb / 1024).toFixed(0)} MB, ${(settledKb / 1024).toFixed(0)} MB ${load.settleS} s later`);
    return { name: server.name, clients: load.clients, connectMs, baseKb, loadedKb, settledKb };
  } finally {
    // The server closes the connections first: the TIME_WAITs are its, not the readers' ports.
    await server.stop();
    for (const r of readers) r.destroy();
  }
}

export function memoryTable(results: MemoryResult[], settleS: number): string {
  const kb = (n: number) => n.toFixed(1);
  const rows = [
    ['server', 'readers', 'base MB', 'at +1 s MB', 'growth KB/conn', 'total/N KB', `at +${settleS + 1} s MB`, 'growth KB/conn', 'total/N KB', 'connect s'],
    ...results.map((r) => [
      r.name,
      String(r.clients),
      (r.baseKb / 1024).toFixed(0),
      (r.loadedKb / 1024).toFixed(0),
      kb((r.loadedKb - r.baseKb) / r.clients),
      kb(r.loadedKb / r.clients),
      (r.settledKb / 1024).toFixed(0),
      kb((r.settledKb - r.baseKb) / r.clients),
      kb(r.settledKb / r.clients),
      (r.connectMs / 1000).toFixed(1),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

/** The bare Socket.IO server, liveticker through tsx and (when built) liveticker's build, one after the other. */
export async function memoryScenario(load: MemoryLoad, log: (s: string) => void): Promise<MemoryResult[]> {
  log(`\n== memory: ${load.clients} readers, RSS at +1 s and +${load.settleS + 1} s ==`);
  const starts: Array<() => Promise<MemoryServer>> = [startBare, () => startLiveticker(false)];
  const built = fs.existsSync(path.join(ROOT, 'server/dist/main.js'));
  if (built && process.env.BENCH_MEMORY_BUILD !== '0') starts.push(() => startLiveticker(true));
  else if (!built) log('  (no server/dist: npm run build to measure the build too)');
  const results: MemoryResult[] = [];
  for (const [i, start] of starts.entries()) results.push(await measure(await start(), load, `127.0.0.${11 + i}`, log));
  return results;
}
