import { sql } from 'kysely';
import type { Db } from '../db/database';
import type { AnalyticsCounts } from '../db/tables';

/**
 * The analytics tables' queries (migration 021): the day's salt, the batches written together,
 * the readers-online samples, the desk's report and overview, and the hourly pruning.
 */

/** `YYYY-MM-DD`, `YYYY-MM-DDTHH`, `YYYY-MM-DDTHH:MM` of a time, UTC. */
export const dayOf = (t: Date) => t.toISOString().slice(0, 10);
export const hourOf = (t: Date) => t.toISOString().slice(0, 13);
export const minuteOf = (t: Date) => t.toISOString().slice(0, 16);

/** The counts a beacon can add to a minute row (readers online is the sampler's). */
export const EVENT_COUNTS = ['page_views', 'push_views', 'entry_views', 'link_clicks', 'teaser_clicks', 'embed_consents', 'follows_started', 'follows_stopped', 'poll_votes', 'questions', 'dropped'] as const;

/** What one batch adds, once its events are checked. */
export interface Tally {
  minute: Partial<AnalyticsCounts>;
  entries: Map<string, { views: number; seconds: number; link_clicks: number; teaser_clicks: number }>;
  sources: Map<string, number>;
}

/** A checked batch, ready to be counted. */
export interface BatchToWrite {
  batchId: string;
  tickerId: string;
  tally: Tally;
  hash: string;
  at: Date;
}

/** The salt of `day`: `fresh` when this call made it (the first on any node), else the one made; older days' salts deleted. */
export async function saltOfDay(db: Db, day: string, fresh: string): Promise<string> {
  await db.insertInto('analytics_salts').values({ day, salt: fresh }).onConflict((oc) => oc.column('day').doNothing()).execute();
  await db.deleteFrom('analytics_salts').where('day', '<', day).execute();
  return (await db.selectFrom('analytics_salts').select('salt').where('day', '=', day).executeTakeFirstOrThrow()).salt;
}

/** A ticker's published entries' ids, or undefined when there is no such ticker. */
export async function publishedEntryIds(db: Db, tickerId: string): Promise<string[] | undefined> {
  const ticker = await db.selectFrom('tickers').select('id').where('id', '=', tickerId).executeTakeFirst();
  if (!ticker) return undefined;
  return (await db.selectFrom('entries').select('id').where('ticker_id', '=', tickerId).where('status', '=', 'published').where('deleted_at', 'is', null).execute()).map((r) => r.id);
}

/** When a ticker was made, or undefined when there is no such ticker. */
export async function tickerCreated(db: Db, tickerId: string): Promise<{ createdAt: string } | undefined> {
  const row = await db.selectFrom('tickers').select('created_at').where('id', '=', tickerId).executeTakeFirst();
  return row && { createdAt: row.created_at };
}

/**
 * One transaction for many batches: their ids inserted together (the ones that were new come
 * back), and the new ones' tallies summed into one upsert per table. Resolves the ids counted.
 */
