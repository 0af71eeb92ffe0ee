// Many cheap readers over several processes (raw-readers.ts): each process holds at most
// `perProcess` sockets (one process may open 20,000 files here) from a source address of its own
// (127.0.0.2, 127.0.0.3, …: the ephemeral ports, 28,000 here, are per source address).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { coreBusy, coreTicks, cpuSplitMs } from './harness';
import { pinned } from './servers';
import type { FromReaders, ReadersOptions, ToReaders } from './raw-readers';

export interface FleetOptions {
  url: string;
  stream: string;
  readers: number;
  /** Most sockets one process holds (default 15,000). */
  perProcess?: number;
  /** One reader in this many reads continuously and records latency (default 10). */
  measureEvery?: number;
  /** How often the other readers are drained, ms (default 100). */
  drainMs?: number;
  /** Handshakes under way at once per process (default 250). */
  concurrency?: number;
  /** Cores the reader processes run on (a taskset list), if any. */
  cpu?: string;
  /** The first source address is 127.0.0.<firstAddress> (default 2). */
  firstAddress?: number;
  /** The processes exit after this long whatever happens, ms (default 15 minutes). */
  lifetimeMs?: number;
}

export interface FleetReport {
  delivered: number;
  /** Frames that carried them (the server puts the changes that wait for one frame into it). */
  frames: number;
  /** Deliveries readers missed (a reader that got fewer than expected), and got beyond it. */
  lost: number;
  extra: number;
  /** Readers that got fewer than expected. */
  short: number;
  /** Live sockets the server closed. */
  closed: number;
  /** When the last delivery was read, ms since the epoch. */
  lastAt: number;
  /** Delivery latencies of the measuring readers, ms, sorted. */
  latencies: Float64Array;
}

interface Member {
  proc: ChildProcess;
  readers: number;
  count: { delivered: number; frames: number; lastAt: number };
  waiting: Map<string, (msg: FromReaders) => void>;
  exited: boolean;
}

const CHILD = path.join(__dirname, 'raw-readers.ts');

/** CPU time some processes used so far together, ms. */
export function cpuOf(pids: number[]): { user: number; sys: number } {
  const out = { user: 0, sys: 0 };
  for (const pid of pids) {
    const { user, sys } = cpuSplitMs(pid);
    out.user += user;
    out.sys += sys;
  }
  return out;
}

export class ReaderFleet {
  private constructor(private readonly members: Member[]) {}

  /**
   * Starts the reader processes; resolves once every reader is subscribed (or failed), with the
   * time that took for them all.
   */
  static async connect(opts: FleetOptions): Promise<{ fleet: ReaderFleet; ms: number; ok: number; failed: number; errors: Record<string, number> }> {
    const url = new URL(opts.url);
    const perProcess = opts.perProcess ?? 15_000;
    const processes = Math.ceil(opts.readers / perProcess);
    const first = opts.firstAddress ?? 2;
    if (first + processes > 255) throw new Error(`${processes} reader processes need more source addresses than 127.0.0.${first}–254`);
    const members: Member[] = [];
    const t0 = Date.now();
    for (let i = 0; i < processes; i++) {
      const readers = Math.floor(opts.readers / processes) + (i < opts.readers % processes ? 1 : 0);
      const childOpts: ReadersOptions = {
        port: Number(url.port),
        host: url.hostname,
        localAddress: `127.0.0.${first + i}`,
        stream: opts.stream,
        readers,
        measureEvery: opts.measureEvery ?? 10,
        drainMs: opts.drainMs ?? 100,
        concurrency: opts.concurrency ?? 250,
        lifetimeMs: opts.lifetimeMs ?? 15 * 60_000,
      };
      const [cmd, ...args] = pinned(opts.cpu, [process.execPath, '--import', 'tsx', CHILD, JSON.stringify(childOpts)]);
      const proc = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
      const m: Member = { proc, readers, count: { delivered: 0, frames: 0, lastAt: 0 }, waiting: new Map(), exited: false };
      proc.on('message', (msg: FromReaders) => {
        if (msg.t === 'count') m.count = msg;
        const w = m.waiting.get(msg.t);
        if (w) {
          m.waiting.delete(msg.t);
          w(msg);
        }
      });
      proc.once('exit', () => {
        m.exited = true;
        for (const w of m.waiting.values()) w({ t: 'connected', ok: 0, failed: m.readers, ms: 0, errors: { 'reader process exited': 1 } });
        m.waiting.clear();
      });
      members.push(m);
    }
    const fleet = new ReaderFleet(members);
    const answers = (await Promise.all(members.map((m) => fleet.wait(m, 'connected')))) as Array<Extract<FromReaders, { t: 'connected' }>>;
    const errors: Record<string, number> = {};
    for (const a of answers) for (const [k, n] of Object.entries(a.errors)) errors[k] = (errors[k] ?? 0) + n;
    return { fleet, ms: Date.now() - t0, ok: answers.reduce((n, a) => n + a.ok, 0), failed: answers.reduce((n, a) => n + a.failed, 0), errors };
  }

