import http from 'node:http';
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
import { pagesRouter } from './http/pages';
import { BUS_VERSION } from './realtime/bus';
import type { ControlEnvelope } from './realtime/bus';
import { ChangeLog } from './realtime/changelog';
import { Fanout } from './realtime/fanout';
import { bindSockets } from './realtime/sockets';
import type { SocketData } from './realtime/sockets';
import { tickerChanges } from './tickers/tickers.changes';
import { chatChanges, modChanges } from './chat/chat.changes';
import { chatRouter } from './chat/chat.routes';
import { sendMessage } from './chat/chat.service';
import { Presence } from './realtime/presence';
import { tickersRouter } from './tickers/tickers.routes';

export interface LivetickerServer {
  ctx: AppContext;
  httpServer: http.Server;
  /** The Express app behind `httpServer` (tests list its routes with `listRoutes`). */
  app: Express;
  io: IoServer;
  fanout: Fanout;
  /** Listens (port 0 picks a free one) and resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, disconnects sockets and stops timers; does not close `deps`. */
  close(): Promise<void>;
}

/** Largest Socket.IO frame a client may send, bytes; larger ones close that one socket. */
const MAX_SOCKET_FRAME = 2_000_000;

/** Browser origins allowed to use cookies and open sockets: the server's own and CORS_ORIGINS. */
export function originChecker(allowed: string[], publicUrl: string): (origin: string) => boolean {
  const own = new URL(publicUrl).origin;
  return (origin) => allowed.includes('*') || origin === own || allowed.includes(origin);
}

export async function createServer(deps: Deps): Promise<LivetickerServer> {
  const { config, database, logger } = deps;
  const changeLog = new ChangeLog(database.db);
  changeLog.register('ticker', tickerChanges);
  changeLog.register('chat', chatChanges);
  changeLog.register('mod', modChanges);
  const originAllowed = originChecker(config.corsOrigins, config.publicUrl);

  const httpServer = http.createServer();
  const io = new IoServer(httpServer, {
    maxHttpBufferSize: MAX_SOCKET_FRAME,
    cors: { origin: config.corsOrigins.includes('*') ? true : config.corsOrigins, credentials: true },
    // A browser on a foreign origin is refused before the handshake; non-browsers send no Origin.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      const ok = !origin || originAllowed(origin);
      callback(ok ? null : 'origin not allowed', ok);
    },
  });

  /** Cuts off the local sockets of ended sessions (every node runs this for every such event). */
  const onControl = (msg: ControlEnvelope) => {
    if (msg.type !== 'sessions.ended') return;
    const { userId, sessionIds, reason } = msg.data as { userId: string; sessionIds?: string[]; reason: string };
    for (const socket of io.of('/').sockets.values()) {
      const actor = (socket.data as SocketData).actor;
      if (!actor || actor.id !== userId) continue;
      if (sessionIds && (!actor.sessionId || !sessionIds.includes(actor.sessionId))) continue;
      socket.emit(SOCKET_EVENTS.sessionEnded, { reason });
      socket.disconnect(true);
    }
  };
  const fanout = new Fanout({
    io,
    bus: deps.bus,
    changeLog,
    logger,
    metrics: deps.metrics,
    batchMs: config.fanoutBatchMs,
    releaseAfterMs: config.releaseAfterMs,
    onControl,
  });

  const ctx: AppContext = {
    config,
    logger,
    database,
    db: database.db,
    dialect: database.dialect,
    metrics: deps.metrics,
    changeLog,
    publisher: fanout,
    actors: actorResolver(database.db, config.adminApiKey),
    mailer: deps.mailer,
    limiters: new Limiters({ redis: deps.redis?.main, prefix: config.redisPrefix, specs: config.limitOverrides }),
    redis: deps.redis?.main,
    originAllowed,
    endSessions(userId, sessionIds, reason) {
      const msg: ControlEnvelope = { v: BUS_VERSION, node: deps.nodeId, type: 'sessions.ended', data: { userId, sessionIds, reason } };
      onControl(msg); // this node at once, even when the bus is down
      deps.bus.publishControl(msg).catch((err: unknown) => logger.error({ err }, 'could not broadcast ended sessions'));
    },
  };

  bindSockets(io, ctx, fanout, {
    [SOCKET_EVENTS.chatSend]: async (socket, payload) => ({
      message: await sendMessage(ctx, (socket.data as SocketData).actor, payload),
    }),
  });
  const presence = new Presence({ io, store: deps.presence, nodeId: deps.nodeId, logger });
  const app = createApp(ctx, {
    api: [authRouter(ctx), tickersRouter(ctx), chatRouter(ctx)],
    root: [pagesRouter(ctx)],
    ready: async () => {
      await database.db.selectFrom('streams').select('name').limit(1).execute();
      if (deps.redis) await deps.redis.main.ping();
      return true;
    },
  });
  httpServer.on('request', app);
  await fanout.start();
  presence.start();
  void dummyHash(ctx).catch((err: unknown) => logger.error({ err }, 'could not prepare the login hash'));

  return {
    ctx,
    httpServer,
    app,
    io,
    fanout,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve(httpServer.address() as AddressInfo);
        });
      });
    },
    async close() {
      presence.stop();
      await fanout.close();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}
