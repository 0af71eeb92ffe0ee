import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Server as IoServer } from 'socket.io';
import { SOCKET_EVENTS } from '@liveticker/schemas';
import type { Deps } from './deps';
import type { AppContext } from './context';
import { authRouter } from './auth/auth.routes';
import { dummyHash } from './auth/auth.service';
import { Limiters } from './auth/limits';
import { actorResolver } from './auth/resolve';
import { createApp, metricsHandler } from './http/app';
import express from 'express';
import { pagesRouter } from './http/pages';
import { BUS_VERSION } from './realtime/bus';
import type { ControlEnvelope } from './realtime/bus';
import { ChangeLog } from './realtime/changelog';
import { Fanout } from './realtime/fanout';
import { Desk } from './realtime/desk';
import { bindSockets } from './realtime/sockets';
import { SocketSessions } from './realtime/socket-sessions';
import { SocketGuard } from './realtime/socket-guard';
import { trustFunction } from './http/client-ip';
import { tickerChanges } from './tickers/tickers.changes';
import { chatChanges, modChanges } from './chat/chat.changes';
import { chatRouter } from './chat/chat.routes';
import { sendMessage } from './chat/chat.service';
import { Presence } from './realtime/presence';
import { tickersRouter } from './tickers/tickers.routes';
import { templatesRouter } from './tickers/templates.routes';
import { findTicker } from './tickers/tickers.repo';
import { PollingRouter } from './cluster/polling';
import { WebhookDeliverer } from './webhooks/deliverer';
import { webhooksRouter } from './webhooks/webhooks.routes';
import { mediaApiRouter, mediaFilesRouter } from './media/media.routes';
import { DiskStore } from './media/store';
import { S3Store } from './media/store.s3';
import { MissCachingStore } from './media/store.misses';
import { EntryScheduler } from './tickers/scheduler';

export interface LivetickerServer {
  ctx: AppContext;
  httpServer: http.Server;
  /** The Express app behind `httpServer` (tests list its routes with `listRoutes`). */
  app: Express;
  io: IoServer;
  fanout: Fanout;
  sessions: SocketSessions;
  guard: SocketGuard;
  /** In a worker of WORKERS > 1: the loopback port other workers pass this worker's polling requests to. */
  privatePort?: number;
  /** In a worker of WORKERS > 1: where the other workers' polling sessions are reached. */
  setWorkerPorts(ports: Record<number, number>): void;
  /** Listens (port 0 picks a free one) and resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /**
   * A graceful stop (a deploy): `/readyz` answers 503 at once, no new connections are taken,
   * every socket is told to reconnect elsewhere, in-flight requests finish — all bounded by
   * `deadlineMs`, after which the remaining connections are cut. Does not close `deps`.
   */
  shutdown(deadlineMs?: number): Promise<void>;
  /** Stops at once: disconnects sockets and stops timers; does not close `deps`. */
  close(): Promise<void>;
}

/**
 * Largest Socket.IO frame a client may send, bytes; a larger one closes that one socket. The
 * largest real command is a chat message: 500 code points (≤ 2 KB as UTF-8, ≤ 3 KB escaped) plus
 * a few ids, so 16 KB leaves room and keeps a hostile client from making the node parse megabytes.
 */
export const MAX_SOCKET_FRAME = 16 * 1024;

/**
 * Browser origins allowed to use cookies (credentialed writes, cookie handshakes): the server's
 * own and those CORS_ORIGINS names. `*` never counts here: it opens anonymous reads to every
 * origin, never a reader's cookie to a page that is not named.
 */
export function originChecker(allowed: string[], publicUrl: string): (origin: string) => boolean {
  const own = new URL(publicUrl).origin;
  return (origin) => origin === own || allowed.includes(origin);
}

/** How long a draining node keeps idle keep-alive connections for their next request, ms. */
const DRAIN_GRACE_MS = 2000;

/** Connections the kernel may queue for accept (capped by net.core.somaxconn). */
const LISTEN_BACKLOG = 4096;

/** While storage is full, `/readyz` tries a write at most this often, ms. */
const PROBE_EVERY_MS = 2000;

