import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ANALYTICS_MAX_EVENTS, AnalyticsBatch, AnalyticsEvent, AnalyticsQuery } from '@liveticker/schemas';
import type { AnalyticsBucket, AnalyticsOverview, AnalyticsReport } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import type { Db } from '../db/database';
import type { AnalyticsCounts } from '../db/tables';
import { AppError, parseInput } from '../errors';

type Ctx = Pick<AppContext, 'db' | 'config'>;

/** Batches one address may send a minute (a beacon every 15 s per page leaves room for several tabs). */
export const ANALYTICS_BATCHES_PER_MINUTE = 60;

/** `YYYY-MM-DD`, `YYYY-MM-DDTHH`, `YYYY-MM-DDTHH:MM` of a time, UTC. */
export const dayOf = (t: Date) => t.toISOString().slice(0, 10);
export const hourOf = (t: Date) => t.toISOString().slice(0, 13);
export const minuteOf = (t: Date) => t.toISOString().slice(0, 16);

/**
 * The day's salt, the same on every node: made by the first node that needs it, and the days
 * before it deleted at once, so yesterday's reader hashes can never be made again.
 */
export class DailySalt {
  private cached?: { day: string; salt: string };

  constructor(private readonly db: Db) {}

  async get(now = new Date()): Promise<string> {
    const day = dayOf(now);
    if (this.cached?.day === day) return this.cached.salt;
    await this.db.insertInto('analytics_salts').values({ day, salt: randomBytes(32).toString('base64url') }).onConflict((oc) => oc.column('day').doNothing()).execute();
    await this.db.deleteFrom('analytics_salts').where('day', '<', day).execute();
    const row = await this.db.selectFrom('analytics_salts').select('salt').where('day', '=', day).executeTakeFirstOrThrow();
    this.cached = { day, salt: row.salt };
    return row.salt;
  }
}

/**
 * A reader's hash for the day, as Plausible counts unique visitors: the day's salt, the page's
 * origin, the address and the user agent, none of which is kept.
 */
export function readerHash(salt: string, origin: string, ip: string, userAgent: string): string {
  return createHash('sha256').update(`${salt}\n${origin}\n${ip}\n${userAgent}`).digest('base64url');
}

/** Who sent a batch, for its hash and its limit: never stored. */
export interface Sender {
  ip: string;
  ipKey: string;
  origin: string;
  userAgent: string;
}

/** What one batch adds, once its events are checked. */
interface Tally {
  minute: Partial<AnalyticsCounts>;
  entries: Map<string, { views: number; seconds: number; link_clicks: number; teaser_clicks: number }>;
  sources: Map<string, number>;
}

const add = (o: Partial<AnalyticsCounts>, k: keyof AnalyticsCounts, n = 1) => void (o[k] = (o[k] ?? 0) + n);

/** The counts a beacon can add to a minute row (readers online is the sampler's). */
const EVENT_COUNTS = ['page_views', 'push_views', 'entry_views', 'link_clicks', 'teaser_clicks', 'embed_consents', 'follows_started', 'follows_stopped', 'poll_votes', 'questions', 'dropped'] as const;

/** How soon a ticker's published entry ids are read again when a beacon names one not among them (a new entry), ms. */
const ENTRIES_FRESH_MS = 1000;
/** Most batches one write takes. */
const FLUSH_MAX = 500;

/** A checked batch waiting for the next write, and the request waiting for it. */
interface Pending {
  batchId: string;
  tickerId: string;
  tally: Tally;
  hash: string;
  at: Date;
  done: (counted: boolean) => void;
  failed: (err: unknown) => void;
}

/**
 * `POST /analytics/events`, one node's side: a batch is checked at once (limits, schema, the
 * ticker, its entries from a short-lived cache) and then waits, with the others of the next
 * `flushMs`, for one transaction that counts them all: the batch ids inserted together (those
 * already there, a retried beacon, are not counted again, whichever node saw them first), the
 * tallies summed per minute row, entry row, reader hash and source, each table written with one
 * statement. The request is answered once its batch is written, so a 204 means counted.
 */
