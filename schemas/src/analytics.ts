import { z } from 'zod';
import { Id, IsoDate, Slug } from './common';

/** Most events one batch may carry; more is a 413. */
export const ANALYTICS_MAX_EVENTS = 200;
/** Largest batch body, bytes; more is a 413. */
export const ANALYTICS_MAX_BYTES = 64 * 1024;

/** A host name as a referrer or an outbound link names it (no scheme, no path, no port). */
const Host = z
  .string()
  .max(253)
  .regex(/^[a-z0-9.-]+$/i, 'a host name')
  .transform((h) => h.toLowerCase());

/**
 * One thing a reader did, as the widget reports it. An event that fails its schema (an unknown
 * type, a bad field) is dropped and counted as dropped; the batch is not refused for it.
 */
export const AnalyticsEvent = z.discriminatedUnion('type', [
  /** The page with the ticker was shown: where the reader came from, and whether a push click brought them. */
  z.strictObject({ type: z.literal('page.view'), host: Host.optional(), fromPush: z.boolean().optional() }),
  /** An entry was at least half visible for at least a second (once per entry per page view). */
  z.strictObject({ type: z.literal('entry.view'), entryId: Id }),
  /** Seconds an entry was in view, summed since the last batch. */
  z.strictObject({ type: z.literal('entry.time'), entryId: Id, seconds: z.number().int().min(1).max(3600) }),
  z.strictObject({ type: z.literal('teaser.click'), entryId: Id }),
  /** An outbound link in an entry: its host only. */
  z.strictObject({ type: z.literal('link.click'), entryId: Id.optional(), host: Host }),
  z.strictObject({ type: z.literal('embed.consent'), provider: z.string().regex(/^[a-z0-9-]{1,40}$/) }),
  z.strictObject({ type: z.literal('follow.start') }),
  z.strictObject({ type: z.literal('follow.stop') }),
  z.strictObject({ type: z.literal('poll.vote'), entryId: Id }),
  z.strictObject({ type: z.literal('question.ask') }),
]);
export type AnalyticsEvent = z.infer<typeof AnalyticsEvent>;

/**
 * `POST /analytics/events` (as `text/plain` from `navigator.sendBeacon`, or `application/json`):
 * `batchId` names the batch, so a retried beacon counts once. `events` are checked one by one.
 */
export const AnalyticsBatch = z.strictObject({
  batchId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8–64 letters, digits, _ or -'),
  tickerId: Slug,
  events: z.array(z.unknown()).max(ANALYTICS_MAX_EVENTS),
});
export type AnalyticsBatch = z.infer<typeof AnalyticsBatch>;

export const AnalyticsBucket = z.enum(['minute', 'hour', 'day']);
export type AnalyticsBucket = z.infer<typeof AnalyticsBucket>;

/** `GET /tickers/:id/analytics` and `GET /analytics`: a time range (default: the ticker's coverage) in buckets. */
export const AnalyticsQuery = z.strictObject({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  bucket: AnalyticsBucket.default('hour'),
});
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

const Point = z.object({ t: z.string(), value: z.number() });

/** What the desk sees of one ticker's reach. */
export const AnalyticsReport = z.object({
  tickerId: z.string(),
  from: z.string(),
  to: z.string(),
  bucket: AnalyticsBucket,
  series: z.object({
    /** The most readers online in each bucket (sampled every 10 s). */
    readersOnline: z.array(Point),
    pageViews: z.array(Point),
    /** Distinct readers in each bucket: per hour or day (with `bucket=minute`, per hour). */
    uniqueReaders: z.array(Point),
    entryViews: z.array(Point),
  }),
  totals: z.object({ pageViews: z.number(), uniqueReaders: z.number(), peakReadersOnline: z.number() }),
  entries: z.array(
    z.object({ entryId: z.string(), title: z.string().nullable(), views: z.number(), avgSecondsInView: z.number(), clicks: z.number(), teaserClicks: z.number() }),
  ),
  sources: z.array(z.object({ host: z.string(), pageViews: z.number() })),
  push: z.object({ sent: z.number(), clicked: z.number(), followers: z.number(), started: z.number(), stopped: z.number() }),
  engagement: z.object({ pollVotes: z.number(), questions: z.number(), embedConsents: z.number() }),
  dropped: z.number(),
});
export type AnalyticsReport = z.infer<typeof AnalyticsReport>;

/** The newsroom's tickers side by side (`GET /analytics`). */
export const AnalyticsOverview = z.object({
  from: z.string(),
  to: z.string(),
  tickers: z.array(z.object({ tickerId: z.string(), title: z.string(), pageViews: z.number(), uniqueReaders: z.number(), peakReadersOnline: z.number(), entryViews: z.number() })),
});
export type AnalyticsOverview = z.infer<typeof AnalyticsOverview>;
