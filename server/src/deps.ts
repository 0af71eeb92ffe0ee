import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { Config } from './config';
import { migrate, openDatabase } from './db/database';
import type { Database } from './db/database';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { createMetrics } from './metrics';
import type { Metrics } from './metrics';
import type { Bus } from './realtime/bus';
import { MemoryBus } from './realtime/bus.memory';
import { MemoryHub } from './realtime/bus.memory';
import { RedisPresence } from './realtime/presence';
import type { PresenceStore } from './realtime/presence';
import { RedisConnections } from './realtime/connections';
import type { ConnectionStore } from './realtime/connections';
import { RedisBus } from './realtime/bus.redis';
import { ShardedRedisBus } from './realtime/bus.sharded';
import { logMailer, smtpMailer } from './mail/mailer';
import { IpcBus, IpcConnections, IpcPresence } from './cluster/ipc';
import type { WorkerChannel } from './cluster/ipc';
import type { Mailer } from './mail/mailer';

export interface Deps {
  config: Config;
  logger: Logger;
  database: Database;
  /**
   * Present when REDIS_URL is set: a general connection (presence, publishing), the subscriber,
   * and one for throttles that never waits (100 ms command timeout, no offline queue): a slow or
   * gone Redis makes throttles fall back to memory at once instead of stalling logins and chat.
   */
  redis?: { main: Redis | Cluster; limits: Redis | Cluster; /** The bus subscriber (REDIS_URL; a cluster's are the bus's own). */ sub?: Redis };
  bus: Bus;
  metrics: Metrics;
  mailer: Mailer;
  presence: PresenceStore;
  /** Sockets per client address over every node. */
  connections: ConnectionStore;
  nodeId: string;
  /** Set in a worker of WORKERS > 1: its index (1…N) and its channel to the primary. */
  cluster?: WorkerOf;
  close(): Promise<void>;
}

export interface WorkerOf {
  index: number;
  channel: WorkerChannel;
}

export interface DepsOptions {
  logger?: Logger;
  /** Share one in-process hub between servers of one process (multi-node tests without Redis). */
  memoryHub?: MemoryHub;
  /** This process is a worker of WORKERS > 1 (see cluster/primary.ts). */
  cluster?: WorkerOf;
}

/**
 * The throttles' own Redis connection never waits: a command gets 100 ms, and none is queued or
 * retried while Redis is away, so the in-memory stand-in answers at once.
 */
export const LIMITS_REDIS_OPTIONS: RedisOptions = { commandTimeout: 100, enableOfflineQueue: false, maxRetriesPerRequest: 0 };

/** How long a starting node waits for Redis before it goes on without it, ms. */
const REDIS_START_WAIT_MS = 3000;

/**
 * Connects, but a node whose Redis is away (an outage during a deploy, a restart in the wrong
 * order) still starts: the database is the truth, the clients keep reconnecting in the
 * background, and the bus resubscribes and heals the streams once Redis answers.
 */
/** `where`: what the log names (no password in it). */
async function connectOrCarryOn(clients: Array<{ connect(): Promise<void> }>, log: Logger, where: string): Promise<void> {
  const attempts = clients.map((c) => c.connect());
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), REDIS_START_WAIT_MS);
  });
  try {
    const outcome = await Promise.race([Promise.all(attempts).then(() => 'ready' as const), waited]);
    if (outcome === 'ready') return;
    log.warn({ redis: where }, 'redis is slow to answer: starting without it; it is used as soon as it connects');
  } catch (err) {
    log.warn({ err, redis: where }, 'redis is not reachable: starting on the database alone; it is used again as soon as it is back');
  } finally {
    clearTimeout(timer);
    // The clients reconnect by themselves; a first attempt that failed is not an error to report twice.
    for (const a of attempts) a.catch(() => undefined);
  }
}

/** A Redis URL without its password, for the log. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}

function redisClient(url: string, logger: Logger, role: string, extra: RedisOptions = {}): Redis {
  return reportErrors(new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, connectionName: `liveticker-${role}`, ...extra }), logger, role);
}

/**
 * A Redis Cluster client. Its slot map is refreshed every 2 s (and after MOVED or a lost node),
 * which is also when the sharded bus moves its subscriptions (see ShardedRedisBus).
 */
