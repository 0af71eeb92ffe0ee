import type http from 'node:http';
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
import { createApp } from './http/app';
import { Listener } from './http/listener';
import { MetricsServer } from './http/metrics-server';
import { Readiness } from './http/readiness';
import { Parts } from './lifecycle';
import { pagesRouter } from './http/pages';
import { ControlRouter } from './realtime/control';
import { ChangeLog } from './realtime/changelog';
import { Fanout } from './realtime/fanout';
import { sendToRoom } from './realtime/frames';
import { Desk } from './realtime/desk';
import { deskSocketHandlers } from './realtime/desk.socket';
import { bindSockets } from './realtime/sockets';
import { streamSocketHandlers } from './realtime/streams.socket';
import { SocketSessions } from './realtime/socket-sessions';
import { SocketGuard } from './realtime/socket-guard';
import { FloodBlocks } from './realtime/flood-blocks';
import { trustFunction } from './http/client-ip';
import { tickerChanges } from './tickers/tickers.changes';
import { chatChanges, modChanges } from './chat/chat.changes';
import { chatRouter } from './chat/chat.routes';
import { inboxRouter } from './inbox/inbox.routes';
import { analyticsRouter } from './analytics/analytics.routes';
import { AnalyticsSampler } from './analytics/analytics.sampler';
import { AnalyticsIngest, DailySalt } from './analytics/analytics.service';
import { inboxChanges } from './inbox/inbox.changes';
import { InboxSweep } from './inbox/inbox.sweep';
import { chatSocketHandlers } from './chat/chat.socket';
import { Presence } from './realtime/presence';
import { ReconnectStorm } from './realtime/storm';
import { skipMiddlewaresOnUpgrade } from './realtime/upgrade-middlewares';
import { sharingParser } from './realtime/encoded';
import { tickersRouter } from './tickers/tickers.routes';
import { templatesRouter } from './tickers/templates.routes';
import { findTicker } from './tickers/tickers.repo';
import { PollingRouter } from './cluster/polling';
import { WebhookDeliverer } from './webhooks/deliverer';
import { PushDeliverer } from './push/deliverer';
import { pushRouter } from './push/push.routes';
import { webhooksRouter } from './webhooks/webhooks.routes';
import { mediaApiRouter, mediaFilesRouter } from './media/media.routes';
import { DiskStore } from './media/store';
import type { MediaStore } from './media/store';
import { MissCachingStore } from './media/store.misses';
import { EntryScheduler } from './tickers/scheduler';
import { PollSweep } from './polls/polls.sweep';
import { pollsRouter } from './polls/polls.routes';
import { QuestionSweep } from './questions/questions.sweep';
import { CardSweep } from './cards/cards.sweep';
import { cardsRouter } from './cards/cards.routes';
import { questionsRouter } from './questions/questions.routes';
import { deskQuestionChanges, publicQuestionChanges } from './questions/questions.changes';