export class AnalyticsIngest {
  private pending: Pending[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private readonly tickers = new Map<string, { at: number; entries: Set<string> }>();
  /**
   * Batches per address and minute, counted in this node's memory: a beacon is worth no Redis
   * round trip (a third of its cost here), and an address held to the limit on each node it
   * reaches changes the counts by at most that many times the limit.
   */
  private readonly limiter: RateLimiterMemory;

  constructor(
    private readonly ctx: Ctx,
    private readonly salt: DailySalt,
    private readonly flushMs: number,
  ) {
    const spec = ctx.config.limitOverrides.analyticsIp ?? { points: ANALYTICS_BATCHES_PER_MINUTE, duration: 60 };
    this.limiter = new RateLimiterMemory({ points: spec.points, duration: spec.duration, keyPrefix: 'analytics' });
  }

  /** Resolves whether the batch was counted (false: its id was seen before, or analytics are off). */
  async ingest(sender: Sender, body: unknown, now = new Date()): Promise<boolean> {
    const { ctx } = this;
    if (!ctx.config.analytics.enabled) return false;
    try {
      await this.limiter.consume(sender.ipKey);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw new AppError('rate_limited', `too many batches from this address; try again in ${retryAfter} s`, { retryAfter });
    }
    if (body && typeof body === 'object' && Array.isArray((body as { events?: unknown }).events) && (body as { events: unknown[] }).events.length > ANALYTICS_MAX_EVENTS) {
      throw new AppError('payload_too_large', `at most ${ANALYTICS_MAX_EVENTS} events a batch`);
    }
    const batch = parseInput(AnalyticsBatch, body, 'batch');
    const events: AnalyticsEvent[] = [];
    let dropped = 0;
    for (const raw of batch.events) {
      const e = AnalyticsEvent.safeParse(raw);
      if (e.success) events.push(e.data);
      else dropped++;
    }
    const named = [...new Set(events.flatMap((e) => ('entryId' in e && e.entryId ? [e.entryId] : [])))];
    const known = await this.entriesOf(batch.tickerId, named);
    const tally = tallyOf(events, known);
    if (dropped + tally.dropped) add(tally.minute, 'dropped', dropped + tally.dropped);
    const hash = readerHash(await this.salt.get(now), sender.origin, sender.ip, sender.userAgent);
    return new Promise<boolean>((done, failed) => {
      this.pending.push({ batchId: batch.batchId, tickerId: batch.tickerId, tally, hash, at: now, done, failed });
      if (this.pending.length >= FLUSH_MAX) this.flushSoon(0);
      else this.flushSoon(this.flushMs);
    });
  }

  /**
   * The ticker's published entries among `ids` (404 for a ticker that does not exist): from a
   * cache of each ticker's published ids, read again when older than ENTRIES_FRESH_MS and an id
   * is not in it (a new entry), so a stream of beacons costs no query each.
   */
  private async entriesOf(tickerId: string, ids: string[]): Promise<Set<string>> {
    let known = this.tickers.get(tickerId);
    const stale = !known || (ids.some((id) => !known!.entries.has(id)) && Date.now() - known.at > ENTRIES_FRESH_MS);
    if (stale) {
      const db = this.ctx.db;
      const ticker = await db.selectFrom('tickers').select('id').where('id', '=', tickerId).executeTakeFirst();
      if (!ticker) throw new AppError('not_found', `no ticker ${tickerId}`);
      const rows = await db.selectFrom('entries').select('id').where('ticker_id', '=', tickerId).where('status', '=', 'published').where('deleted_at', 'is', null).execute();
      known = { at: Date.now(), entries: new Set(rows.map((r) => r.id)) };
      if (this.tickers.size > 10_000) this.tickers.clear();
      this.tickers.set(tickerId, known);
    }
    return new Set(ids.filter((id) => known!.entries.has(id)));
  }

  private flushSoon(ms: number): void {
    if (this.timer && ms > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.flush());
    }, ms);
  }

  /** Writes what is waiting (then again while more is). */
  async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, FLUSH_MAX);
      try {
        const counted = await writeBatches(this.ctx.db, batch);
        for (const p of batch) p.done(counted.has(p.batchId));
      } catch (err) {
        for (const p of batch) p.failed(err);
      }
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.flush();
  }
}

