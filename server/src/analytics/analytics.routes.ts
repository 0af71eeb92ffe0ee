import express, { Router } from 'express';
import { ANALYTICS_MAX_BYTES } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { limitKey } from '../http/client-ip';
import { tickerIdParam } from '../http/params';
import { overview, overviewCsv, reportCsv, tickerReport } from './analytics.service';
import type { AnalyticsIngest } from './analytics.service';

/** The path of the readers' beacons, which parses its own body (`text/plain` too, at most 64 KB). */
export const ANALYTICS_EVENTS_PATH = '/analytics/events';

/**
 * `POST /analytics/events` (the widget's beacons: no cookie, no address kept, 204 whatever was
 * counted), `GET /tickers/:id/analytics` and `GET /analytics` (the desk's Reach; CSV with
 * `Accept: text/csv`).
 */
export function analyticsRouter(ctx: AppContext, ingest: AnalyticsIngest): Router {
  const r = Router();
  const body = [
    express.text({ type: 'text/plain', limit: ANALYTICS_MAX_BYTES }),
    express.json({ type: 'application/json', limit: ANALYTICS_MAX_BYTES, strict: true }),
  ];
  r.post(ANALYTICS_EVENTS_PATH, ...body, async (req, res) => {
    let parsed: unknown = req.body;
    if (typeof parsed === 'string') {
      try {
        parsed = JSON.parse(parsed);
      } catch {
        throw new AppError('validation_failed', 'the batch is not JSON', [{ path: '', message: 'not JSON' }]);
      }
    }
    if (parsed === undefined) throw new AppError('unsupported_media_type', 'send the batch as text/plain or application/json');
    const origin = req.get('origin') ?? originOf(req.get('referer')) ?? '';
    await ingest.ingest({ ip: req.ip ?? '', ipKey: limitKey(req.ip), origin, userAgent: req.get('user-agent') ?? '' }, parsed);
    res.status(204).end();
  });
  r.get('/tickers/:id/analytics', async (req, res) => {
    const report = await tickerReport(ctx, req.actor, tickerIdParam(req.params.id), req.query);
    if (req.accepts(['json', 'text/csv']) === 'text/csv') res.type('text/csv').attachment(`${report.tickerId}-analytics.csv`).send(reportCsv(report));
    else res.json(report);
  });
  r.get('/analytics', async (req, res) => {
    const o = await overview(ctx, req.actor, req.query);
    if (req.accepts(['json', 'text/csv']) === 'text/csv') res.type('text/csv').attachment('analytics.csv').send(overviewCsv(o));
    else res.json(o);
  });
  return r;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
