// The nemesis: one fault at a time, every 20–60 s (the pause and every choice drawn from its own
// seeded PRNG, so a run is replayed by its seed), each recorded with its window for the checker.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import type { CutProxy } from './proxy';
import type { Rng } from './rng';
import type { SoakNode } from './system';

export type FaultKind = 'kill' | 'term' | 'freeze' | 'stall' | 'hog' | 'redis-restart' | 'redis-pause' | 'pg-restart' | 'cut-pg' | 'cut-redis';

export interface Fault {
  kind: FaultKind;
  target: string;
  /** Date.now() when it began and when the system was whole again (the node ready, Redis back). */
  start: number;
  end: number;
  note: string;
}

/** What the nemesis can hit: the nodes, their proxies, and Redis (one server, or a cluster's masters). */
export interface Targets {
  nodes: SoakNode[];
  pgProxies: CutProxy[];
  /** Empty with a Redis Cluster (its nodes announce their own addresses: no proxy in between). */
  redisProxies: CutProxy[];
  redis: {
    names: string[];
    pid(name: string): number | undefined;
    restart(name: string, downMs: number): Promise<void>;
  };
  /** The soak's own PostgreSQL cluster (absent when the soak runs on the shared server). */
  pg?: {
    name: string;
    restart(mode: 'fast' | 'immediate', downMs: number): Promise<void>;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Nemesis {
  readonly faults: Fault[] = [];
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  /** The fault under way (its kind and target), for a report if the run ends in the middle of one. */
  current?: string;

  constructor(
    private readonly t: Targets,
    private readonly rng: Rng,
    private readonly gap: [number, number],
    private readonly log: (s: string) => void,
    private readonly kinds: FaultKind[],
  ) {}

  start(until: number): void {
    if (this.kinds.length === 0) return;
    this.loop = (async () => {
      for (;;) {
        const wait = this.rng.between(this.gap[0], this.gap[1]) * 1000;
        if (Date.now() + wait >= until) break;
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, wait);
        });
        if (this.stopped) break;
        await this.one();
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async one(): Promise<void> {
    const kind = this.rng.pick(this.kinds);
    const node = this.rng.pick(this.t.nodes);
    const start = Date.now();
    let target = node.name;
    let note = '';
    this.current = kind;
    try {
      switch (kind) {
        case 'kill': {
          node.expectExit = true;
          node.signal('SIGKILL');
          await node.exited(5000);
          const down = this.rng.between(500, 5000);
          await sleep(down);
          node.expectExit = false;
          node.start();
          await node.waitReady();
          note = `down ${down} ms before the restart`;
          break;
        }
        case 'term': {
          node.expectExit = true;
          node.signal('SIGTERM');
          const t0 = Date.now();
          await node.exited(30_000);
          const last = node.exits.at(-1);
          note = `exited in ${Date.now() - t0} ms (code ${last?.code}, signal ${last?.signal})`;
          node.expectExit = false;
          node.start();
          await node.waitReady();
          break;
        }
        case 'freeze': {
          const ms = this.rng.between(5000, 20_000);
          node.signal('SIGSTOP');
          await sleep(ms);
          node.signal('SIGCONT');
          note = `stopped ${ms} ms`;
          break;
        }
        case 'stall': {
          // A full event loop for 2 s: one process of the node (a worker of WORKERS=2) stopped.
          const pids = node.pids();
          const pid = pids.length > 1 ? this.rng.pick(pids.slice(1)) : pids[0];
          process.kill(pid, 'SIGSTOP');
          await sleep(2000);
          process.kill(pid, 'SIGCONT');
          note = `pid ${pid} (${pids.length > 1 ? 'a worker' : 'the node'}) stopped 2 s`;
          break;
        }
        case 'hog': {
          // A CPU hog on the node's core for 2–5 s: the node's processes (every thread) pinned to
          // the core its primary last ran on, a busy process pinned beside them at the same
          // priority, then the node's affinity given back. Unlike `stall` (a process stopped: an
          // event loop that does nothing) the node keeps running at about half a core: slow
          // timers, late pings, slow answers — what a noisy neighbour or a hot loop does.
          const pids = node.pids();
          const cpu = lastCpu(pids[0]);
          const ms = this.rng.between(2000, 5000);
          const masks = pids.map((pid) => /: ([0-9a-f]+)/.exec(execFileSync('taskset', ['-p', String(pid)]).toString())?.[1]);
          for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
          const hog = spawn('taskset', ['-c', String(cpu), process.execPath, '-e', `const end = Date.now() + ${ms}; while (Date.now() < end);`], { stdio: 'ignore' });
          await new Promise((r) => hog.once('exit', r));
          pids.forEach((pid, i) => {
            try {
              if (masks[i]) execFileSync('taskset', ['-a', '-p', masks[i]!, String(pid)], { stdio: 'ignore' });
            } catch {
              // the process is gone (a worker its primary replaced)
            }
          });
          note = `${pids.length} processes pinned to cpu ${cpu} beside a busy process for ${ms} ms`;
          break;
        }
        case 'redis-restart': {
          target = this.rng.pick(this.t.redis.names);
          const down = this.rng.between(500, 3000);
          await this.t.redis.restart(target, down);
          note = `killed, down ${down} ms, started empty`;
          break;
        }
        case 'redis-pause': {
          target = this.rng.pick(this.t.redis.names);
          const pid = this.t.redis.pid(target)!;
          process.kill(pid, 'SIGSTOP');
          await sleep(10_000);
          process.kill(pid, 'SIGCONT');
          note = 'stopped 10 s';
          break;
        }
        case 'pg-restart': {
          // pg_ctl stop -m fast (sessions aborted, a checkpoint) or immediate (a crash: recovery
          // at the start), started again 1–5 s later; the nodes' proxies stay as they are.
          if (!this.t.pg) throw new Error('no PostgreSQL of the soak\'s own');
          target = this.t.pg.name;
          const mode = this.rng.next() < 0.5 ? 'fast' : 'immediate';
          const down = this.rng.between(1000, 5000);
          await this.t.pg.restart(mode, down);
          note = `stopped -m ${mode}, down ${down} ms`;
          break;
        }
        case 'cut-pg':
        case 'cut-redis': {
          const proxies = kind === 'cut-pg' ? this.t.pgProxies : this.t.redisProxies;
          const i = this.t.nodes.indexOf(node);
          const ms = this.rng.between(2000, 8000);
          proxies[i].cut(ms);
          await sleep(ms);
          note = `connections reset and refused ${ms} ms`;
          break;
        }
      }
    } catch (err) {
      note += ` FAILED: ${(err as Error).message}`;
    }
    this.current = undefined;
    const f = { kind, target, start, end: Date.now(), note };
    this.faults.push(f);
    this.log(`fault ${this.faults.length}: ${kind} ${target} (${((f.end - f.start) / 1000).toFixed(1)} s) ${note}`);
  }
}

/** The core a process last ran on (field 39 of /proc/<pid>/stat). */
function lastCpu(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]);
}