/** What a batch's checked events add up to; events naming no known entry count as dropped. */
function tallyOf(events: AnalyticsEvent[], known: Set<string>): Tally & { dropped: number } {
  const tally = { minute: {} as Partial<AnalyticsCounts>, entries: new Map<string, { views: number; seconds: number; link_clicks: number; teaser_clicks: number }>(), sources: new Map<string, number>(), dropped: 0 };
  const entry = (id: string) => {
    let t = tally.entries.get(id);
    if (!t) tally.entries.set(id, (t = { views: 0, seconds: 0, link_clicks: 0, teaser_clicks: 0 }));
    return t;
  };
  for (const e of events) {
    if ('entryId' in e && e.entryId && !known.has(e.entryId)) {
      tally.dropped++;
      continue;
    }
    switch (e.type) {
      case 'page.view':
        add(tally.minute, 'page_views');
        if (e.fromPush) add(tally.minute, 'push_views');
        tally.sources.set(e.host ?? '', (tally.sources.get(e.host ?? '') ?? 0) + 1);
        break;
      case 'entry.view':
        add(tally.minute, 'entry_views');
        entry(e.entryId).views++;
        break;
      case 'entry.time':
        entry(e.entryId).seconds += e.seconds;
        break;
      case 'teaser.click':
        add(tally.minute, 'teaser_clicks');
        entry(e.entryId).teaser_clicks++;
        break;
      case 'link.click':
        add(tally.minute, 'link_clicks');
        if (e.entryId) entry(e.entryId).link_clicks++;
        break;
      case 'embed.consent':
        add(tally.minute, 'embed_consents');
        break;
      case 'follow.start':
        add(tally.minute, 'follows_started');
        break;
      case 'follow.stop':
        add(tally.minute, 'follows_stopped');
        break;
      case 'poll.vote':
        add(tally.minute, 'poll_votes');
        break;
      case 'question.ask':
        add(tally.minute, 'questions');
        break;
    }
  }
  return tally;
}

/**
 * One transaction for many batches: their ids inserted together (the ones that were new come
 * back), and the new ones' tallies summed into one upsert per table. Resolves the ids counted.
 */
