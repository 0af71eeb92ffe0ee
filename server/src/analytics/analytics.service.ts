import { createHash, randomBytes } from 'node:crypto';
import { ANALYTICS_MAX_EVENTS, AnalyticsBatch, AnalyticsEvent, AnalyticsQuery } from '@liveticker/schemas';
import type { AnalyticsBucket, AnalyticsOverview, AnalyticsReport } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import type { Db } from '../db/database';
import { overviewRows, publishedEntryIds, reportRows, saltOfDay, tickerCreated, writeBatches } from './analytics.repo';
import type { BatchToWrite, Tally } from './analytics.repo';
import { dayOf, hourOf, minuteOf } from './analytics.repo';

export { dayOf, hourOf, minuteOf, prune, sampleOnline } from './analytics.repo';
import type { AnalyticsCounts } from '../db/tables';
import { AppError, parseInput } from '../errors';

type Ctx = Pick<AppContext, 'db' | 'config' | 'limiters'>;

/** Batches one address may send a minute (a beacon every 15 s per page leaves room for several tabs). */
export const ANALYTICS_BATCHES_PER_MINUTE = 60;
/** The limit's spec (`limitOverrides.analyticsIp` replaces it, as for every limit). */
const ANALYTICS_LIMIT = { points: ANALYTICS_BATCHES_PER_MINUTE, duration: 60 };


/**
 * The day's salt, the same on every node: made by the first node that needs it, and the days
 * before it deleted then and by the hourly prune (whichever comes first after midnight), so
 * yesterday's reader hashes can never be made again.
 */
export class DailySalt {
  private cached?: { day: string; salt: string };

  constructor(private readonly db: Db) {}

