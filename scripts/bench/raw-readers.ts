// One process of a reader fleet (see fleet.ts): up to ~19,000 readers (one process may open 20,000
// files here), every socket bound to this process's own source address (127.0.0.2, 127.0.0.3, …)
// so the 28,000 ephemeral ports of one address suffice. The technique of the shared bench's
// rawgen.js: raw TCP sockets that speak just enough WebSocket + Engine.IO v4 / Socket.IO v5 to
// connect, subscribe and answer pings, frames parsed by hand and payloads scanned for `t0=<ms>`
// (stamped by the sender). One reader in `measureEvery` reads continuously and records latency;
// the rest are paused and drained in bulk every `drainMs`, so most reads carry many frames.
// Started by the fleet with its options as JSON in argv[2]; talks to it over IPC; exits when told,
// when the fleet goes away, or after `lifetimeMs` whatever happens.
import net from 'node:net';

export interface ReadersOptions {
  port: number;
  /** The server's address. */
  host: string;
  /** This process's source address. */
  localAddress: string;
  stream: string;
  readers: number;
  measureEvery: number;
  drainMs: number;
  /** Handshakes under way at once. */
  concurrency: number;
  lifetimeMs: number;
}

export type ToReaders = { t: 'reset' } | { t: 'report'; expectedPerReader: number } | { t: 'stop' };
export type FromReaders =
  | { t: 'connected'; ok: number; failed: number; ms: number; errors: Record<string, number> }
  | { t: 'reset' }
  | { t: 'count'; delivered: number; frames: number; lastAt: number }
  | { t: 'report'; delivered: number; frames: number; lost: number; extra: number; short: number; closed: number; lastAt: number; latencies: Float64Array };

/** Attempts per reader before it counts as failed, and how long one handshake may take, ms. */
const ATTEMPTS = 4;
const HANDSHAKE_TIMEOUT_MS = 30_000;

const opts = JSON.parse(process.argv[2] ?? '{}') as ReadersOptions;
const send = (msg: FromReaders) => process.send?.(msg);

const counts = new Uint32Array(opts.readers);
let latencies = new Float64Array(1 << 16);
let nLat = 0;
let delivered = 0;
/** Frames that carried deliveries (a frame may carry several changes: the server's batches). */
let frames = 0;
let lastAt = 0;
let closed = 0;
const sockets: net.Socket[] = [];
const errors: Record<string, number> = {};

/** Client frames must be masked; an all-zero key leaves the payload as it is. */
function wsFrame(text: string): Buffer {
  const p = Buffer.from(text);
  const h = p.length < 126 ? Buffer.from([0x81, 0x80 | p.length, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, p.length >> 8, p.length & 255, 0, 0, 0, 0]);
  return Buffer.concat([h, p]);
}
const PONG = wsFrame('3');
const CONNECT = wsFrame('40');
const SUBSCRIBE = wsFrame(`420${JSON.stringify(['subscribe', { stream: opts.stream }])}`);
const T0 = Buffer.from('t0=');