async function writeBatches(db: Db, batches: Pending[]): Promise<Set<string>> {
  return db.transaction().execute(async (trx) => {
    const unique = [...new Map(batches.map((b) => [b.batchId, b])).values()];
    const inserted = await trx
      .insertInto('analytics_batches')
      .values(unique.map((b) => ({ batch_id: b.batchId, at: b.at.toISOString() })))
      .onConflict((oc) => oc.column('batch_id').doNothing())
      .returning('batch_id')
      .execute();
    const fresh = new Set(inserted.map((r) => r.batch_id));
    const counted = unique.filter((b) => fresh.has(b.batchId));
    if (counted.length === 0) return fresh;
    const minutes = new Map<string, Record<(typeof EVENT_COUNTS)[number], number> & { ticker_id: string; minute: string }>();
    const entries = new Map<string, { ticker_id: string; entry_id: string; minute: string; views: number; seconds: number; link_clicks: number; teaser_clicks: number }>();
    const uniques = new Map<string, { ticker_id: string; hour: string; hash: string }>();
    const sources = new Map<string, { ticker_id: string; day: string; host: string; page_views: number }>();
    for (const b of counted) {
      const minute = minuteOf(b.at);
      const mk = `${b.tickerId}\n${minute}`;
      let m = minutes.get(mk);
      if (!m) minutes.set(mk, (m = { ticker_id: b.tickerId, minute, ...(Object.fromEntries(EVENT_COUNTS.map((k) => [k, 0])) as Record<(typeof EVENT_COUNTS)[number], number>) }));
      for (const k of EVENT_COUNTS) m[k] += b.tally.minute[k] ?? 0;
      for (const [entryId, t] of b.tally.entries) {
        const ek = `${b.tickerId}\n${entryId}\n${minute}`;
        const e = entries.get(ek);
        if (e) {
          e.views += t.views;
          e.seconds += t.seconds;
          e.link_clicks += t.link_clicks;
          e.teaser_clicks += t.teaser_clicks;
        } else entries.set(ek, { ticker_id: b.tickerId, entry_id: entryId, minute, ...t });
      }
      const hour = hourOf(b.at);
      uniques.set(`${b.tickerId}\n${hour}\n${b.hash}`, { ticker_id: b.tickerId, hour, hash: b.hash });
      for (const [host, n] of b.tally.sources) {
        const day = dayOf(b.at);
        const sk = `${b.tickerId}\n${day}\n${host}`;
        const src = sources.get(sk);
        if (src) src.page_views += n;
        else sources.set(sk, { ticker_id: b.tickerId, day, host, page_views: n });
      }
    }
    await trx
      .insertInto('analytics_minutes')
      .values([...minutes.values()])
      .onConflict((oc) => oc.columns(['ticker_id', 'minute']).doUpdateSet((eb) => Object.fromEntries(EVENT_COUNTS.map((k) => [k, eb(`analytics_minutes.${k}`, '+', eb.ref(`excluded.${k}`))]))))
      .execute();
    if (entries.size) {
      await trx
        .insertInto('analytics_entries')
        .values([...entries.values()])
        .onConflict((oc) =>
          oc.columns(['ticker_id', 'entry_id', 'minute']).doUpdateSet((eb) => ({
            views: eb('analytics_entries.views', '+', eb.ref('excluded.views')),
            seconds: eb('analytics_entries.seconds', '+', eb.ref('excluded.seconds')),
            link_clicks: eb('analytics_entries.link_clicks', '+', eb.ref('excluded.link_clicks')),
            teaser_clicks: eb('analytics_entries.teaser_clicks', '+', eb.ref('excluded.teaser_clicks')),
          })),
        )
        .execute();
    }
    await trx.insertInto('analytics_uniques').values([...uniques.values()]).onConflict((oc) => oc.columns(['ticker_id', 'hour', 'hash']).doNothing()).execute();
    if (sources.size) {
      await trx
        .insertInto('analytics_sources')
        .values([...sources.values()])
        .onConflict((oc) => oc.columns(['ticker_id', 'day', 'host']).doUpdateSet((eb) => ({ page_views: eb('analytics_sources.page_views', '+', eb.ref('excluded.page_views')) })))
        .execute();
    }
    return fresh;
  });
}

/** Notes the readers online of tickers (every node's total, the same on every node): the minute's peak. */
export async function sampleOnline(db: Db, totals: Map<string, number>, now = new Date()): Promise<void> {
  const minute = minuteOf(now);
  const rows = [...totals].filter(([, n]) => n > 0).map(([tickerId, n]) => ({ ticker_id: tickerId, minute, readers_online: n }));
  if (rows.length === 0) return;
  await db
    .insertInto('analytics_minutes')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['ticker_id', 'minute']).doUpdateSet((eb) => ({
        readers_online: sql<number>`case when ${eb.ref('analytics_minutes.readers_online')} > ${eb.ref('excluded.readers_online')} then ${eb.ref('analytics_minutes.readers_online')} else ${eb.ref('excluded.readers_online')} end`,
      })),
    )
    .execute();
}

const BUCKET_CHARS: Record<AnalyticsBucket, number> = { minute: 16, hour: 13, day: 10 };
/** Most points a series may have (a month of minutes is too many: ask by hour). */
const MAX_POINTS = 10_000;
const BUCKET_MS: Record<AnalyticsBucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The range asked for, or the ticker's coverage (its creation until now). */
function range(q: AnalyticsQuery, tickerCreated?: string): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(tickerCreated ?? to.getTime() - 86_400_000);
  if (from > to) throw new AppError('validation_failed', 'from is after to', [{ path: 'from', message: 'after to' }]);
  if ((to.getTime() - from.getTime()) / BUCKET_MS[q.bucket] > MAX_POINTS) {
    throw new AppError('validation_failed', `more than ${MAX_POINTS} ${q.bucket}s: ask for a longer bucket or a shorter range`, [{ path: 'bucket', message: 'too fine for the range' }]);
  }
  return { from, to };
}

