import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import type { Deps } from './deps';
import type { AppContext } from './context';
import { opsKeyResolver } from './auth/resolve';
import { createApp } from './http/app';
import { ChangeLog } from './realtime/changelog';
import { Fanout } from './realtime/fanout';
import { bindSockets } from './realtime/sockets';
import { tickerChanges } from './tickers/tickers.changes';
import { tickersRouter } from './tickers/tickers.routes';

export interface LivetickerServer {
  ctx: AppContext;
  httpServer: http.Server;
  io: IoServer;
  fanout: Fanout;
  /** Listens (port 0 picks a free one) and resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, disconnects sockets and stops timers; does not close `deps`. */
  close(): Promise<void>;
}

/** Largest Socket.IO frame a client may send, bytes; larger ones close that one socket. */
const MAX_SOCKET_FRAME = 2_000_000;

/** Whether a browser Origin may open a socket: the server's own origin or one of CORS_ORIGINS. */
export function originAllowed(origin: string | undefined, allowed: string[], publicUrl: string): boolean {
  if (!origin) return true; // not a browser (SDK in Node, CLI): it authenticates by token
  if (allowed.includes('*')) return true;
  return origin === new URL(publicUrl).origin || allowed.includes(origin);
}

export async function createServer(deps: Deps): Promise<LivetickerServer> {
  const { config, database } = deps;
  const logger = deps.logger;
  const changeLog = new ChangeLog(database.db);
  changeLog.register('ticker', tickerChanges);

  const httpServer = http.createServer();
  const io = new IoServer(httpServer, {
    maxHttpBufferSize: MAX_SOCKET_FRAME,
    cors: { origin: config.corsOrigins.includes('*') ? true : config.corsOrigins, credentials: true },
    allowRequest: (req, callback) => {
      const ok = originAllowed(req.headers.origin, config.corsOrigins, config.publicUrl);
      callback(ok ? null : 'origin not allowed', ok);
    },
  });
  const fanout = new Fanout({
    io,
    bus: deps.bus,
    changeLog,
    logger,
    metrics: deps.metrics,
    batchMs: config.fanoutBatchMs,
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
    actors: opsKeyResolver(config.adminApiKey),
  };

  bindSockets(io, ctx, fanout);
  const app = createApp(ctx, {
    api: [tickersRouter(ctx)],
    ready: async () => {
      await database.db.selectFrom('streams').select('name').limit(1).execute();
      if (deps.redis) await deps.redis.main.ping();
      return true;
    },
  });
  httpServer.on('request', app);
  await fanout.start();

  return {
    ctx,
    httpServer,
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
      await fanout.close();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}
