import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { usesRedis } from '../config';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { MemoryPresence } from '../realtime/presence';
import { MemoryConnections } from '../realtime/connections';
import { BUS_VERSION } from '../realtime/bus';
import { isBusMessage, isLt } from './ipc';
import type { ToPrimary, ToWorker } from './ipc';

/** A worker that dies is started again after this long, doubling while it keeps dying, ms. */
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;
/** A worker that lived this long is healthy again: its next restart waits the minimum, ms. */
const HEALTHY_AFTER_MS = 60_000;

export interface PrimaryOptions {
  config: Config;
  logger: Logger;
  /** Environment every worker gets besides the primary's own (the ops key, …). */
  env: Record<string, string>;
  /** Called once every worker listens, with the port (the banner). */
  onListening(port: number): void;
}

/**
 * The primary of WORKERS > 1: starts the workers on one port (node:cluster), starts any that
 * dies again (with backoff), and stops them all on SIGTERM/SIGINT, each draining as a lone node
 * does. Without Redis it is the workers' bus (it hands every envelope to every worker) and keeps
 * their throttles (rate-limiter-flexible's cluster master), reader counts and socket counts; with
 * Redis the workers use Redis for all of it, as separate nodes do. It serves no request itself.
 */
export function runPrimary(opts: PrimaryOptions): void {
  const { config } = opts;
  const log = opts.logger.child({ module: 'primary' });
  const presence = new MemoryPresence();
  const connections = new MemoryConnections();
  const aggregator = new AggregatorRegistry();
  if (!usesRedis(config)) new RateLimiterClusterMaster();

  const workers = new Map<number, Worker>();
  const privatePorts: Record<number, number> = {};
  /** Each live worker's node id: its readers and sockets stop counting the moment it exits. */
  const nodeIds = new Map<number, string>();
  const restarts = new Map<number, { delay: number; startedAt: number }>();
  let stopping = false;
  let announced = false;

  const broadcast = (msg: ToWorker) => {
    for (const w of workers.values()) if (w.isConnected()) w.send(msg);
  };

  const rpc = async (method: string, args: unknown[]): Promise<unknown> => {
    switch (method) {
      case 'presence.report':
        return presence.report(args[0] as string, new Map(args[1] as Array<[string, number]>));
      case 'presence.totals':
        return [...(await presence.totals(args[0] as string[]))];
      case 'conns.acquire':
        return connections.acquire(args[0] as string, args[1] as string, args[2] as number);
      case 'conns.release':
        return connections.release(args[0] as string, args[1] as string);
      case 'conns.refresh':
        return connections.refresh(args[0] as string, new Map(args[1] as Array<[string, number]>));
      case 'metrics':
        return aggregator.clusterMetrics();
      default:
        throw new Error(`unknown call ${method}`);
    }
  };

  const onMessage = (worker: Worker, index: number, raw: unknown) => {
    if (!isLt(raw)) return;
    const msg = raw as ToPrimary;
    if (msg.t === 'bus') {
      if (isBusMessage(msg)) broadcast(msg);
      else log.warn({ worker: index }, 'dropping a malformed bus message');
    } else if (msg.t === 'rpc') {
      rpc(msg.method, msg.args).then(
        (result) => worker.isConnected() && worker.send({ ch: 'lt', t: 'rpc-reply', id: msg.id, ok: true, result } satisfies ToWorker),
        (err: unknown) => worker.isConnected() && worker.send({ ch: 'lt', t: 'rpc-reply', id: msg.id, ok: false, error: String(err) } satisfies ToWorker),
      );
    } else if (msg.t === 'listening') {
      privatePorts[index] = msg.privatePort;
      if (typeof msg.nodeId === 'string') nodeIds.set(index, msg.nodeId);
      broadcast({ ch: 'lt', t: 'workers', ports: { ...privatePorts } });
      log.debug({ worker: index, pid: worker.process.pid }, 'worker listening');
      if (!announced && Object.keys(privatePorts).length === config.workers) {
        announced = true;
        opts.onListening(msg.port);
      }
    }
  };

  const start = (index: number) => {
    const worker = cluster.fork({ ...opts.env, LIVETICKER_WORKER: String(index) });
    workers.set(index, worker);
    const startedAt = Date.now();
    worker.on('message', (msg: unknown) => onMessage(worker, index, msg));
    // A send to a worker that is exiting fails (EPIPE) after isConnected() said yes: its exit,
    // handled below, is what counts. Unheard, the error would end the primary (seen when seven
    // workers with 100,000 sockets stopped: one's exit was told to another already going).
    worker.on('error', (err: Error) => log.debug({ worker: index, err: err.message }, 'could not reach a worker'));
    worker.on('exit', (code, signal) => {
      workers.delete(index);
      delete privatePorts[index];
      const nodeId = nodeIds.get(index);
      nodeIds.delete(index);
      if (nodeId) {
        presence.forget(nodeId);
        connections.forget(nodeId);
        // Its editors leave the desks at once, not after the other workers' stale time (IPC bus
        // only: workers on Redis ignore the primary's bus and wait for that time).
        broadcast({ ch: 'lt', t: 'bus', kind: 'control', msg: { v: BUS_VERSION, node: nodeId, type: 'desk', data: { left: true } } });
      }
      broadcast({ ch: 'lt', t: 'workers', ports: { ...privatePorts } });
      if (stopping) {
        log.debug({ worker: index, code, signal }, 'worker stopped');
        if (workers.size === 0) {
          log.info('every worker stopped');
          process.exit(0);
        }
        return;
      }
      const last = restarts.get(index);
      const delay = !last || Date.now() - startedAt > HEALTHY_AFTER_MS ? RESTART_MIN_MS : Math.min(RESTART_MAX_MS, last.delay * 2);
      restarts.set(index, { delay, startedAt });
      log.error({ worker: index, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited: starting it again');
      setTimeout(() => {
        if (!stopping) start(index);
      }, delay);
    });
  };

  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: killing the workers');
      for (const w of workers.values()) w.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, workers: workers.size, deadlineMs: config.shutdownTimeoutMs }, 'stopping the workers gracefully');
    if (workers.size === 0) process.exit(0);
    // Each worker drains as a lone node does (its own deadline); this one is the backstop.
    const hard = setTimeout(() => {
      log.error({ left: workers.size }, 'workers did not stop in time: killing them');
      for (const w of workers.values()) w.process.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    hard.unref();
    for (const w of workers.values()) w.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  log.info({ workers: config.workers, bus: usesRedis(config) ? 'redis' : 'primary (IPC)' }, 'starting workers');
  for (let i = 1; i <= config.workers; i++) start(i);
}