/**
 * `GET /tickers/:id/analytics`: the desk's view of one ticker's reach (editors and admins).
 * Minute rows cover the retention; what is older comes from the day rows.
 */
export async function tickerReport(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, tickerId: string, query: unknown): Promise<AnalyticsReport> {
  requireRole(actor, 'editor');
  const q = parseInput(AnalyticsQuery, query, 'query');
  const ticker = await ctx.db.selectFrom('tickers').select(['id', 'created_at']).where('id', '=', tickerId).executeTakeFirst();
  if (!ticker) throw new AppError('not_found', `no ticker ${tickerId}`);
  const { from, to } = range(q, ticker.created_at);
  const db = ctx.db;
  const [fromMin, toMin] = [minuteOf(from), minuteOf(to)];
  const [fromDay, toDay] = [dayOf(from), dayOf(to)];
  const cut = BUCKET_CHARS[q.bucket];

  const minutes = await db.selectFrom('analytics_minutes').selectAll().where('ticker_id', '=', tickerId).where('minute', '>=', fromMin).where('minute', '<=', toMin).orderBy('minute').execute();
  // Days wholly rolled up (older than the retention): their rows stand for the minutes.
  const days = await db.selectFrom('analytics_days').selectAll().where('ticker_id', '=', tickerId).where('day', '>=', fromDay).where('day', '<=', toDay).orderBy('day').execute();
  const sum = new Map<string, { page: number; entry: number; online: number }>();
  const at = (t: string) => {
    let s = sum.get(t);
    if (!s) sum.set(t, (s = { page: 0, entry: 0, online: 0 }));
    return s;
  };
  const totals = { pageViews: 0, uniqueReaders: 0, peakReadersOnline: 0 };
  const other = { push: 0, started: 0, stopped: 0, votes: 0, questions: 0, consents: 0, dropped: 0 };
  // A day row holds counts only once its minutes were rolled up (a recent day's row holds its unique readers alone).
  const rolled = days.filter((d) => d.page_views + d.entry_views + d.readers_online + d.dropped > 0);
  for (const row of [...minutes.map((m) => ({ t: m.minute, ...m })), ...rolled.map((d) => ({ t: d.day, ...d }))]) {
    const s = at(row.t.slice(0, Math.min(cut, row.t.length)));
    s.page += row.page_views;
    s.entry += row.entry_views;
    s.online = Math.max(s.online, row.readers_online);
    totals.pageViews += row.page_views;
    totals.peakReadersOnline = Math.max(totals.peakReadersOnline, row.readers_online);
    other.push += row.push_views;
    other.started += row.follows_started;
    other.stopped += row.follows_stopped;
    other.votes += row.poll_votes;
    other.questions += row.questions;
    other.consents += row.embed_consents;
    other.dropped += row.dropped;
  }
  const uniqueCut = Math.min(cut, BUCKET_CHARS.hour);
  const hourly = await db
    .selectFrom('analytics_uniques')
    .select((eb) => [sql<string>`substr(hour, 1, ${sql.lit(uniqueCut)})`.as('t'), eb.fn.count<number | string>('hash').distinct().as('n')])
    .where('ticker_id', '=', tickerId)
    .where('hour', '>=', hourOf(from))
    .where('hour', '<=', hourOf(to))
    .groupBy(sql`substr(hour, 1, ${sql.lit(uniqueCut)})`)
    .orderBy('t')
    .execute();
  const uniques = [...hourly.map((r) => ({ t: r.t, value: Number(r.n) })), ...days.filter((d) => d.unique_readers > 0).map((d) => ({ t: d.day, value: d.unique_readers }))];
  const { n: distinct } = await db
    .selectFrom('analytics_uniques')
    .select((eb) => eb.fn.count<number | string>('hash').distinct().as('n'))
    .where('ticker_id', '=', tickerId)
    .where('hour', '>=', hourOf(from))
    .where('hour', '<=', hourOf(to))
    .executeTakeFirstOrThrow();
  // Hashes are daily: a reader of two days counts on each, as in the day rows.
  totals.uniqueReaders = Number(distinct) + days.reduce((n, d) => n + d.unique_readers, 0);

  const entries = await db
    .selectFrom('analytics_entries as a')
    .leftJoin('entries as e', 'e.id', 'a.entry_id')
    .select((eb) => [
      'a.entry_id',
      'e.title',
      eb.fn.sum<number | string>('a.views').as('views'),
      eb.fn.sum<number | string>('a.seconds').as('seconds'),
      eb.fn.sum<number | string>('a.link_clicks').as('clicks'),
      eb.fn.sum<number | string>('a.teaser_clicks').as('teasers'),
    ])
    .where('a.ticker_id', '=', tickerId)
    .where('a.minute', '>=', fromMin)
    .where('a.minute', '<=', toMin)
    .groupBy(['a.entry_id', 'e.title'])
    .orderBy('views', 'desc')
    .orderBy('a.entry_id')
    .limit(500)
    .execute();
  const sources = await db
    .selectFrom('analytics_sources')
    .select((eb) => ['host', eb.fn.sum<number | string>('page_views').as('n')])
    .where('ticker_id', '=', tickerId)
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .groupBy('host')
    .orderBy('n', 'desc')
    .orderBy('host')
    .limit(100)
    .execute();
  const { n: followers } = await db.selectFrom('push_follows').select((eb) => eb.fn.countAll<number | string>().as('n')).where('ticker_id', '=', tickerId).executeTakeFirstOrThrow();

  const series = [...sum].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    tickerId,
    from: from.toISOString(),
    to: to.toISOString(),
    bucket: q.bucket,
    series: {
      readersOnline: series.map(([t, s]) => ({ t, value: s.online })),
      pageViews: series.map(([t, s]) => ({ t, value: s.page })),
      uniqueReaders: uniques,
      entryViews: series.map(([t, s]) => ({ t, value: s.entry })),
    },
    totals,
    entries: entries.map((e) => {
      const views = Number(e.views);
      return { entryId: e.entry_id, title: e.title ?? null, views, avgSecondsInView: views ? Math.round((Number(e.seconds) / views) * 10) / 10 : 0, clicks: Number(e.clicks), teaserClicks: Number(e.teasers) };
    }),
    sources: sources.map((s) => ({ host: s.host, pageViews: Number(s.n) })),
    push: { clicked: other.push, followers: Number(followers), started: other.started, stopped: other.stopped },
    engagement: { pollVotes: other.votes, questions: other.questions, embedConsents: other.consents },
    dropped: other.dropped,
  };
}