  private wait(m: Member, t: FromReaders['t'], send?: ToReaders): Promise<FromReaders> {
    return new Promise((resolve) => {
      if (m.exited) return resolve({ t: 'connected', ok: 0, failed: m.readers, ms: 0, errors: {} });
      m.waiting.set(t, resolve);
      if (send) m.proc.send(send);
    });
  }

  get pids(): number[] {
    return this.members.map((m) => m.proc.pid!);
  }

  /** CPU time the reader processes used so far, ms, in user space and in the kernel. */
  cpu(): { user: number; sys: number } {
    return cpuOf(this.pids);
  }

  /** Counts from zero (before the first send). */
  async reset(): Promise<void> {
    await Promise.all(this.members.map((m) => this.wait(m, 'reset', { t: 'reset' })));
    for (const m of this.members) m.count = { delivered: 0, frames: 0, lastAt: 0 };
  }

  /** Deliveries so far (as of the processes' last count, at most 250 ms old). */
  get delivered(): number {
    return this.members.reduce((n, m) => n + m.count.delivered, 0);
  }

  /** Frames read so far that carried deliveries (as of the processes' last count). */
  get frames(): number {
    return this.members.reduce((n, m) => n + m.count.frames, 0);
  }

  /**
   * Waits until `expected` deliveries were read or `untilMs` (epoch) passed, whichever first.
   * Bounded: polls every 100 ms.
   */
  async settle(expected: number, untilMs: number): Promise<void> {
    while (this.delivered < expected && Date.now() < untilMs) await new Promise((r) => setTimeout(r, 100));
  }

  /** What every reader got, `expectedPerReader` being what each should have. */
  async report(expectedPerReader: number): Promise<FleetReport> {
    const parts = (await Promise.all(this.members.map((m) => this.wait(m, 'report', { t: 'report', expectedPerReader })))) as FromReaders[];
    const out: FleetReport = { delivered: 0, frames: 0, lost: 0, extra: 0, short: 0, closed: 0, lastAt: 0, latencies: new Float64Array(0) };
    const lat: Float64Array[] = [];
    for (const p of parts) {
      if (p.t !== 'report') continue;
      out.delivered += p.delivered;
      out.frames += p.frames;
      out.lost += p.lost;
      out.extra += p.extra;
      out.short += p.short;
      out.closed += p.closed;
      out.lastAt = Math.max(out.lastAt, p.lastAt);
      lat.push(p.latencies);
    }
    const all = new Float64Array(lat.reduce((n, l) => n + l.length, 0));
    let at = 0;
    for (const l of lat) {
      all.set(l, at);
      at += l.length;
    }
    out.latencies = all.sort();
    return out;
  }