export interface LivetickerServer {
  ctx: AppContext;
  httpServer: http.Server;
  /** The Express app behind `httpServer` (tests list its routes with `listRoutes`). */
  app: Express;
  io: IoServer;
  fanout: Fanout;
  sessions: SocketSessions;
  guard: SocketGuard;
  /** The commands a socket may send (each dispatched by one listener per socket: sockets.ts). */
  socketCommands: readonly string[];
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

/**
 * Where uploaded images live. The S3 SDK (about 20 MB of a process's memory) is loaded only when
 * MEDIA_S3_BUCKET names a bucket, at start, so a node that cannot load it does not start.
 */
async function openMediaStore(config: Deps['config'], logger: Deps['logger']): Promise<MediaStore> {
  if (!config.media.s3) return new DiskStore(config.media.dir);
  const { S3Store } = await import('./media/store.s3');
  return new S3Store(config.media.s3, logger.child({ module: 'media' }));
}

/**
 * Builds one node: the context the routes and commands use, and its long-lived parts in the order
 * they start (they stop in reverse, for a deploy's drain as for a close). Does not listen.
 */
export async function createServer(deps: Deps): Promise<LivetickerServer> {
  const { config, database, logger } = deps;
  // First, before anything holds a handle: a store that cannot be opened ends the start here.
  // Uploaded images: an S3-compatible bucket when one is configured, the local disk otherwise;
  // keys it does not have are remembered for a while (guessed keys cost the store one look each).
  const media = new MissCachingStore(await openMediaStore(config, logger));
  const changeLog = new ChangeLog(database.db);
  changeLog.register('ticker', tickerChanges);
  changeLog.register('chat', chatChanges);
  changeLog.register('mod', modChanges);
  changeLog.register('user', inboxChanges);
  changeLog.register('questions', deskQuestionChanges);
  changeLog.register('questions-public', publicQuestionChanges);
  const readiness = new Readiness({ database, nodeId: deps.nodeId, redis: deps.redis?.main });
  const listener = new Listener({ logger: logger.child({ module: 'shutdown' }), metrics: deps.metrics });
  const limiters = new Limiters({ redis: deps.redis?.limits, cluster: Boolean(deps.cluster), prefix: config.redisPrefix, specs: config.limitOverrides });
  const io = new IoServer(listener.httpServer, {
    maxHttpBufferSize: MAX_SOCKET_FRAME,
    // Socket.IO's wire format; an answer many sockets get alike is stringified once (encoded.ts).
    parser: sharingParser,
    // No compression of WebSocket frames, whatever a browser offers: a deflate context costs each
    // socket tens of KB, and the fan-out writes one prebuilt frame to every reader (frames.ts).
    perMessageDeflate: false,
    // An address refused a moment ago is turned away before the upgrade (see SocketGuard).
    // A draining node takes no new sessions (it still serves HTTP for its grace): the client
    // tries again after its backoff, and by then the listener is closed and the proxy sends it on.
    allowRequest: (req, callback) => {
      if (readiness.draining) return callback('this node is restarting; connect again', false);
      return guard.allowRequest(req, callback);
    },
    // With `*`, any page may open an anonymous socket, but the browser sends it no cookie.
    cors: config.corsOrigins.includes('*') ? { origin: true, credentials: false } : { origin: config.corsOrigins, credentials: true },
  });
  skipMiddlewaresOnUpgrade(io.engine);
  const blocks = new FloodBlocks({ redis: deps.redis?.limits, prefix: config.redisPrefix, bus: deps.bus, nodeId: deps.nodeId, logger });
  const guard = new SocketGuard({
    io,
    store: deps.connections,
    nodeId: deps.nodeId,
    logger,
    metrics: deps.metrics,
    blocks,
    trust: trustFunction(config.trustProxy),
    maxPerIp: config.maxSocketsPerIp,
    maxBufferBytes: config.socketMaxBufferBytes,
  });
  // Before any listener of our own: the router takes Engine.IO's place in front of the server.
  const router = deps.cluster ? new PollingRouter(listener.httpServer, io, deps.cluster.index, logger) : undefined;
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
  const control = new ControlRouter({ bus: deps.bus, nodeId: deps.nodeId, logger, sessions, desk, blocks });
  // A whole audience coming back at once (after a deploy): frames wait longer, handshakes first.
  const storm = new ReconnectStorm({ onStorm: () => deps.metrics.storms.inc() });
  io.engine.on('connection', storm.note);
  const fanout = new Fanout({
    io,
    bus: deps.bus,
    changeLog,
    logger,
    metrics: deps.metrics,
    batchMs: config.fanoutBatchMs,
    busyBatchMs: storm.batchMs,
    releaseAfterMs: config.releaseAfterMs,
    healIntervalMs: config.healIntervalMs,
    recentChanges: config.recentChanges,
    onControl: control.receive,
    // One WebSocket frame per change, written straight to each socket that has nothing queued.
    sendToRoom: (room, event, data) => void sendToRoom(io.of('/'), room, event, data),
    // A `sessions.ended` message may have been lost while the bus was down; so may desk lists and flood blocks.
    onBusReconnect: () => {
      void sessions.recheckAll();
      desk.heartbeat();
      void blocks.load().catch((err: unknown) => logger.warn({ err }, 'could not read the flood blocks after the bus came back'));
    },
  });
  const webhooks = new WebhookDeliverer({ db: database.db, changeLog, config, logger, metrics: deps.metrics, nodeId: deps.nodeId });
  const pushes = new PushDeliverer({ db: database.db, changeLog, config, logger, metrics: deps.metrics, nodeId: deps.nodeId });

  const ctx: AppContext = {
    config,
    logger,
    database,
    db: database.db,
    dialect: database.dialect,
    metrics: deps.metrics,
    changeLog,
    // Every committed change may be news for a webhook this node serves, or for a ticker's followers.
    publisher: {
      publish(stream, changes) {
        fanout.publish(stream, changes);
        webhooks.wake();
        if (stream.startsWith('ticker:')) pushes.wake();
      },
    },
    webhooksChanged: () => webhooks.wake(),
    push: { keys: () => pushes.keys(), changed: () => pushes.wake() },
    media,
    actors,
    mailer: deps.mailer,
    limiters,
    redis: deps.redis?.main,
    originAllowed: originChecker(config.corsOrigins, config.publicUrl),
    endSessions: (userId, sessionIds, reason) => control.endSessions(userId, sessionIds, reason),
    sessionsChanged: (userId) => control.sessionsChanged(userId),
  };

  const socketCommands = bindSockets(io, ctx, guard, { ...streamSocketHandlers(ctx, fanout, sessions), ...chatSocketHandlers(ctx, sessions), ...deskSocketHandlers(desk) });
  const presence = new Presence({ io, store: deps.presence, nodeId: deps.nodeId, logger, sendToRoom: (room, event, data) => void sendToRoom(io.of('/'), room, event, data) });
  const inboxSweep = new InboxSweep({ db: database.db, publisher: ctx.publisher, logger, intervalMs: config.inboxSweepMs });
  const analyticsIngest = new AnalyticsIngest(ctx, new DailySalt(database.db), config.analytics.flushMs);
  const analytics = new AnalyticsSampler({
    db: database.db,
    logger,
    online: presence.online,
    sampleMs: config.analytics.sampleMs,
    pruneMs: config.analytics.pruneMs,
    retentionDays: config.analytics.retentionDays,
  });
  const scheduler = new EntryScheduler({ db: database.db, publisher: ctx.publisher, logger, intervalMs: config.schedulerMs });
  const pollSweep = new PollSweep({ db: database.db, publisher: ctx.publisher, logger, intervalMs: config.polls.sweepMs, resultsGapMs: config.polls.resultsGapMs });
  const questionSweep = new QuestionSweep({ db: database.db, publisher: ctx.publisher, logger, intervalMs: config.questions.sweepMs, votesGapMs: config.questions.votesGapMs });
  const cardSweep = new CardSweep({ db: database.db, publisher: ctx.publisher, logger, intervalMs: config.cards.sweepMs, gapMs: config.cards.gapMs });
  const app = createApp(ctx, {
    api: [authRouter(ctx), tickersRouter(ctx), pollsRouter(ctx), questionsRouter(ctx), cardsRouter(ctx), templatesRouter(ctx), chatRouter(ctx), inboxRouter(ctx), analyticsRouter(ctx, analyticsIngest), webhooksRouter(ctx), pushRouter(ctx), mediaApiRouter(ctx)],
    root: [pagesRouter(ctx), mediaFilesRouter(ctx)],
    ready: () => readiness.ready(),
    health: () => readiness.health(),
    draining: () => readiness.draining,
  });
  listener.serve(app);
  // A handshake that was under way when the drain began completes after it: send it away too.
  io.on('connection', (socket) => {
    if (!readiness.draining) return;
    socket.emit(SOCKET_EVENTS.serverShutdown, { reason: 'restart' });
    socket.conn.close();
  });

  // In start order; each stops in reverse. A drain stops the desk first (the other nodes drop
  // this node's editors, who join again where they reconnect), then tells every socket to go.
  const parts = new Parts(
    [
      { name: 'media store', stop: () => media.close() },
      new MetricsServer(ctx),
      { name: 'polling router', stop: () => router?.close() },
      {
        name: 'socket.io',
        stop: async (mode) => {
          if (mode === 'now') {
            io.disconnectSockets(true);
            // Now means now: an answer its client stopped reading would hold the close forever.
            listener.httpServer.closeAllConnections();
          }
          // Closes the HTTP server too (stopped now) or what is left of it (drained).
          await new Promise<void>((resolve) => io.close(() => resolve()));
        },
      },
      { name: 'fan-out', start: () => fanout.start(), stop: () => fanout.close() },
      // Stopped after the listener closed: a delivery under way (bounded by WEBHOOK_TIMEOUT_MS)
      // must not keep the node taking a proxy's new connections past its grace.
      scheduler,
      pollSweep,
      questionSweep,
      cardSweep,
      { name: 'webhooks', start: () => webhooks.start(), stop: () => webhooks.stop() },
      // Like the webhooks: a push under way (bounded by its timeout) ends after the listener closed.
      { name: 'web push', start: () => pushes.start(), stop: () => pushes.stop() },
      inboxSweep,
      { name: 'analytics', start: () => analytics.start(), stop: async () => Promise.all([analytics.stop(), analyticsIngest.stop()]).then(() => undefined) },
      listener,
      guard,
      sessions,
      presence,
      {
        // Tell every socket to go (the SDK reconnects with jitter, elsewhere or here once back),
        // then close its transport: a plain transport close is also what makes any Socket.IO
        // client reconnect by itself, unlike a server-side disconnect.
        name: 'readers',
        stop: (mode) => {
          if (mode !== 'drain') return;
          const sockets = [...io.of('/').sockets.values()];
          logger.child({ module: 'shutdown' }).info({ sockets: sockets.length }, 'draining: telling sockets to reconnect elsewhere');
          for (const socket of sockets) {
            socket.emit(SOCKET_EVENTS.serverShutdown, { reason: 'restart' });
            socket.conn.close();
          }
        },
      },
      desk,
    ],
    logger,
  );
  await parts.start();
  void dummyHash(ctx).catch((err: unknown) => logger.error({ err }, 'could not prepare the login hash'));

  return {
    ctx,
    httpServer: listener.httpServer,
    app,
    io,
    fanout,
    sessions,
    guard,
    socketCommands,
    privatePort,
    setWorkerPorts: (ports) => router?.setPorts(ports),
    listen: (port = config.port, host = config.host) => listener.listen(port, host),
    async shutdown(deadlineMs = config.shutdownTimeoutMs) {
      if (readiness.draining) return;
      readiness.drain();
      listener.drainBudgetMs = deadlineMs;
      const deadline = setTimeout(() => listener.cutAll(), deadlineMs);
      deadline.unref();
      await parts.stop('drain');
      clearTimeout(deadline);
    },
    async close() {
      readiness.drain();
      await parts.stop('now');
    },
  };
}