/** `GET /analytics`: the newsroom's tickers side by side over a range (default: the last day). */
export async function overview(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, query: unknown): Promise<AnalyticsOverview> {
  requireRole(actor, 'editor');
  const q = parseInput(AnalyticsQuery, query, 'query');
  const { from, to } = range({ ...q, bucket: 'day' });
  const rows = await ctx.db
    .selectFrom('analytics_minutes as m')
    .innerJoin('tickers as t', 't.id', 'm.ticker_id')
    .select((eb) => [
      'm.ticker_id',
      't.title',
      eb.fn.sum<number | string>('m.page_views').as('page'),
      eb.fn.sum<number | string>('m.entry_views').as('entry'),
      eb.fn.max<number | string>('m.readers_online').as('peak'),
    ])
    .where('m.minute', '>=', minuteOf(from))
    .where('m.minute', '<=', minuteOf(to))
    .groupBy(['m.ticker_id', 't.title'])
    .orderBy('page', 'desc')
    .orderBy('m.ticker_id')
    .limit(500)
    .execute();
  const uniques = await ctx.db
    .selectFrom('analytics_uniques')
    .select((eb) => ['ticker_id', eb.fn.count<number | string>('hash').distinct().as('n')])
    .where('hour', '>=', hourOf(from))
    .where('hour', '<=', hourOf(to))
    .groupBy('ticker_id')
    .execute();
  const byTicker = new Map(uniques.map((u) => [u.ticker_id, Number(u.n)]));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    tickers: rows.map((r) => ({ tickerId: r.ticker_id, title: r.title, pageViews: Number(r.page), uniqueReaders: byTicker.get(r.ticker_id) ?? 0, peakReadersOnline: Number(r.peak ?? 0), entryViews: Number(r.entry) })),
  };
}