/** A write about the size of an entry, undone in the same transaction: does storage take it? */
async function probeWrite(db: AppContext['db'], nodeId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('health_probe').values({ node: nodeId, at: new Date().toISOString(), pad: 'x'.repeat(4096) }).execute();
    await trx.deleteFrom('health_probe').where('node', '=', nodeId).execute();
  });
}

export async function createServer(deps: Deps): Promise<LivetickerServer> {
  const { config, database, logger } = deps;
  const changeLog = new ChangeLog(database.db);
  changeLog.register('ticker', tickerChanges);
  changeLog.register('chat', chatChanges);
  changeLog.register('mod', modChanges);
  const originAllowed = originChecker(config.corsOrigins, config.publicUrl);

  const httpServer = http.createServer();
  // Longer than a proxy's upstream keep-alive (nginx: 60 s): the proxy, not the node, closes an
  // idle connection, so it never sends a request on one the node has just closed.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  let guard: SocketGuard | undefined;
  const io = new IoServer(httpServer, {
    maxHttpBufferSize: MAX_SOCKET_FRAME,
    // An address refused a moment ago is turned away before the upgrade (see SocketGuard).
    // A draining node takes no new sessions (it still serves HTTP for its grace): the client
    // tries again after its backoff, and by then the listener is closed and the proxy sends it on.
    allowRequest: (req, callback) => {
      if (draining) return callback('this node is restarting; connect again', false);
      return guard ? guard.allowRequest(req, callback) : callback(null, true);
    },
    // With `*`, any page may open an anonymous socket, but the browser sends it no cookie.
    cors: config.corsOrigins.includes('*') ? { origin: true, credentials: false } : { origin: config.corsOrigins, credentials: true },
  });
  // Before any listener of our own: the router takes Engine.IO's place in front of the server.
  const router = deps.cluster ? new PollingRouter(httpServer, io, deps.cluster.index, logger) : undefined;
  const privatePort = await router?.install();
  const actors = actorResolver(database.db, config.adminApiKey);
  const sessions = new SocketSessions({ io, actors, logger, recheckMs: config.sessionRecheckMs });
  const desk = new Desk({
    io,
    bus: deps.bus,
    logger,
    currentActor: (socket) => sessions.current(socket),
    tickerExists: async (id) => (await findTicker(database.db, id)) !== undefined,
    heartbeatMs: config.desk.heartbeatMs,
    staleMs: config.desk.staleMs,
  });

  /** Cuts off the local sockets of ended sessions (every node runs this for every such event). */
  const onControl = (msg: ControlEnvelope) => {
    if (msg.type === 'sessions.ended') {
      const { userId, sessionIds, reason } = msg.data as { userId: string; sessionIds?: string[]; reason: string };
      sessions.endLocal(userId, sessionIds, reason);
    } else if (msg.type === 'sessions.changed') {
      const { userId } = msg.data as { userId: string };
      void sessions.recheckUser(userId).catch((err: unknown) => logger.warn({ err }, 'session re-check failed'));
    } else if (msg.type === 'desk') {
      desk.receive(msg);
    }
  };
  let draining = false;
  let lastProbe = 0;
  // Every raw connection, upgraded ones included: closeAllConnections() leaves WebSockets alone,
  // and a dead peer can hold a close handshake open far past the shutdown deadline.
  const connections = new Set<import('node:net').Socket>();
  const acceptedAt = new WeakMap<import('node:net').Socket, number>();
  httpServer.on('connection', (conn) => {
    acceptedAt.set(conn, performance.now());
    connections.add(conn);
    conn.once('close', () => connections.delete(conn));
  });
  const fanout = new Fanout({
    io,
    bus: deps.bus,
    changeLog,
    logger,
    metrics: deps.metrics,
    batchMs: config.fanoutBatchMs,
    releaseAfterMs: config.releaseAfterMs,
    healIntervalMs: config.healIntervalMs,
    recentChanges: config.recentChanges,
    onControl,
    // A `sessions.ended` message may have been lost while the bus was down; so may desk lists.
    onBusReconnect: () => {
      void sessions.recheckAll();
      desk.heartbeat();
    },
  });

  const webhooks = new WebhookDeliverer({ db: database.db, changeLog, config, logger, metrics: deps.metrics, nodeId: deps.nodeId });
  // Uploaded images: an S3-compatible bucket when one is configured, the local disk otherwise;
  // keys it does not have are remembered for a while (guessed keys cost the store one look each).
  const media = new MissCachingStore(config.media.s3 ? new S3Store(config.media.s3, logger.child({ module: 'media' })) : new DiskStore(config.media.dir));
  const ctx: AppContext = {
    config,
    logger,
    database,
    db: database.db,
    dialect: database.dialect,
    metrics: deps.metrics,
    changeLog,
    // Every committed change may be news for a webhook this node serves.
    publisher: {
      publish(stream, changes) {
        fanout.publish(stream, changes);
        webhooks.wake();
      },
    },
    webhooksChanged: () => webhooks.wake(),
    media,
    actors,
    mailer: deps.mailer,
    limiters: new Limiters({ redis: deps.redis?.limits, cluster: Boolean(deps.cluster), prefix: config.redisPrefix, specs: config.limitOverrides }),
    redis: deps.redis?.main,
    originAllowed,
    endSessions(userId, sessionIds, reason) {
      const msg: ControlEnvelope = { v: BUS_VERSION, node: deps.nodeId, type: 'sessions.ended', data: { userId, sessionIds, reason } };
      onControl(msg); // this node at once, even when the bus is down
      deps.bus.publishControl(msg).catch((err: unknown) => logger.error({ err }, 'could not broadcast ended sessions'));
    },
    sessionsChanged(userId) {
      const msg: ControlEnvelope = { v: BUS_VERSION, node: deps.nodeId, type: 'sessions.changed', data: { userId } };
      onControl(msg);
      // Lost while the bus is down? Every socket re-checks within a minute and on its next write.
      deps.bus.publishControl(msg).catch((err: unknown) => logger.warn({ err }, 'could not broadcast changed sessions'));
    },
  };

  guard = new SocketGuard({
    io,
    store: deps.connections,
    nodeId: deps.nodeId,
    logger,
    metrics: deps.metrics,
    limiters: ctx.limiters,
    trust: trustFunction(config.trustProxy),
    maxPerIp: config.maxSocketsPerIp,
    maxBufferBytes: config.socketMaxBufferBytes,
  });
  bindSockets(io, ctx, fanout, sessions, guard, {
    // A write checks the session as the database has it now (verified since, banned, expired).
    [SOCKET_EVENTS.chatSend]: async (socket, payload) => ({
      message: await sendMessage(ctx, await sessions.current(socket), payload),
    }),
    ...desk.handlers,
  });
  const presence = new Presence({ io, store: deps.presence, nodeId: deps.nodeId, logger });
  const app = createApp(ctx, {
    api: [authRouter(ctx), tickersRouter(ctx), templatesRouter(ctx), chatRouter(ctx), webhooksRouter(ctx), mediaApiRouter(ctx)],
    root: [pagesRouter(ctx), mediaFilesRouter(ctx)],
    // Ready = this node can serve: it is not draining and its database answers. Redis is a
    // helper (throttles fall back to memory, streams heal from the database), so a Redis outage
    // must not make every node unready at once; its state is in /healthz and the metrics.
    ready: async () => {
      if (draining) return { ok: false, reason: 'draining' };
      if (database.health.failing) {
        // Disk full: not ready until a small write of our own goes through again.
        if (Date.now() - lastProbe < PROBE_EVERY_MS) return { ok: false, reason: 'storage_full' };
        lastProbe = Date.now();
        await probeWrite(database.db, deps.nodeId).catch(() => undefined);
        return database.health.failing ? { ok: false, reason: 'storage_full' } : { ok: true };
      }
      await database.db.selectFrom('streams').select('name').limit(1).execute();
      return { ok: true };
    },
    health: () => ({ draining, redis: deps.redis ? deps.redis.main.status : 'off', storage: database.health.failing ? 'full' : 'ok' }),
    draining: () => draining,
  });
  // Socket.IO's own listener answers its path (the long-polling transport); Express must not
  // answer it too, or every polling request gets a 404 before Engine.IO's answer.
  httpServer.on('request', (req, res) => {
    const at = acceptedAt.get(req.socket);
    if (at !== undefined) {
      acceptedAt.delete(req.socket);
      deps.metrics.firstRequestWait.observe((performance.now() - at) / 1000);
    }
    if (req.url?.startsWith('/socket.io/')) return;
    app(req, res);
  });
  // A handshake that was under way when the drain began completes after it: send it away too.
  io.on('connection', (socket) => {
    if (!draining) return;
    socket.emit(SOCKET_EVENTS.serverShutdown, { reason: 'restart' });
    socket.conn.close();
  });
  // METRICS_PORT: /metrics alone, on loopback, apart from the public port.
  let metricsServer: http.Server | undefined;
  if (config.metricsPort) {
    const metricsApp = express();
    metricsApp.disable('x-powered-by');
    metricsApp.get('/metrics', metricsHandler(ctx));
    metricsServer = http.createServer(metricsApp);
    await new Promise<void>((resolve, reject) => {
      metricsServer!.once('error', reject);
      metricsServer!.listen(config.metricsPort, '127.0.0.1', () => resolve());
    });
  }
  const closeMetrics = () => new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
  await fanout.start();
  presence.start();
  desk.start();
  sessions.start();
  guard.start();
  webhooks.start();
  const scheduler = new EntryScheduler({ db: database.db, publisher: ctx.publisher, logger, intervalMs: config.schedulerMs });
  scheduler.start();
  void dummyHash(ctx).catch((err: unknown) => logger.error({ err }, 'could not prepare the login hash'));

  return {
    ctx,
    httpServer,
    app,
    io,
    fanout,
    sessions,
    guard,
    privatePort,
    setWorkerPorts: (ports) => router?.setPorts(ports),
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        // A deep accept queue: a reconnect storm, or a flood of handshakes from one address, must
        // not drop the SYN of an editor's request (Node's default is 511; the kernel caps it at
        // net.core.somaxconn).
        httpServer.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
          httpServer.off('error', reject);
          resolve(httpServer.address() as AddressInfo);
        });
      });
    },
    async shutdown(deadlineMs = config.shutdownTimeoutMs) {
      if (draining) return;
      draining = true;
      const log = logger.child({ module: 'shutdown' });
      const deadline = setTimeout(() => {
        log.warn({ connections: connections.size }, 'shutdown deadline reached: cutting the remaining connections');
        httpServer.closeAllConnections();
        for (const conn of connections) conn.destroy();
      }, deadlineMs);
      deadline.unref();
      // The other nodes drop this node's editors now; they join again where they reconnect.
      await desk.stop();
      // Tell every socket to go (the SDK reconnects with jitter, elsewhere or here once back),
      // then close its transport: a plain transport close is also what makes any Socket.IO
      // client reconnect by itself, unlike a server-side disconnect.
      const sockets = [...io.of('/').sockets.values()];
      log.info({ sockets: sockets.length }, 'draining: telling sockets to reconnect elsewhere');
      for (const socket of sockets) {
        socket.emit(SOCKET_EVENTS.serverShutdown, { reason: 'restart' });
        socket.conn.close();
      }
      presence.stop();
      sessions.stop();
      guard.stop();
      // Deliveries under way finish (each is bounded by its timeout); the endpoints go back at once.
      const webhooksStopped = webhooks.stop();
      const schedulerStopped = scheduler.stop();
      // For a grace the node still takes connections and serves them, every answer saying
      // `Connection: close`, so the connections in use end cleanly after their next answer and a
      // proxy's pool of them empties. Closing the listening socket at once would reset every
      // connection still in the kernel's accept queue: a proxy that had just sent an editor's
      // POST on one gets a reset (a 502 it must not retry, as the POST may have been taken).
      // After the grace the listener closes (a proxy's new connections are refused, which it
      // retries on another node) and so do the connections still idle; http.Server#close would
      // have closed those at once, under a proxy that may be sending on one at that moment.
      await new Promise((resolve) => setTimeout(resolve, Math.min(DRAIN_GRACE_MS, deadlineMs / 4)).unref());
      const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(httpServer, () => resolve()));
      httpServer.closeIdleConnections();
      await closed;
      await webhooksStopped;
      await schedulerStopped;
      clearTimeout(deadline);
      await fanout.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await router?.close();
      await closeMetrics();
      media.close();
    },
    async close() {
      draining = true;
      await desk.stop();
      presence.stop();
      sessions.stop();
      guard.stop();
      await webhooks.stop();
      await scheduler.stop();
      await fanout.close();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      await router?.close();
      await closeMetrics();
      media.close();
    },
  };
}
