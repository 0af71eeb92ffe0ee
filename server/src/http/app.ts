import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { openApiDocument } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { authenticate } from './actor';
import { limitKey, trustFunction } from './client-ip';
import { ANALYTICS_EVENTS_PATH } from '../analytics/analytics.routes';
import { errorHandler, notFound } from './errors';
import { readBudget, readCost } from './read-budget';

/** The CSP of every answer that does not set its own: nothing runs, loads or frames it. */
const DEFAULT_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], sandbox: [] as string[] };

/** Largest JSON body a request may carry. */
export const BODY_LIMIT = '64kb';

function metricsMiddleware(ctx: Pick<AppContext, 'metrics'>): RequestHandler {
  return (req, res, next) => {
    const end = ctx.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const labels = { method: req.method, route: `${req.baseUrl}${route}` };
      end(labels);
      ctx.metrics.httpRequests.inc({ ...labels, status: String(res.statusCode) });
    });
    next();
  };
}

export { READ_COST_BYTES, readCost } from './read-budget';

/**
 * Public reads per client address: READ_RATE_LIMIT points a minute, an answer costing by its size
 * (a 1 MB catch-up counts like 64 small reads), so a flood of history costs its sender, not the
 * server. Staff are not counted. The size is charged once the answer is out; an address over
 * its budget is refused before any work.
 */
function readLimit(ctx: Pick<AppContext, 'config' | 'limiters'>): RequestHandler {
  const budget = readBudget(ctx);
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!budget.counts(req.actor)) return next();
    const key = limitKey(req.ip);
    try {
      await budget.spend(key, 1);
    } catch (err) {
      return next(err);
    }
    // Charged when the connection is done with the answer, sent or not: a reader hanging up
    // early still made the server read and build it (routes that read history say how much).
    res.once('close', () => {
      const bytes = Math.max(Number(res.getHeader('content-length') ?? 0), Number(res.locals.readBytes ?? 0));
      const extra = readCost(bytes) - 1;
      if (extra > 0) void budget.spend(key, extra).catch(() => undefined);
    });
    next();
  };
}

/** Whether an address is this machine's (the peer of the TCP connection, never a header). */
function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

/**
 * `/metrics`: with METRICS_TOKEN, for `Authorization: Bearer <token>` only; without it, for
 * scrapers on this machine only (the connection's own peer address). The numbers tell an
 * attacker how a node is doing; they are not for the public port.
 */
export function metricsHandler(ctx: Pick<AppContext, 'config' | 'metrics'>): RequestHandler {
  const expected = ctx.config.metricsToken ? Buffer.from(`Bearer ${ctx.config.metricsToken}`) : undefined;
  return async (req, res) => {
    if (expected) {
      const given = Buffer.from(req.get('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.status(401).json({ error: { code: 'login_required', message: 'metrics need Authorization: Bearer <METRICS_TOKEN>' } });
        return;
      }
    } else if (!isLoopback(req.socket.remoteAddress) || req.get('x-forwarded-for') !== undefined) {
      // A proxy on this machine forwards other machines' requests: those are not this machine's.
      res.status(403).json({ error: { code: 'forbidden', message: 'metrics are for this machine only; set METRICS_TOKEN or METRICS_PORT to scrape from elsewhere' } });
      return;
    }
    let text: string;
    try {
      text = await ctx.metrics.text();
    } catch (err) {
      // WORKERS > 1: a worker starting or stopping did not answer the primary in time.
      res.set('Retry-After', '5').status(503).json({ error: { code: 'unavailable', message: `metrics are not available now: ${(err as Error).message}` } });
      return;
    }
    res.type(ctx.metrics.contentType).send(text);
  };
}

export interface AppParts {
  /** Routers mounted under /api/v1 (tickers, auth, chat, …). */
  api: express.Router[];
  /** Routers mounted at the root before the 404 (widget pages, static files). */
  root?: express.Router[];
  /** Whether this node should get traffic (not draining, database reachable). */
  ready: () => Promise<{ ok: boolean; reason?: string }>;
  /** Details for /healthz (helpers' states); the node is alive whatever they say. */
  health?: () => Record<string, unknown>;
  /** True while the node drains for a shutdown: answers ask the client to close the connection. */
  draining?: () => boolean;
}

export function createApp(ctx: AppContext, parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustFunction(ctx.config.trustProxy));
  // Every answer carries a CSP that lets nothing run or load: a document this origin did not mean
  // to be one (an error, a JSON body opened in a tab, an SVG) can do nothing with the console's
  // cookie. Pages (sendPage), the rendered fragment, feeds and media set their own instead.
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: DEFAULT_CSP },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
  );
  app.use(metricsMiddleware(ctx));
  app.use((_req, res, next) => {
    // Keep-alive connections would pin clients to a node that is going away.
    if (parts.draining?.()) res.setHeader('Connection', 'close');
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, ...parts.health?.() });
  });
  app.get('/readyz', async (_req, res) => {
    const state = await parts.ready().catch(() => ({ ok: false, reason: 'database_unreachable' }));
    res.status(state.ok ? 200 : 503).json(state);
  });
  // On its own port when METRICS_PORT is set (server.ts); here otherwise, behind its guard.
  if (!ctx.config.metricsPort) app.get('/metrics', metricsHandler(ctx));

  const origins = ctx.config.corsOrigins;
  const api = express.Router();
  const corsCommon = {
    // PUT: a reader's read position in their chats (`PUT /me/chats/:tickerId/read`), from the Chats panel on a news site.
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-None-Match'],
    // Cross-origin widgets read these: ETag for conditional polling, Retry-After on 429.
    exposedHeaders: ['ETag', 'Retry-After'],
    maxAge: 600,
  };
  const named = origins.filter((o) => o !== '*');
  // A named origin gets credentialed CORS; with `*`, every other origin gets anonymous CORS only.
  api.use(
    cors((req, callback) => {
      const origin = req.headers.origin;
      if (origin && named.includes(origin)) return callback(null, { ...corsCommon, origin, credentials: true });
      if (origins.includes('*')) return callback(null, { ...corsCommon, origin: '*', credentials: false });
      callback(null, { ...corsCommon, origin: false });
    }),
  );
  const json = express.json({ limit: BODY_LIMIT, strict: true });
  // The readers' beacons parse their own bodies (text/plain, 64 KB: analytics.routes.ts).
  api.use((req, res, next) => (req.path === ANALYTICS_EVENTS_PATH ? next() : json(req, res, next)));
  api.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(`${ctx.config.publicUrl}/api/v1`));
  });
  const auth = authenticate(ctx.actors, (origin) => ctx.originAllowed(origin), new URL(ctx.config.publicUrl).origin);
  // A beacon is nobody's: a reader's cookie riding along from an article page is not looked at.
  api.use((req, res, next) => (req.path === ANALYTICS_EVENTS_PATH ? next() : auth(req, res, next)));
  api.use(readLimit(ctx));
  for (const router of parts.api) api.use(router);
  api.use(notFound);
  app.use('/api/v1', api);
  for (const router of parts.root ?? []) app.use(router);
  app.use(notFound);
  app.use(errorHandler(ctx.logger.child({ module: 'http' })));
  return app;
}