export async function writeBatches(db: Db, batches: BatchToWrite[]): Promise<Set<string>> {
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

/** The rows of a ticker's report over a range (minutes, hours and days as the keys spell them). */
export async function reportRows(
  db: Db,
  tickerId: string,
  r: { fromMin: string; toMin: string; fromDay: string; toDay: string; fromHour: string; toHour: string; uniqueCut: number },
) {
  const { fromMin, toMin, fromDay, toDay, fromHour, toHour, uniqueCut } = r;
  const minutes = await db.selectFrom('analytics_minutes').selectAll().where('ticker_id', '=', tickerId).where('minute', '>=', fromMin).where('minute', '<=', toMin).orderBy('minute').execute();
  const days = await db.selectFrom('analytics_days').selectAll().where('ticker_id', '=', tickerId).where('day', '>=', fromDay).where('day', '<=', toDay).orderBy('day').execute();
  const hourly = await db
    .selectFrom('analytics_uniques')
    .select((eb) => [sql<string>`substr(hour, 1, ${sql.lit(uniqueCut)})`.as('t'), eb.fn.count<number | string>('hash').distinct().as('n')])
    .where('ticker_id', '=', tickerId)
    .where('hour', '>=', fromHour)
    .where('hour', '<=', toHour)
    .groupBy(sql`substr(hour, 1, ${sql.lit(uniqueCut)})`)
    .orderBy('t')
    .execute();
  // Hours of days gone by: their distinct readers, counted before their hashes were deleted.
  const pastHours = await db.selectFrom('analytics_hours').select(['hour', 'unique_readers']).where('ticker_id', '=', tickerId).where('hour', '>=', fromHour).where('hour', '<=', toHour).orderBy('hour').execute();
  const { n: distinct } = await db
    .selectFrom('analytics_uniques')
    .select((eb) => eb.fn.count<number | string>('hash').distinct().as('n'))
    .where('ticker_id', '=', tickerId)
    .where('hour', '>=', fromHour)
    .where('hour', '<=', toHour)
    .executeTakeFirstOrThrow();
  const sums = [
    sql<number | string>`sum(views)`.as('views'),
    sql<number | string>`sum(seconds)`.as('seconds'),
    sql<number | string>`sum(link_clicks)`.as('clicks'),
    sql<number | string>`sum(teaser_clicks)`.as('teasers'),
  ];
  const recentEntries = await db.selectFrom('analytics_entries').select(['entry_id', ...sums]).where('ticker_id', '=', tickerId).where('minute', '>=', fromMin).where('minute', '<=', toMin).groupBy('entry_id').execute();
  const rolledEntries = await db.selectFrom('analytics_entry_days').select(['entry_id', ...sums]).where('ticker_id', '=', tickerId).where('day', '>=', fromDay).where('day', '<=', toDay).groupBy('entry_id').execute();
  // Minutes within the retention, and the days rolled up before it (never both for one day).
  const perEntry = new Map<string, { entry_id: string; title: string | null; views: number; seconds: number; clicks: number; teasers: number }>();
  for (const r of [...recentEntries, ...rolledEntries]) {
    const e = perEntry.get(r.entry_id) ?? { entry_id: r.entry_id, title: null, views: 0, seconds: 0, clicks: 0, teasers: 0 };
    e.views += Number(r.views);
    e.seconds += Number(r.seconds);
    e.clicks += Number(r.clicks);
    e.teasers += Number(r.teasers);
    perEntry.set(r.entry_id, e);
  }
  const entries = [...perEntry.values()].sort((a, b) => b.views - a.views || (a.entry_id < b.entry_id ? -1 : a.entry_id > b.entry_id ? 1 : 0)).slice(0, 500);
  if (entries.length) {
    const titles = new Map((await db.selectFrom('entries').select(['id', 'title']).where('id', 'in', entries.map((e) => e.entry_id)).execute()).map((r) => [r.id, r.title]));
    for (const e of entries) e.title = titles.get(e.entry_id) ?? null;
  }
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
  return { minutes, days, hourly, pastHours, distinct, entries, sources, followers };
}

/**
 * `GET /analytics`'s rows: each ticker's sums over the minutes and over the day rows (the days
 * rolled up before the retention, and the unique readers of days gone by), its distinct reader
 * hashes over today's hours, and the tickers' titles.
 */
export async function overviewRows(db: Db, r: { fromMin: string; toMin: string; fromDay: string; toDay: string; fromHour: string; toHour: string }) {
  const minutes = await db
    .selectFrom('analytics_minutes')
    .select((eb) => ['ticker_id', eb.fn.sum<number | string>('page_views').as('page'), eb.fn.sum<number | string>('entry_views').as('entry'), eb.fn.max<number | string>('readers_online').as('peak')])
    .where('minute', '>=', r.fromMin)
    .where('minute', '<=', r.toMin)
    .groupBy('ticker_id')
    .execute();
  const days = await db
    .selectFrom('analytics_days')
    .select((eb) => [
      'ticker_id',
      eb.fn.sum<number | string>('page_views').as('page'),
      eb.fn.sum<number | string>('entry_views').as('entry'),
      eb.fn.max<number | string>('readers_online').as('peak'),
      eb.fn.sum<number | string>('unique_readers').as('uniques'),
    ])
    .where('day', '>=', r.fromDay)
    .where('day', '<=', r.toDay)
    .groupBy('ticker_id')
    .execute();
  const uniques = await db
    .selectFrom('analytics_uniques')
    .select((eb) => ['ticker_id', eb.fn.count<number | string>('hash').distinct().as('n')])
    .where('hour', '>=', r.fromHour)
    .where('hour', '<=', r.toHour)
    .groupBy('ticker_id')
    .execute();
  const ids = [...new Set([...minutes, ...days, ...uniques].map((row) => row.ticker_id))];
  const titles = ids.length ? await db.selectFrom('tickers').select(['id', 'title']).where('id', 'in', ids).execute() : [];
  return { minutes, days, uniques, titles };
}

/**
 * Keeps the tables small: salts of days before today (so a day's hashes cannot be made again
 * even when no beacon comes the next day), batch ids after two days, the hours' reader hashes
 * once their day has passed (counted first into an hour row each and into the day row), and
 * minute rows older than the retention, rolled up into day rows (the ticker's, and each entry's
 * in `analytics_entry_days`; the sources are per day already and stay). Every step sets values
 * (never adds), so two nodes doing it at once agree.
 */
export async function prune(db: Db, retentionDays: number, now = new Date()): Promise<void> {
  const today = dayOf(now);
  // Yesterday's salt goes with the hourly prune, not with the next day's first beacon (which may never come).
  await db.deleteFrom('analytics_salts').where('day', '<', today).execute();
  await db.deleteFrom('analytics_batches').where('at', '<', new Date(now.getTime() - 2 * 86_400_000).toISOString()).execute();
  const doneHours = await db
    .selectFrom('analytics_uniques')
    .select((eb) => ['ticker_id', 'hour', eb.fn.count<number | string>('hash').distinct().as('n')])
    .where('hour', '<', today)
    .groupBy(['ticker_id', 'hour'])
    .execute();
  const doneDays = await db
    .selectFrom('analytics_uniques')
    .select((eb) => ['ticker_id', sql<string>`substr(hour, 1, 10)`.as('day'), eb.fn.count<number | string>('hash').distinct().as('n')])
    .where('hour', '<', today)
    .groupBy(['ticker_id', sql`substr(hour, 1, 10)`])
    .execute();
  await db.transaction().execute(async (trx) => {
    for (const h of doneHours) {
      await trx
        .insertInto('analytics_hours')
        .values({ ticker_id: h.ticker_id, hour: h.hour, unique_readers: Number(h.n) })
        .onConflict((oc) => oc.columns(['ticker_id', 'hour']).doUpdateSet({ unique_readers: Number(h.n) }))
        .execute();
    }
    for (const d of doneDays) {
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
      ...(['page_views', 'push_views', 'entry_views', 'link_clicks', 'teaser_clicks', 'embed_consents', 'follows_started', 'follows_stopped', 'poll_votes', 'questions', 'dropped', 'push_sent'] as const).map((k) =>
        eb.fn.sum<number | string>(k).as(k),
      ),
      eb.fn.max<number | string>('readers_online').as('readers_online'),
    ])
    .where('minute', '<', cutoff)
    .groupBy(['ticker_id', sql`substr(minute, 1, 10)`])
    .execute();
  const oldEntries = await db
    .selectFrom('analytics_entries')
    .select((eb) => [
      'ticker_id',
      'entry_id',
      sql<string>`substr(minute, 1, 10)`.as('day'),
      ...(['views', 'seconds', 'link_clicks', 'teaser_clicks'] as const).map((k) => eb.fn.sum<number | string>(k).as(k)),
    ])
    .where('minute', '<', cutoff)
    .groupBy(['ticker_id', 'entry_id', sql`substr(minute, 1, 10)`])
    .execute();
  await db.transaction().execute(async (trx) => {
    for (const d of old) {
      const values = Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'ticker_id' && k !== 'day').map(([k, v]) => [k, Number(v)])) as unknown as AnalyticsCounts;
      await trx
        .insertInto('analytics_days')
        .values({ ticker_id: d.ticker_id, day: d.day, ...values })
        .onConflict((oc) => oc.columns(['ticker_id', 'day']).doUpdateSet(values))
        .execute();
    }
    for (const e of oldEntries) {
      const values = { views: Number(e.views), seconds: Number(e.seconds), link_clicks: Number(e.link_clicks), teaser_clicks: Number(e.teaser_clicks) };
      await trx
        .insertInto('analytics_entry_days')
        .values({ ticker_id: e.ticker_id, entry_id: e.entry_id, day: e.day, ...values })
        .onConflict((oc) => oc.columns(['ticker_id', 'entry_id', 'day']).doUpdateSet(values))
        .execute();
    }
    await trx.deleteFrom('analytics_minutes').where('minute', '<', cutoff).execute();
    await trx.deleteFrom('analytics_entries').where('minute', '<', cutoff).execute();
    await trx.deleteFrom('analytics_hours').where('hour', '<', cutoff).execute();
  });
}

/** Pushes a node sent, per ticker, added to the minute's row (one statement for all of them). */
export async function addPushesSent(db: Db, sent: Map<string, number>, now = new Date()): Promise<void> {
  const minute = minuteOf(now);
  const rows = [...sent].filter(([, n]) => n > 0).map(([tickerId, n]) => ({ ticker_id: tickerId, minute, push_sent: n }));
  if (rows.length === 0) return;
  await db
    .insertInto('analytics_minutes')
    .values(rows)
    .onConflict((oc) => oc.columns(['ticker_id', 'minute']).doUpdateSet((eb) => ({ push_sent: eb('analytics_minutes.push_sent', '+', eb.ref('excluded.push_sent')) })))
    .execute();
}