  async get(now = new Date()): Promise<string> {
    const day = dayOf(now);
    if (this.cached?.day === day) return this.cached.salt;
    const salt = await saltOfDay(this.db, day, randomBytes(32).toString('base64url'));
    this.cached = { day, salt };
    return salt;
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


const add = (o: Partial<AnalyticsCounts>, k: keyof AnalyticsCounts, n = 1) => void (o[k] = (o[k] ?? 0) + n);


/** How soon a ticker's published entry ids are read again when a beacon names one not among them (a new entry), ms. */
const ENTRIES_FRESH_MS = 1000;
/** Most batches one write takes. */
const FLUSH_MAX = 500;

/** A checked batch waiting for the next write, and the request waiting for it. */
interface Pending extends BatchToWrite {
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

  constructor(
    private readonly ctx: Ctx,
    private readonly salt: DailySalt,
    private readonly flushMs: number,
  ) {}

  /** Resolves whether the batch was counted (false: its id was seen before, or analytics are off). */
  async ingest(sender: Sender, body: unknown, now = new Date()): Promise<boolean> {
    const { ctx } = this;
    if (!ctx.config.analytics.enabled) return false;
    // Batches per address and minute, counted with the other limits (in Redis when it is there):
    // the same 60 whichever nodes an address reaches. (Over the limit, an address is refused from
    // the node's memory until its window ends: a flood costs no Redis round trip each.)
    await ctx.limiters.consume('analyticsIp', sender.ipKey, ANALYTICS_LIMIT);
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
      const ids = await publishedEntryIds(this.ctx.db, tickerId);
      if (!ids) throw new AppError('not_found', `no ticker ${tickerId}`);
      known = { at: Date.now(), entries: new Set(ids) };
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
      // flush() answers every batch itself, failures included; the chain never stays rejected.
      this.writing = this.writing.then(() => this.flush()).catch(() => undefined);
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

/** Most seconds in view one batch may add to an entry (a beacon leaves every 15 s, and as the page is hidden). */
const MAX_SECONDS_PER_ENTRY = 3600;
/** Events a batch counts once (per entry, per provider). */
const ONCE_PER_BATCH = new Set<AnalyticsEvent['type']>(['page.view', 'entry.view', 'poll.vote', 'embed.consent', 'follow.start', 'follow.stop']);

/**
 * What a batch's checked events add up to; events naming no known entry count as dropped, and so
 * do repeats one page cannot have sent: a second page view, a second view of an entry, a second
 * vote in a poll, follow, unfollow or consent to a provider (the widget sends each once per page
 * view, so a hand-made batch repeating one changes the counts by no more than a real one).
 */
function tallyOf(events: AnalyticsEvent[], known: Set<string>): Tally & { dropped: number } {
  const once = new Set<string>();
  const first = (key: string) => !once.has(key) && Boolean(once.add(key));
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
    const key = e.type === 'entry.view' || e.type === 'poll.vote' ? `${e.type}\n${e.entryId}` : e.type === 'embed.consent' ? `${e.type}\n${e.provider}` : e.type;
    if (ONCE_PER_BATCH.has(e.type) && !first(key)) {
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
      case 'entry.time': {
        const t = entry(e.entryId);
        t.seconds = Math.min(MAX_SECONDS_PER_ENTRY, t.seconds + e.seconds);
        break;
      }
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
  const ticker = await tickerCreated(ctx.db, tickerId);
  if (!ticker) throw new AppError('not_found', `no ticker ${tickerId}`);
  const { from, to } = range(q, ticker.createdAt);
  const db = ctx.db;
  const [fromMin, toMin] = [minuteOf(from), minuteOf(to)];
  const [fromDay, toDay] = [dayOf(from), dayOf(to)];
  const cut = BUCKET_CHARS[q.bucket];

  const rows = await reportRows(db, tickerId, { fromMin, toMin, fromDay, toDay, fromHour: hourOf(from), toHour: hourOf(to), uniqueCut: Math.min(cut, BUCKET_CHARS.hour) });
  const { minutes } = rows;
  // Days wholly rolled up (older than the retention): their rows stand for the minutes.
  const { days } = rows;
  const sum = new Map<string, { page: number; entry: number; online: number }>();
  const at = (t: string) => {
    let s = sum.get(t);
    if (!s) sum.set(t, (s = { page: 0, entry: 0, online: 0 }));
    return s;
  };
  const totals = { pageViews: 0, uniqueReaders: 0, peakReadersOnline: 0 };
  const other = { sent: 0, push: 0, started: 0, stopped: 0, votes: 0, questions: 0, consents: 0, dropped: 0 };
  // A day row holds counts only once its minutes were rolled up (a recent day's row holds its unique readers alone).
  const rolled = days.filter((d) => d.page_views + d.entry_views + d.readers_online + d.dropped + d.push_sent > 0);
  for (const row of [...minutes.map((m) => ({ t: m.minute, ...m })), ...rolled.map((d) => ({ t: d.day, ...d }))]) {
    const s = at(row.t.slice(0, Math.min(cut, row.t.length)));
    s.page += row.page_views;
    s.entry += row.entry_views;
    s.online = Math.max(s.online, row.readers_online);
    totals.pageViews += row.page_views;
    totals.peakReadersOnline = Math.max(totals.peakReadersOnline, row.readers_online);
    other.sent += row.push_sent;
    other.push += row.push_views;
    other.started += row.follows_started;
    other.stopped += row.follows_stopped;
    other.votes += row.poll_votes;
    other.questions += row.questions;
    other.consents += row.embed_consents;
    other.dropped += row.dropped;
  }
  const { hourly, pastHours, distinct, entries, sources, followers } = rows;
  // Today's hours from their hashes; the hours of days gone by from their hour rows (by hour or
  // minute; a day's readers are not the sum of its hours'), and a day's row where there is none.
  const byHour = q.bucket !== 'day';
  const hoursOf = new Set(byHour ? pastHours.map((h) => h.hour.slice(0, 10)) : []);
  const uniques = [
    ...hourly.map((r) => ({ t: r.t, value: Number(r.n) })),
    ...(byHour ? pastHours.filter((h) => h.unique_readers > 0).map((h) => ({ t: h.hour, value: h.unique_readers })) : []),
    ...days.filter((d) => d.unique_readers > 0 && !hoursOf.has(d.day)).map((d) => ({ t: d.day, value: d.unique_readers })),
  ].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  // Hashes are daily: a reader of two days counts on each, as in the day rows.
  totals.uniqueReaders = Number(distinct) + days.reduce((n, d) => n + d.unique_readers, 0);

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
      const views = e.views;
      return { entryId: e.entry_id, title: e.title, views, avgSecondsInView: views ? Math.round((e.seconds / views) * 10) / 10 : 0, clicks: e.clicks, teaserClicks: e.teasers };
    }),
    sources: sources.map((s) => ({ host: s.host, pageViews: Number(s.n) })),
    push: { sent: other.sent, clicked: other.push, followers: Number(followers), started: other.started, stopped: other.stopped },
    engagement: { pollVotes: other.votes, questions: other.questions, embedConsents: other.consents },
    dropped: other.dropped,
  };
}

/** `GET /analytics`: the newsroom's tickers side by side over a range (default: the last day). */
export async function overview(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, query: unknown): Promise<AnalyticsOverview> {
  requireRole(actor, 'editor');
  const q = parseInput(AnalyticsQuery, query, 'query');
  const { from, to } = range({ ...q, bucket: 'day' });
  const { minutes, days, uniques, titles } = await overviewRows(ctx.db, { fromMin: minuteOf(from), toMin: minuteOf(to), fromDay: dayOf(from), toDay: dayOf(to), fromHour: hourOf(from), toHour: hourOf(to) });
  const titleOf = new Map(titles.map((t) => [t.id, t.title]));
  const byTicker = new Map<string, AnalyticsOverview['tickers'][number]>();
  const of = (tickerId: string) => {
    let t = byTicker.get(tickerId);
    if (!t) byTicker.set(tickerId, (t = { tickerId, title: titleOf.get(tickerId) ?? '', pageViews: 0, uniqueReaders: 0, peakReadersOnline: 0, entryViews: 0 }));
    return t;
  };
  // Minutes within the retention, day rows before it (a day's readers once it has passed); today's readers from their hashes.
  for (const r of [...minutes, ...days]) {
    const t = of(r.ticker_id);
    t.pageViews += Number(r.page);
    t.entryViews += Number(r.entry);
    t.peakReadersOnline = Math.max(t.peakReadersOnline, Number(r.peak ?? 0));
  }
  for (const d of days) of(d.ticker_id).uniqueReaders += Number(d.uniques);
  for (const u of uniques) of(u.ticker_id).uniqueReaders += Number(u.n);
  const tickers = [...byTicker.values()]
    .filter((t) => titleOf.has(t.tickerId))
    .sort((a, b) => b.pageViews - a.pageViews || (a.tickerId < b.tickerId ? -1 : a.tickerId > b.tickerId ? 1 : 0))
    .slice(0, 500);
  return { from: from.toISOString(), to: to.toISOString(), tickers };
}

/**
 * A CSV field: quoted when it holds a comma, quote or line break; text a spreadsheet would take
 * for a formula (=, +, -, @, tab, CR first: a title or a referrer's host is anyone's text) gets a
 * leading apostrophe.
 */
function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLines = (rows: (string | number | null | undefined)[][]) => rows.map((r) => r.map(csvField).join(','));

/**
 * A report as CSV, in sections one after the other (a line naming the section, its header, its
 * rows, an empty line): `series` (one line per bucket), `totals`, `entries`, `sources`, `push`,
 * `engagement`.
 */
export function reportCsv(r: AnalyticsReport): string {
  const { series } = r;
  const maps = [series.readersOnline, series.pageViews, series.entryViews, series.uniqueReaders].map((s) => new Map(s.map((p) => [p.t, p.value])));
  const times = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
  const sections: [string, string[], (string | number | null)[][]][] = [
    ['series', ['time', 'readers_online', 'page_views', 'entry_views', 'unique_readers'], times.map((t) => [t, maps[0]!.get(t) ?? 0, maps[1]!.get(t) ?? 0, maps[2]!.get(t) ?? 0, maps[3]!.get(t) ?? null])],
    ['totals', ['page_views', 'unique_readers', 'peak_readers_online', 'dropped'], [[r.totals.pageViews, r.totals.uniqueReaders, r.totals.peakReadersOnline, r.dropped]]],
    ['entries', ['entry_id', 'title', 'views', 'avg_seconds_in_view', 'clicks', 'teaser_clicks'], r.entries.map((e) => [e.entryId, e.title, e.views, e.avgSecondsInView, e.clicks, e.teaserClicks])],
    ['sources', ['host', 'page_views'], r.sources.map((s) => [s.host, s.pageViews])],
    ['push', ['sent', 'clicked', 'followers', 'started', 'stopped'], [[r.push.sent, r.push.clicked, r.push.followers, r.push.started, r.push.stopped]]],
    ['engagement', ['poll_votes', 'questions', 'embed_consents'], [[r.engagement.pollVotes, r.engagement.questions, r.engagement.embedConsents]]],
  ];
  const lines = sections.flatMap(([name, header, rows]) => [name, header.join(','), ...csvLines(rows), '']);
  return `${lines.join('\r\n')}\r\n`;
}

/** The overview as CSV: a header and one line per ticker. */
export function overviewCsv(o: AnalyticsOverview): string {
  const lines = ['ticker_id,title,page_views,unique_readers,peak_readers_online,entry_views', ...csvLines(o.tickers.map((t) => [t.tickerId, t.title, t.pageViews, t.uniqueReaders, t.peakReadersOnline, t.entryViews]))];
  return `${lines.join('\r\n')}\r\n`;
}
