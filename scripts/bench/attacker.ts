// One attacker of the abuse bench, in a process of its own (so its work does not slow the
// readers' process): `tsx scripts/bench/attacker.ts <sockets|catchup|frames|beacons> <url> <address> <seconds>`.
// Loopback only; every loop stops at the deadline or its attempt cap. Prints one JSON line.
// Each attacker connects from a loopback address of its own (127.0.0.2…, the last argument): on
// one shared source address its churn of connections would reuse the readers' and the editor's
// port pairs while they sit in TIME_WAIT, and the editor's connects would wait for SYN
// retransmits (1 s, 3 s): an artifact of a one-machine bench, not of the server.
import http from 'node:http';
import WebSocket from 'ws';
import { LiteClient } from './lite-client';

const [mode, url, address, secondsArg, localAddress] = process.argv.slice(2);
const deadline = Date.now() + Number(secondsArg) * 1000;
const headers = { 'x-forwarded-for': address };
const stats: Record<string, number> = {};
const count = (key: string) => void (stats[key] = (stats[key] ?? 0) + 1);
const live = () => Date.now() < deadline;

/** Opens sockets as fast as the server answers, 50 handshakes in flight; keeps the ones let in. */
async function sockets(): Promise<void> {
  const held: LiteClient[] = [];
  let attempts = 0;
  const worker = async () => {
    while (live() && attempts < 50_000) {
      attempts++;
      const c = new LiteClient(() => undefined);
      try {
        await c.connect(url, undefined, headers, localAddress);
        held.push(c);
        count('accepted');
      } catch {
        c.close();
        count('refused');
      }
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  for (const c of held) c.close();
}

/** One GET from the attacker's own source address. */
function get(target: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(target, { headers, localAddress, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Asks for the whole history (`since=0`) 20 at a time. */
async function catchup(): Promise<void> {
  let attempts = 0;
  const worker = async () => {
    while (live() && attempts < 100_000) {
      attempts++;
      try {
        const { status, bytes } = await get(`${url}/api/v1/tickers/bench/changes?since=0`);
        count(`http_${status}`);
        stats.bytes = (stats.bytes ?? 0) + bytes;
      } catch {
        count('failed');
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
}

/** Sends 2 MB frames of nested arrays, reconnecting each time the server closes the socket. */
async function frames(): Promise<void> {
  const frame = `42["subscribe",${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}]`;
  let attempts = 0;
  while (live() && attempts < 10_000) {
    attempts++;
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers, perMessageDeflate: false, localAddress });
      ws.on('message', (data: Buffer) => {
        const msg = data.toString();
        if (msg.startsWith('0')) ws.send('40');
        else if (msg.startsWith('40')) {
          ws.send(frame);
          count('sent');
        }
      });
      ws.on('close', () => {
        count('closed');
        resolve();
      });
      ws.on('error', () => undefined);
    });
  }
}

/** Events in each of the beacon flood's batches (of the 200 a batch may hold). */
const FLOOD_EVENTS = 50;

/**
 * Floods the reach counting: batches of FLOOD_EVENTS page views (referrer `flood.example`), each
 * with a fresh batch id, 20 in flight, as a beacon would send them (`text/plain`). The server
 * counts one page view per batch (the repeats are dropped).
 */
async function beacons(): Promise<void> {
  const events = JSON.stringify(Array.from({ length: FLOOD_EVENTS }, () => ({ type: 'page.view', host: 'flood.example' })));
  let attempts = 0;
  const send = () =>
    new Promise<number>((resolve, reject) => {
      const body = `{"batchId":"flood-${attempts}-${Math.random().toString(36).slice(2, 10)}","tickerId":"bench","events":${events}}`;
      const req = http.request(`${url}/api/v1/analytics/events`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, localAddress, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  const worker = async () => {
    while (live() && attempts < 200_000) {
      attempts++;
      try {
        count(`http_${await send()}`);
      } catch {
        count('failed');
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  stats.eventsPerBatch = FLOOD_EVENTS;
  stats.countedPerBatch = 1;
}

const modes: Record<string, () => Promise<void>> = { sockets, catchup, frames, beacons };
// When the attack really began (a process takes a while to start on a busy core).
const began = Date.now();
modes[mode]().then(
  () => {
    process.stdout.write(`${JSON.stringify({ mode, began, ...stats })}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`attacker ${mode} failed: ${String(err)}\n`);
    process.exit(1);
  },
);