/** A report as CSV: one line per bucket (time, readers online, page views, entry views). */
export function reportCsv(r: AnalyticsReport): string {
  const lines = ['time,readers_online,page_views,entry_views,unique_readers'];
  const uniques = new Map(r.series.uniqueReaders.map((p) => [p.t, p.value]));
  for (let i = 0; i < r.series.pageViews.length; i++) {
    const t = r.series.pageViews[i]!.t;
    lines.push([t, r.series.readersOnline[i]!.value, r.series.pageViews[i]!.value, r.series.entryViews[i]!.value, uniques.get(t) ?? ''].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Keeps the tables small: batch ids after two days, the hours' reader hashes once their day has
 * passed (counted into the day row first), and minute rows older than the retention (rolled up
 * into day rows). Every step sets values (never adds), so two nodes doing it at once agree.
 */
export async function prune(db: Db, retentionDays: number, now = new Date()): Promise<void> {
  await db.deleteFrom('analytics_batches').where('at', '<', new Date(now.getTime() - 2 * 86_400_000).toISOString()).execute();
  const today = dayOf(now);
  const doneHours = await db
    .selectFrom('analytics_uniques')
    .select((eb) => ['ticker_id', sql<string>`substr(hour, 1, 10)`.as('day'), eb.fn.count<number | string>('hash').distinct().as('n')])
    .where('hour', '<', today)
    .groupBy(['ticker_id', sql`substr(hour, 1, 10)`])
    .execute();
  await db.transaction().execute(async (trx) => {
    for (const d of doneHours) {
      await trx
        .insertInto('analytics_days')
        .values({ ticker_id: d.ticker_id, day: d.day, unique_readers: Number(d.n) })
        .onConflict((oc) => oc.columns(['ticker_id', 'day']).doUpdateSet({ unique_readers: Number(d.n) }))
        .execute();
    }
    await trx.deleteFrom('analytics_uniques').where('hour', '<', today).execute();
  });
  const cutoff = dayOf(new Date(now.getTime() - retentionDays * 86_400_000));
  const old = await db
    .selectFrom('analytics_minutes')
    .select((eb) => [
      'ticker_id',
      sql<string>`substr(minute, 1, 10)`.as('day'),
      ...(['page_views', 'push_views', 'entry_views', 'link_clicks', 'teaser_clicks', 'embed_consents', 'follows_started', 'follows_stopped', 'poll_votes', 'questions', 'dropped'] as const).map((k) =>
        eb.fn.sum<number | string>(k).as(k),
      ),
      eb.fn.max<number | string>('readers_online').as('readers_online'),
    ])
    .where('minute', '<', cutoff)
    .groupBy(['ticker_id', sql`substr(minute, 1, 10)`])
    .execute();
  if (old.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const d of old) {
      const values = Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'ticker_id' && k !== 'day').map(([k, v]) => [k, Number(v)])) as unknown as AnalyticsCounts;
      await trx
        .insertInto('analytics_days')
        .values({ ticker_id: d.ticker_id, day: d.day, ...values })
        .onConflict((oc) => oc.columns(['ticker_id', 'day']).doUpdateSet(values))
        .execute();
    }
    await trx.deleteFrom('analytics_minutes').where('minute', '<', cutoff).execute();
    await trx.deleteFrom('analytics_entries').where('minute', '<', cutoff).execute();
    await trx.deleteFrom('analytics_sources').where('day', '<', cutoff).execute();
  });
}
