import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { AnalyticsOverview, AnalyticsReport } from '@liveticker/schemas';
import { testConfig } from '@liveticker/server';
import { DIALECTS } from '../helpers/db';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { AnalyticsIngest, DailySalt, prune, readerHash } from '../../server/src/analytics/analytics.service';

type User = Awaited<ReturnType<typeof makeUser>>;
const bearer = (u: { token: string }) => ({ authorization: `Bearer ${u.token}` });
let n = 0;

/** First-party analytics (issue 28): the readers' beacons counted once, hostile batches refused, the desk's report. */
for (const dialect of DIALECTS) {
  describe(`reader analytics (${dialect})`, () => {
    let t: TestSetup;
    let editor: User;
    let moderator: User;
    let reader: User;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      t = await setup(dialect, 'memory', {
        scrypt: { logN: 10, r: 8, p: 1 },
        analytics: { ...testConfig().analytics, sampleMs: 100 },
        limitOverrides: { analyticsIp: { points: 1000, duration: 60 } },
      });
      [editor, moderator, reader] = [await makeUser(t.url, 'editor'), await makeUser(t.url, 'moderator'), await makeUser(t.url)];
    });
    afterEach(() => {
      for (const s of sockets.splice(0)) s.disconnect();
    });
    afterAll(() => t.close());

    async function ticker(): Promise<{ id: string; entry: string; other: string }> {
      const id = `reach-${++n}`;
      const api = opsApi(t.url);
      await api.createTicker({ id, title: `Reach ${n}`, status: 'live' });
      const entry = (await api.post(id, { title: 'Kick-off', body: '<p>on</p>' })).id as string;
      const otherTicker = `${id}-other`;
      await api.createTicker({ id: otherTicker, title: 'Elsewhere', status: 'live' });
      const other = (await api.post(otherTicker, { body: '<p>elsewhere</p>' })).id as string;
      return { id, entry, other };
    }
    /** A beacon as the widget sends it: text/plain, no cookie. */
    const beacon = (body: unknown, headers: Record<string, string> = {}) =>
      raw(t.url, 'POST', '/analytics/events', typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://news.example', 'user-agent': 'Reader/1.0', ...headers });
    const report = async (tickerId: string, query = '') => {
      const res = await raw(t.url, 'GET', `/tickers/${tickerId}/analytics${query}`, undefined, bearer(editor));
      expect(res.status).toBe(200);
      return res.body as AnalyticsReport;
    };
    const batchId = () => `batch-${++n}-${Math.random().toString(36).slice(2)}`;

    it('counts a batch once, however often the beacon is retried; drops unknown events and entries of other tickers, counting them as dropped', async () => {
      const { id, entry, other } = await ticker();
      const batch = {
        batchId: batchId(),
        tickerId: id,
        events: [
          { type: 'page.view', host: 'Search.Example', fromPush: true },
          { type: 'entry.view', entryId: entry },
          { type: 'entry.time', entryId: entry, seconds: 12 },
          { type: 'link.click', entryId: entry, host: 'source.example' },
          { type: 'teaser.click', entryId: entry },
          { type: 'entry.view', entryId: other },
          { type: 'mouse.wiggle' },
          { type: 'entry.time', entryId: entry, seconds: 1e9 },
        ],
      };
      expect((await beacon(batch)).status).toBe(204);
      expect((await beacon(batch)).status).toBe(204);
      const r = await report(id);
      expect(r.totals).toEqual({ pageViews: 1, uniqueReaders: 1, peakReadersOnline: 0 });
      expect(r.entries).toEqual([{ entryId: entry, title: 'Kick-off', views: 1, avgSecondsInView: 12, clicks: 1, teaserClicks: 1 }]);
      expect(r.sources).toEqual([{ host: 'search.example', pageViews: 1 }]);
      expect(r.push).toMatchObject({ clicked: 1 });
      expect(r.dropped).toBe(3);
      expect(r.series.pageViews.reduce((s, p) => s + p.value, 0)).toBe(1);
      expect(r.series.entryViews.reduce((s, p) => s + p.value, 0)).toBe(1);
      // As JSON too; another ticker's report has none of it.
      expect((await raw(t.url, 'POST', '/analytics/events', { batchId: batchId(), tickerId: id, events: [{ type: 'page.view' }] })).status).toBe(204);
      expect((await report(id)).totals.pageViews).toBe(2);
      expect((await report(`${id}-other`)).totals.pageViews).toBe(0);
    });

    it('counts readers by a daily hash of the page origin, address and browser, and never stores them', async () => {
      const { id } = await ticker();
      const view = (ua: string, origin = 'https://news.example') => beacon({ batchId: batchId(), tickerId: id, events: [{ type: 'page.view' }] }, { 'user-agent': ua, origin });
      await view('Browser A');
      await view('Browser A');
      await view('Browser B');
      await view('Browser A', 'https://other.example');
      expect((await report(id)).totals).toMatchObject({ pageViews: 4, uniqueReaders: 3 });
      const stored = JSON.stringify(await t.node.server.ctx.db.selectFrom('analytics_uniques').selectAll().where('ticker_id', '=', id).execute());
      expect(stored).not.toMatch(/Browser|127\.0\.0\.1|news\.example/);
    });

    it("a new day's salt makes the day before's hashes impossible to make again", async () => {
      const salt = new DailySalt(t.node.server.ctx.db);
      const monday = await salt.get(new Date('2026-03-02T23:59:00Z'));
      expect(await salt.get(new Date('2026-03-02T08:00:00Z'))).toBe(monday);
      const tuesday = await salt.get(new Date('2026-03-03T00:00:01Z'));
      expect(tuesday).not.toBe(monday);
      const rows = await t.node.server.ctx.db.selectFrom('analytics_salts').selectAll().execute();
      expect(rows.map((r) => r.salt)).not.toContain(monday);
      expect(readerHash(monday, 'o', '1.2.3.4', 'ua')).not.toBe(readerHash(tuesday, 'o', '1.2.3.4', 'ua'));
      // Another node asking for the same day gets the same salt.
      expect(await new DailySalt(t.node.server.ctx.db).get(new Date('2026-03-03T12:00:00Z'))).toBe(tuesday);
    });

    it('forgets a day\'s salt with the prune after it, so the same reader counts once on each of two days', async () => {
      const { id } = await ticker();
      const db = t.node.server.ctx.db;
      const ingest = new AnalyticsIngest(t.node.server.ctx, new DailySalt(db), 0);
      const reader = { ip: '203.0.113.9', ipKey: '203.0.113.9', origin: 'https://news.example', userAgent: 'Same Browser' };
      const view = (at: string) => ingest.ingest(reader, { batchId: batchId(), tickerId: id, events: [{ type: 'page.view' }] }, new Date(at));
      expect(await view('2026-09-14T10:00:00Z')).toBe(true);
      expect(await view('2026-09-14T22:00:00Z')).toBe(true);
      const monday = (await db.selectFrom('analytics_salts').select('salt').where('day', '=', '2026-09-14').executeTakeFirstOrThrow()).salt;
      // The first prune of the next day: no beacon has come yet, and the day's salt is gone all the same.
      await prune(db, 400, new Date('2026-09-15T00:10:00Z'));
      expect((await db.selectFrom('analytics_salts').select('salt').execute()).map((r) => r.salt)).not.toContain(monday);
      expect(await view('2026-09-15T09:00:00Z')).toBe(true);
      await ingest.stop();
      const r = await report(id, '?from=2026-09-14T00:00:00Z&to=2026-09-15T23:00:00Z&bucket=day');
      expect(r.totals).toMatchObject({ pageViews: 3, uniqueReaders: 2 });
      expect(r.series.uniqueReaders).toEqual([
        { t: '2026-09-14', value: 1 },
        { t: '2026-09-15', value: 1 },
      ]);
    });

    it('counts what one page view can send once per batch: repeats are dropped, seconds in view capped', async () => {
      const { id, entry } = await ticker();
      const second = (await opsApi(t.url).post(id, { title: 'Second', body: '<p>two</p>' })).id as string;
      const events = [
        ...Array.from({ length: 5 }, () => ({ type: 'page.view' })),
        ...Array.from({ length: 4 }, () => ({ type: 'entry.view', entryId: entry })),
        { type: 'entry.view', entryId: second },
        ...Array.from({ length: 3 }, () => ({ type: 'entry.time', entryId: entry, seconds: 3000 })),
        ...Array.from({ length: 3 }, () => ({ type: 'follow.start' })),
        { type: 'embed.consent', provider: 'youtube' },
        { type: 'embed.consent', provider: 'youtube' },
        { type: 'embed.consent', provider: 'vimeo' },
      ];
      expect((await beacon({ batchId: batchId(), tickerId: id, events })).status).toBe(204);
      const r = await report(id);
      expect(r.totals.pageViews).toBe(1);
      expect(r.series.entryViews.reduce((s, p) => s + p.value, 0)).toBe(2);
      expect(r.entries.find((e) => e.entryId === entry)).toMatchObject({ views: 1, avgSecondsInView: 3600 });
      expect(r.entries.find((e) => e.entryId === second)).toMatchObject({ views: 1 });
      expect(r.push.started).toBe(1);
      expect(r.engagement.embedConsents).toBe(2);
      expect(r.dropped).toBe(4 + 3 + 2 + 1);
    });

    it('refuses hostile batches with a clear 4xx and counts nothing of them', async () => {
      const { id, entry } = await ticker();
      const events = Array.from({ length: 201 }, () => ({ type: 'entry.view', entryId: entry }));
      expect(await beacon({ batchId: batchId(), tickerId: id, events })).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
      const big = JSON.stringify({ batchId: batchId(), tickerId: id, events: [{ type: 'page.view', host: `${'a'.repeat(70_000)}.example` }] });
      expect((await beacon(big)).status).toBe(413);
      expect(await beacon('{"batchId":')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await beacon({ batchId: 'x', tickerId: id, events: [] })).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await beacon({ batchId: batchId(), tickerId: id, events: [], extra: 1 })).toMatchObject({ status: 400 });
      expect(await beacon({ batchId: batchId(), tickerId: 'no-such-ticker', events: [] })).toMatchObject({ status: 404 });
      expect(await beacon({ batchId: batchId(), tickerId: id, events: 'page.view' })).toMatchObject({ status: 400 });
      expect((await raw(t.url, 'POST', '/analytics/events', 'x', { 'content-type': 'application/xml' })).status).toBe(415);
      expect((await report(id)).totals.pageViews).toBe(0);
      expect(await t.node.server.ctx.db.selectFrom('analytics_batches').selectAll().execute()).not.toContainEqual(expect.objectContaining({ batch_id: 'x' }));
    });

    it('shows the desk the readers online, sampled from the sockets every node counts', async () => {
      const { id } = await ticker();
      for (let i = 0; i < 2; i++) {
        const s = connect(t.url, { transports: ['websocket'], reconnection: false, auth: { readerId: `reader-${n}-${i}-abcdefgh` } });
        sockets.push(s);
        expect(await s.timeout(5000).emitWithAck('subscribe', { stream: `ticker:${id}` })).toMatchObject({ ok: true });
      }
      await waitFor(async () => (await report(id)).totals.peakReadersOnline === 2, 'two readers online in the report');
      const r = await report(id, '?bucket=minute');
      expect(Math.max(...r.series.readersOnline.map((p) => p.value))).toBe(2);
    });

    it('answers CSV when asked (the whole report in sections, and the overview), and refuses a range too fine for its bucket', async () => {
      const { id } = await ticker();
      const tricky = (await opsApi(t.url).post(id, { title: '=SUM(A1), "quoted"', body: '<p>x</p>' })).id as string;
      await beacon({ batchId: batchId(), tickerId: id, events: [{ type: 'page.view', host: 'search.example' }, { type: 'entry.view', entryId: tricky }, { type: 'entry.time', entryId: tricky, seconds: 4 }] });
      const csv = await raw(t.url, 'GET', `/tickers/${id}/analytics?bucket=day`, undefined, { ...bearer(editor), accept: 'text/csv' });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const day = new Date().toISOString().slice(0, 10);
      expect(csv.body).toBe(
        [
          'series',
          'time,readers_online,page_views,entry_views,unique_readers',
          `${day},0,1,1,1`,
          '',
          'totals',
          'page_views,unique_readers,peak_readers_online,dropped',
          '1,1,0,0',
          '',
          'entries',
          'entry_id,title,views,avg_seconds_in_view,clicks,teaser_clicks',
          `${tricky},"'=SUM(A1), ""quoted""",1,4,0,0`,
          '',
          'sources',
          'host,page_views',
          'search.example,1',
          '',
          'push',
          'sent,clicked,followers,started,stopped',
          '0,0,0,0,0',
          '',
          'engagement',
          'poll_votes,questions,embed_consents',
          '0,0,0',
          '',
          '',
        ].join('\r\n'),
      );
      const all = await raw(t.url, 'GET', '/analytics', undefined, { ...bearer(editor), accept: 'text/csv' });
      expect(all.status).toBe(200);
      expect(all.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (all.body as string).split('\r\n');
      expect(lines[0]).toBe('ticker_id,title,page_views,unique_readers,peak_readers_online,entry_views');
      expect(lines).toContain(`${id},Reach ${id.slice('reach-'.length)},1,1,0,1`);
      expect(await raw(t.url, 'GET', `/tickers/${id}/analytics?bucket=minute&from=2020-01-01T00:00:00Z`, undefined, bearer(editor))).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await raw(t.url, 'GET', `/tickers/${id}/analytics?bucket=week`, undefined, bearer(editor))).toMatchObject({ status: 400 });
      expect((await raw(t.url, 'GET', `/tickers/${id}/analytics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, undefined, bearer(editor))).status).toBe(400);
    });

    it('is for editors and admins: readers and moderators are refused, anonymous readers asked to log in', async () => {
      const { id } = await ticker();
      expect((await raw(t.url, 'GET', `/tickers/${id}/analytics`, undefined, bearer(reader))).status).toBe(403);
      expect((await raw(t.url, 'GET', `/tickers/${id}/analytics`, undefined, bearer(moderator))).status).toBe(403);
      expect((await raw(t.url, 'GET', `/tickers/${id}/analytics`)).status).toBe(401);
      expect((await raw(t.url, 'GET', '/analytics', undefined, bearer(reader))).status).toBe(403);
      const all = await raw(t.url, 'GET', '/analytics', undefined, bearer(editor));
      expect(all.status).toBe(200);
    });

    it('rolls minutes older than the retention up into days, and their report stays the same', async () => {
      const { id, entry } = await ticker();
      const db = t.node.server.ctx.db;
      await db
        .insertInto('analytics_minutes')
        .values([
          { ticker_id: id, minute: '2025-01-10T10:00', page_views: 3, entry_views: 2, readers_online: 40 },
          { ticker_id: id, minute: '2025-01-10T11:30', page_views: 4, entry_views: 0, readers_online: 55 },
        ])
        .execute();
      await db.insertInto('analytics_entries').values({ ticker_id: id, entry_id: entry, minute: '2025-01-10T10:00', views: 2, seconds: 10, link_clicks: 0, teaser_clicks: 0 }).execute();
      await db.insertInto('analytics_entries').values({ ticker_id: id, entry_id: entry, minute: '2025-01-10T11:30', views: 1, seconds: 5, link_clicks: 1, teaser_clicks: 2 }).execute();
      await db.insertInto('analytics_sources').values([{ ticker_id: id, day: '2025-01-10', host: 'search.example', page_views: 5 }, { ticker_id: id, day: '2025-01-10', host: '', page_views: 2 }]).execute();
      await db.insertInto('analytics_uniques').values([{ ticker_id: id, hour: '2025-01-10T10', hash: 'h1' }, { ticker_id: id, hour: '2025-01-10T11', hash: 'h1' }, { ticker_id: id, hour: '2025-01-10T11', hash: 'h2' }]).execute();
      const range = '?from=2025-01-10T00:00:00Z&to=2025-01-10T23:59:00Z&bucket=day';
      const before = await report(id, range);
      expect(before.totals).toEqual({ pageViews: 7, uniqueReaders: 2, peakReadersOnline: 55 });
      expect(before.entries).toEqual([{ entryId: entry, title: 'Kick-off', views: 3, avgSecondsInView: 5, clicks: 1, teaserClicks: 2 }]);
      expect(before.sources).toEqual([{ host: 'search.example', pageViews: 5 }, { host: '', pageViews: 2 }]);
      await prune(db, 30, new Date('2026-12-07T12:00:00Z'));
      await prune(db, 30, new Date('2026-12-07T12:00:00Z'));
      expect(await db.selectFrom('analytics_minutes').selectAll().where('ticker_id', '=', id).execute()).toEqual([]);
      expect(await db.selectFrom('analytics_uniques').selectAll().where('ticker_id', '=', id).execute()).toEqual([]);
      const after = await report(id, range);
      expect(after.totals).toEqual(before.totals);
      expect(after.series.pageViews).toEqual([{ t: '2025-01-10', value: 7 }]);
      expect(after.series.uniqueReaders).toEqual([{ t: '2025-01-10', value: 2 }]);
      // Each entry's and each source's counts are rolled up too, not lost with the minutes.
      expect(await db.selectFrom('analytics_entries').selectAll().where('ticker_id', '=', id).execute()).toEqual([]);
      expect(after.entries).toEqual(before.entries);
      expect(after.sources).toEqual(before.sources);
    });

    it("keeps yesterday's unique readers per hour when its hashes are deleted, so an hourly chart stays hourly", async () => {
      const { id } = await ticker();
      const db = t.node.server.ctx.db;
      await db
        .insertInto('analytics_uniques')
        .values([
          { ticker_id: id, hour: '2026-11-20T10', hash: 'h1' },
          { ticker_id: id, hour: '2026-11-20T11', hash: 'h1' },
          { ticker_id: id, hour: '2026-11-20T11', hash: 'h2' },
          { ticker_id: id, hour: '2026-11-20T23', hash: 'h3' },
        ])
        .execute();
      const day = '?from=2026-11-20T00:00:00Z&to=2026-11-20T23:59:00Z';
      const hourly = [
        { t: '2026-11-20T10', value: 1 },
        { t: '2026-11-20T11', value: 2 },
        { t: '2026-11-20T23', value: 1 },
      ];
      expect((await report(id, `${day}&bucket=hour`)).series.uniqueReaders).toEqual(hourly);
      await prune(db, 400, new Date('2026-11-21T00:30:00Z'));
      await prune(db, 400, new Date('2026-11-21T00:30:00Z'));
      expect(await db.selectFrom('analytics_uniques').selectAll().where('ticker_id', '=', id).execute()).toEqual([]);
      const after = await report(id, `${day}&bucket=hour`);
      expect(after.series.uniqueReaders).toEqual(hourly);
      expect(after.totals.uniqueReaders).toBe(3);
      expect((await report(id, `${day}&bucket=minute`)).series.uniqueReaders).toEqual(hourly);
      expect((await report(id, `${day}&bucket=day`)).series.uniqueReaders).toEqual([{ t: '2026-11-20', value: 3 }]);
    });

    it("shows the newsroom's tickers side by side, counting days gone by from their day rows", async () => {
      const { id } = await ticker();
      const db = t.node.server.ctx.db;
      await db
        .insertInto('analytics_minutes')
        .values([
          { ticker_id: id, minute: '2026-10-01T20:00', page_views: 5, entry_views: 2, readers_online: 9 },
          { ticker_id: id, minute: '2026-10-02T09:00', page_views: 1, entry_views: 0, readers_online: 3 },
        ])
        .execute();
      await db
        .insertInto('analytics_uniques')
        .values([
          { ticker_id: id, hour: '2026-10-01T20', hash: 'h1' },
          { ticker_id: id, hour: '2026-10-01T21', hash: 'h2' },
          { ticker_id: id, hour: '2026-10-02T09', hash: 'h1' },
        ])
        .execute();
      // Long ago, rolled up: only a day row is left.
      await db.insertInto('analytics_days').values({ ticker_id: id, day: '2025-02-01', page_views: 7, entry_views: 4, readers_online: 30, unique_readers: 4 }).execute();
      // The hourly prune of 2 October: 1 October's hashes are counted into its day row and deleted.
      await prune(db, 400, new Date('2026-10-02T12:00:00Z'));
      const overview = async (query: string) => {
        const res = await raw(t.url, 'GET', `/analytics${query}`, undefined, bearer(editor));
        expect(res.status).toBe(200);
        return (res.body as AnalyticsOverview).tickers.filter((x) => x.tickerId === id);
      };
      expect(await overview('?from=2026-10-01T00:00:00Z&to=2026-10-02T12:00:00Z')).toEqual([{ tickerId: id, title: expect.stringMatching(/^Reach/), pageViews: 6, uniqueReaders: 3, peakReadersOnline: 9, entryViews: 2 }]);
      expect(await overview('?from=2025-02-01T00:00:00Z&to=2025-02-01T23:59:00Z')).toEqual([{ tickerId: id, title: expect.stringMatching(/^Reach/), pageViews: 7, uniqueReaders: 4, peakReadersOnline: 30, entryViews: 4 }]);
      expect(await overview('?from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z')).toEqual([]);
      expect((await raw(t.url, 'GET', '/analytics?from=yesterday', undefined, bearer(editor))).status).toBe(400);
    });

    it("limits an address to its batches a minute: the next is a 429 with Retry-After, and counts nothing", async () => {
      const tight = await setup(dialect, 'memory', { limitOverrides: { analyticsIp: { points: 3, duration: 60 } } });
      try {
        await opsApi(tight.url).createTicker({ id: 'busy', title: 'Busy', status: 'live' });
        const send = () => raw(tight.url, 'POST', '/analytics/events', { batchId: batchId(), tickerId: 'busy', events: [{ type: 'page.view' }] });
        for (let i = 0; i < 3; i++) expect((await send()).status).toBe(204);
        const refused = await send();
        expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        const rows = await tight.node.server.ctx.db.selectFrom('analytics_minutes').select('page_views').where('ticker_id', '=', 'busy').execute();
        expect(rows.reduce((n, r) => n + r.page_views, 0)).toBe(3);
      } finally {
        await tight.close();
      }
    });

    it('with ANALYTICS=off counts nothing', async () => {
      const off = await setup(dialect, 'memory', { analytics: { ...testConfig().analytics, enabled: false } });
      try {
        await opsApi(off.url).createTicker({ id: 'quiet', title: 'Quiet', status: 'live' });
        const res = await raw(off.url, 'POST', '/analytics/events', { batchId: batchId(), tickerId: 'quiet', events: [{ type: 'page.view' }] });
        expect(res.status).toBe(204);
        expect(await off.node.server.ctx.db.selectFrom('analytics_batches').selectAll().execute()).toEqual([]);
      } finally {
        await off.close();
      }
    });
  });
}