function record(ms: number): void {
  if (nLat === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[nLat++] = ms;
}

/** Counts the `t0=` markers of one Socket.IO event payload; a measuring reader records their age. */
function scan(idx: number, buf: Buffer, start: number, end: number, measure: boolean, now: number): void {
  let i = buf.indexOf(T0, start);
  if (i !== -1 && i < end) frames++;
  while (i !== -1 && i < end) {
    counts[idx]++;
    delivered++;
    lastAt = now;
    if (measure) {
      let v = 0;
      let j = i + 3;
      while (j < end) {
        const c = buf[j];
        if (c < 48 || c > 57) break;
        v = v * 10 + (c - 48);
        j++;
      }
      record(now - v);
    }
    i = buf.indexOf(T0, i + 3);
  }
}

/** Every read lands here; a partial frame is copied out until the rest arrives. */
const SHARED = Buffer.allocUnsafe(1 << 18);

/** Connects reader `idx` and resolves once its subscribe is acknowledged. */
function reader(idx: number): Promise<net.Socket> {
  const measure = idx % opts.measureEvery === 0;
  return new Promise((resolve, reject) => {
    let pending: Buffer | null = null;
    let upgraded = false;
    // 0: waiting for Engine.IO's open, 1: for Socket.IO's connect, 2: for the subscribe's ack, 3: live
    let state = 0;
    const fail = (why: string) => {
      clearTimeout(timer);
      s.destroy();
      reject(new Error(why));
    };
    const onData = (chunk: Buffer) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let off = 0;
      if (!upgraded) {
        const e = buf.indexOf('\r\n\r\n');
        if (e < 0) return void (pending = Buffer.from(buf));
        if (!buf.subarray(0, 12).toString().includes('101')) return fail(`no upgrade: ${buf.subarray(0, 40).toString()}`);
        upgraded = true;
        off = e + 4;
      }
      const now = Date.now();
      while (off + 2 <= buf.length) {
        let len = buf[off + 1] & 127;
        let h = 2;
        if (len === 126) {
          if (off + 4 > buf.length) break;
          len = buf.readUInt16BE(off + 2);
          h = 4;
        } else if (len === 127) {
          if (off + 10 > buf.length) break;
          len = Number(buf.readBigUInt64BE(off + 2));
          h = 10;
        }
        if (off + h + len > buf.length) break;
        const ps = off + h;
        const pe = ps + len;
        const op = buf[off] & 15;
        off = pe;
        if (op !== 1) continue;
        const t = buf[ps];
        if (t === 0x32 && len === 1) {
          s.write(PONG);
          continue;
        }
        if (state === 3) {
          if (t === 0x34 && buf[ps + 1] === 0x32) scan(idx, buf, ps, pe, measure, now);
        } else if (state === 0 && t === 0x30) {
          state = 1;
          s.write(CONNECT);
        } else if (state === 1) {
          const head = buf.toString('latin1', ps, Math.min(pe, ps + 80));
          if (head.startsWith('40')) {
            state = 2;
            s.write(SUBSCRIBE);
          } else if (head.startsWith('44')) return fail(`connect refused: ${head}`);
        } else if (state === 2 && buf.toString('latin1', ps, ps + 3) === '430') {
          if (!buf.toString('latin1', ps, Math.min(pe, ps + 16)).includes('"ok":true')) return fail(`subscribe refused: ${buf.toString('latin1', ps, Math.min(pe, ps + 200))}`);
          state = 3;
          clearTimeout(timer);
          if (!measure && opts.drainMs > 0) {
            const h = (s as unknown as { _handle: Handle })._handle;
            h.readStop();
            paused.push(h);
          }
          resolve(s);
        }
      }
      if (off < buf.length) pending = Buffer.from(buf.subarray(off));
    };
    const s = net.connect({
      port: opts.port,
      host: opts.host,
      localAddress: opts.localAddress,
      // Returning true keeps reading (false would pause the socket).
      onread: {
        buffer: SHARED,
        callback: (n: number, b: Uint8Array) => {
          onData((b as Buffer).subarray(0, n));
          return true;
        },
      },
    });
    const timer = setTimeout(() => fail('handshake timed out'), HANDSHAKE_TIMEOUT_MS);
    s.setNoDelay(true);
    s.on('connect', () =>
      s.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    s.on('error', (err) => fail(err.message));
    s.on('close', () => {
      if (state === 3) closed++;
      else fail('closed during the handshake');
    });
  });
}

async function connectAll(): Promise<void> {
  const t0 = Date.now();
  let next = 0;
  let ok = 0;
  let failed = 0;
  const one = async () => {
    while (next < opts.readers) {
      const idx = next++;
      for (let attempt = 1; ; attempt++) {
        try {
          sockets.push(await reader(idx));
          ok++;
          break;
        } catch (err) {
          const why = (err as Error).message.replace(/\d+/g, 'N').slice(0, 80);
          errors[why] = (errors[why] ?? 0) + 1;
          if (attempt === ATTEMPTS) {
            failed++;
            break;
          }
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.readers) }, one));
  send({ t: 'connected', ok, failed, ms: Date.now() - t0, errors });
}

function stop(): void {
  for (const s of sockets) s.destroy();
  process.exit(0);
}

// Never outlives its purpose: the fleet gone, or the lifetime over.
setTimeout(stop, opts.lifetimeMs).unref();
process.on('disconnect', stop);
process.on('message', (msg: ToReaders) => {
  if (msg.t === 'stop') return stop();
  if (msg.t === 'reset') {
    counts.fill(0);
    delivered = 0;
    frames = 0;
    nLat = 0;
    lastAt = 0;
    return send({ t: 'reset' });
  }
  if (msg.t === 'report') {
    let lost = 0;
    let extra = 0;
    let short = 0;
    for (let i = 0; i < counts.length; i++) {
      const d = counts[i] - msg.expectedPerReader;
      if (d < 0) {
        lost -= d;
        short++;
      } else extra += d;
    }
    send({ t: 'report', delivered, frames, lost, extra, short, closed, lastAt, latencies: latencies.slice(0, nLat) });
  }
});

// The paused readers, drained in bulk: each is let read what the kernel holds, then paused again.
// Straight on the handle (libuv's readStart/readStop), not through the stream's pause/resume,
// whose state machine costs more than the read itself when a socket holds one frame a second.
// drainMs 0: none is paused, every reader reads as frames arrive.
type Handle = { readStart(): number; readStop(): number };
const paused: Handle[] = [];
if (opts.drainMs > 0) {
  const drain = setInterval(() => {
    for (const h of paused) h.readStart();
    setImmediate(() => {
      for (const h of paused) h.readStop();
    });
  }, opts.drainMs);
  drain.unref();
}
// The fleet sums these for "delivered so far" while it waits for the stragglers.
setInterval(() => send({ t: 'count', delivered, frames, lastAt }), 250).unref();

void connectAll();