  /** Ends every reader process (their sockets with them); resolves once they exited. */
  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(
        (m) =>
          new Promise<void>((resolve) => {
            if (m.exited) return resolve();
            m.proc.once('exit', () => resolve());
            if (m.proc.connected) m.proc.send({ t: 'stop' } satisfies ToReaders);
            setTimeout(() => m.proc.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }
}

/** An entry as the fleet's readers measure it: its title stamped `t0=<ms>` as it is sent. */
export function stampedEntry(i: number): { title: string; body: string } {
  return { title: `t0=${Date.now()}`, body: `<p>Update ${i} from the newsroom: the count goes on, district by district, and the turnout is up.</p>` };
}

export interface Delivery {
  /** Entries sent, and deliveries expected (entries × readers). */
  entries: number;
  expected: number;
  report: FleetReport;
  /** From the first send to the end of the wait, ms. */
  wallMs: number;
  /** From the first send to the last delivery read (or the last send), s. */
  elapsedS: number;
  deliveriesPerSec: number;
  /**
   * Deliveries per second over the second half of the sending: a server that cannot keep up
   * delivers at its own pace meanwhile (the whole run's rate depends on its slowest reader).
   */
  sustainedPerSec: number;
  /** Frames per second (socket writes that carried changes) over the same half. */
  sustainedFramesPerSec: number;
  /** CPU time over `wallMs`, ms: the server's processes together, the readers' together. */
  server: { user: number; sys: number };
  readers: { user: number; sys: number };
  /** How busy each core of the machine was meanwhile (anyone's work, the kernel's included), 0–1. */
  cores: number[];
}

/**
 * Sends `rate × seconds` entries on time (`send(i)` stamps its entry `t0=<ms>`), waits until every
 * reader has every entry or `drainMs` after the last send, and measures who got what when, and the
 * CPU the server and the readers spent meanwhile.
 */
export async function deliver(
  fleet: ReaderFleet,
  readers: number,
  opts: { rate: number; seconds: number; drainMs: number; serverPids: () => number[]; send: (i: number) => Promise<void> },
): Promise<Delivery> {
  await fleet.reset();
  const entries = Math.round(opts.rate * opts.seconds);
  const expected = entries * readers;
  const server0 = cpuOf(opts.serverPids());
  const readers0 = fleet.cpu();
  const cores0 = coreTicks();
  const start = Date.now();
  const sends: Promise<void>[] = [];
  let half = { at: start, delivered: 0, frames: 0 };
  for (let i = 0; i < entries; i++) {
    const wait = start + (i * 1000) / opts.rate - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (i === Math.floor(entries / 2)) half = { at: Date.now(), delivered: fleet.delivered, frames: fleet.frames };
    sends.push(opts.send(i));
  }
  const sent = { at: Date.now(), delivered: fleet.delivered, frames: fleet.frames };
  await Promise.all(sends);
  const lastSend = Date.now();
  await fleet.settle(expected, lastSend + opts.drainMs);
  const wallMs = Date.now() - start;
  const server1 = cpuOf(opts.serverPids());
  const readers1 = fleet.cpu();
  const cores = coreBusy(cores0, coreTicks());
  const report = await fleet.report(entries);
  const elapsedS = (Math.max(report.lastAt, lastSend) - start) / 1000;
  return {
    entries,
    expected,
    report,
    wallMs,
    elapsedS,
    deliveriesPerSec: report.delivered / elapsedS,
    sustainedPerSec: (sent.delivered - half.delivered) / Math.max(0.001, (sent.at - half.at) / 1000),
    sustainedFramesPerSec: (sent.frames - half.frames) / Math.max(0.001, (sent.at - half.at) / 1000),
    server: { user: server1.user - server0.user, sys: server1.sys - server0.sys },
    readers: { user: readers1.user - readers0.user, sys: readers1.sys - readers0.sys },
    cores,
  };
}