function clusterClient(nodes: Array<{ host: string; port: number }>, logger: Logger, role: string, extra: RedisOptions = {}, opts: ClusterOptions = {}): Cluster {
  return reportErrors(
    new Cluster(nodes, {
      lazyConnect: true,
      slotsRefreshInterval: 2000,
      redisOptions: { connectionName: `liveticker-${role}`, ...extra },
      ...opts,
    }),
    logger,
    role,
  );
}

function reportErrors<C extends Redis | Cluster>(client: C, logger: Logger, role: string): C {
  let reported = false;
  client.on('error', (err: Error) => {
    // ioredis retries on its own; log an outage once, not on every retry.
    if (!reported) logger.warn({ err: err.message, role }, 'redis connection error');
    reported = true;
  });
  client.on('ready', () => {
    reported = false;
  });
  return client;
}

/** Builds the process-wide parts and, in `close()`, closes them in reverse. */
export async function createDeps(config: Config, opts: DepsOptions = {}): Promise<Deps> {
  const logger = opts.logger ?? createLogger(config.logLevel, config.logFormat);
  const nodeId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const database = await openDatabase(config.databaseUrl, logger.child({ module: 'db' }));
    closers.push(() => database.close());
    const applied = await migrate(database.db);
    if (applied.length) logger.child({ module: 'db' }).info({ applied, dialect: database.dialect }, 'migrations applied');

    let bus: Bus;
    let presence: PresenceStore;
    let connections: ConnectionStore;
    let redis: Deps['redis'];
    if (config.redisCluster) {
      const log = logger.child({ module: 'redis' });
      const auth = config.redisClusterAuth;
      const main = clusterClient(config.redisCluster, log, 'main', auth);
      const limits = clusterClient(config.redisCluster, log, 'limits', { ...auth, commandTimeout: LIMITS_REDIS_OPTIONS.commandTimeout }, { enableOfflineQueue: false, maxRedirections: 2 });
      // The shard subscribers are connections of their own: they need the same credentials.
      const sharded = new ShardedRedisBus(nodeId, main, config.redisPrefix, log, auth);
      closers.push(async () => {
        await sharded.close();
        main.disconnect();
        limits.disconnect();
      });
      await connectOrCarryOn([main, limits], log, config.redisCluster.map((n) => `${n.host}:${n.port}`).join(','));
      redis = { main, limits };
      bus = sharded;
      presence = new RedisPresence(main, config.redisPrefix);
      connections = new RedisConnections(limits, config.redisPrefix);
    } else if (config.redisUrl) {
      const log = logger.child({ module: 'redis' });
      const main = redisClient(config.redisUrl, log, 'main');
      const sub = redisClient(config.redisUrl, log, 'sub');
      const limits = redisClient(config.redisUrl, log, 'limits', LIMITS_REDIS_OPTIONS);
      closers.push(async () => {
        main.disconnect();
        sub.disconnect();
        limits.disconnect();
      });
      await connectOrCarryOn([main, sub, limits], log, redactUrl(config.redisUrl));
      redis = { main, sub, limits };
      bus = new RedisBus(nodeId, main, sub, config.redisPrefix, log);
      presence = new RedisPresence(main, config.redisPrefix);
      // On the throttles' connection: a handshake never waits for a slow Redis (a local count stands in).
      connections = new RedisConnections(limits, config.redisPrefix);
    } else if (opts.cluster) {
      // The workers of one machine without Redis: the primary relays and keeps the counts.
      bus = new IpcBus(nodeId, opts.cluster.channel);
      presence = new IpcPresence(opts.cluster.channel);
      connections = new IpcConnections(opts.cluster.channel);
    } else {
      const hub = opts.memoryHub ?? new MemoryHub();
      bus = new MemoryBus(nodeId, hub);
      presence = hub.presence;
      connections = hub.connections;
    }
    const mailer = config.smtpUrl ? await smtpMailer(config.smtpUrl, config.mailFrom, logger) : logMailer(logger, { links: config.mailLogLinks });
    closers.push(async () => mailer.close());
    return {
      config,
      logger,
      database,
      redis,
      bus,
      mailer,
      presence,
      connections,
      metrics: createMetrics(opts.cluster?.channel),
      nodeId,
      cluster: opts.cluster,
      async close() {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
}
