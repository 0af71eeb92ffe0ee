import uPlot from 'uplot';
import UPLOT_CSS from 'uplot/dist/uPlot.min.css';
import type { AnalyticsBucket, AnalyticsReport, EntryList, Ticker } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { lang, t } from './i18n';
import type { Key } from './i18n';
import { el, errorText, say } from './ui';

const REACH_CSS = `.ltx-reach-totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5rem,1fr));gap:.5rem;margin:.75rem 0;max-width:900px}
.ltx-reach-totals div{border:1px solid #ddd;padding:.5rem .75rem}.ltx-reach-totals dt{font-size:.8rem;color:#595959}.ltx-reach-totals dd{margin:0;font-size:1.5rem;font-weight:700}
.ltx-chart{margin:1rem 0;max-width:100%;overflow:hidden}.ltx-chart figcaption{font-weight:700;margin-bottom:.25rem}
.ltx-reach table{border-collapse:collapse;width:100%;max-width:900px}.ltx-reach th,.ltx-reach td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd}
.ltx-reach td{text-align:right;font-variant-numeric:tabular-nums}.ltx-reach th button{all:unset;cursor:pointer;text-decoration:underline}
.ltx-reach th[aria-sort=descending] button::after{content:' ▼'}.ltx-reach-spans button[aria-pressed=true]{font-weight:700}
.ltx-reach-more{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}.ltx-reach-more dd{margin:0}`;

/** How often the Reach tab asks again (readers online are sampled every 10 s). */
const REFRESH_MS = 10_000;
/** Most pages of entries (100 each) read for the publish marks of one range. */
const MAX_MARK_PAGES = 50;

type Span = 'hour' | 'day' | 'all';
const SPANS: Array<[Span, 'reach.lastHour' | 'reach.lastDay' | 'reach.all']> = [
  ['hour', 'reach.lastHour'],
  ['day', 'reach.lastDay'],
  ['all', 'reach.all'],
];

/** The range and bucket of a span: minutes for the last hour (or a ticker younger than 6 hours), hours for a day or two weeks, days beyond. */
function query(span: Span, createdAt: string): { from?: string; bucket: AnalyticsBucket } {
  const now = Date.now();
  if (span === 'hour') return { from: new Date(now - 3600_000).toISOString(), bucket: 'minute' };
  if (span === 'day') return { from: new Date(now - 86_400_000).toISOString(), bucket: 'hour' };
  const age = now - Date.parse(createdAt);
  return { bucket: age < 6 * 3600_000 ? 'minute' : age < 14 * 86_400_000 ? 'hour' : 'day' };
}

/** A bucket's name (`2026-12-07T14:05`, `…T14`, `2026-12-07`) as seconds since 1970, UTC. */
function seconds(bucket: string): number {
  const iso = bucket.length === 10 ? `${bucket}T00:00` : bucket.length === 13 ? `${bucket}:00` : bucket;
  return Date.parse(`${iso}:00Z`) / 1000;
}

const fmt = (n: number) => n.toLocaleString(lang());

/** An element with children (`el` takes text only). */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = el(tag, attrs);
  node.append(...children);
  return node;
}

/**
 * The desk's "Reach": readers online as a line over time with the entries' publish times marked
 * on it (what each entry did), page views and unique readers per bucket, the entries by views and
 * time in view (sortable), where readers came from, the push and the readers' votes and questions.
 * Every chart has its numbers in a table beside it for screen readers and for copying. It asks
 * again every 10 s while open.
 */
export function reachPanel(client: LivetickerClient, ticker: Ticker): { element: HTMLElement; destroy: () => void } {
  const box = el('section', { class: 'ltx-reach', 'data-testid': 'reach', 'aria-label': t('reach.title') });
  const spans = el('div', { class: 'ltx-reach-spans', role: 'group', 'aria-label': t('reach.span') });
  const status = el('p', { class: 'meta', role: 'status', 'aria-live': 'polite' });
  const totals = el('dl', { class: 'ltx-reach-totals', 'data-testid': 'reach-totals' });
  const onlineFigure = el('figure', { class: 'ltx-chart' });
  const onlineChart = el('div', { 'aria-hidden': 'true' });
  onlineFigure.append(el('figcaption', {}, t('reach.online')), onlineChart);
  const viewsFigure = el('figure', { class: 'ltx-chart' });
  const viewsChart = el('div', { 'aria-hidden': 'true' });
  viewsFigure.append(el('figcaption', {}, t('reach.views')), viewsChart);
  const table = el('details', { class: 'ltx-reach-table' });
  const entries = el('div', { class: 'ltx-reach-entries' });
  const sources = el('div', { class: 'ltx-reach-sources' });
  const more = el('dl', { class: 'ltx-reach-more' });
  box.append(el('style', {}, UPLOT_CSS + REACH_CSS), spans, status, totals, onlineFigure, viewsFigure, table, entries, sources, more);

  let span: Span = 'hour';
  let sortBy: 'views' | 'avgSecondsInView' | 'clicks' = 'views';
  let report: AnalyticsReport | undefined;
  const path = `/tickers/${encodeURIComponent(ticker.id)}`;
  let published: number[] = [];
  const charts: uPlot[] = [];
  /**
   * The published entries' times (seconds) seen so far, by id, and how far back they were read:
   * a refresh reads the newest pages again only until it meets entries it has (new ones, edits),
   * a longer range the older pages it has not read yet.
   */
  let times: { from: number; at: Map<string, number> } | undefined;
  /** The publish times of the published entries from `from` (seconds) on, paging back as far as that. */
  const publishTimes = async (from: number): Promise<number[]> => {
    const before = times && times.from <= from ? times : undefined;
    const at = before?.at ?? new Map<string, number>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_MARK_PAGES; page++) {
      const list = await client.rest.get<EntryList>(`${path}/entries`, { limit: '100', ...(cursor ? { cursor } : {}) });
      let met = false;
      for (const e of [...list.pinned, ...list.items]) {
        if (e.status !== 'published' || e.deletedAt) continue;
        met ||= at.has(e.id) && !list.pinned.includes(e);
        at.set(e.id, Date.parse(e.publishedAt) / 1000);
      }
      const last = list.items[list.items.length - 1];
      if (!list.nextCursor || !last || Date.parse(last.publishedAt) / 1000 < from || met) break;
      cursor = list.nextCursor;
    }
    times = { from: Math.min(from, before?.from ?? from), at };
    return [...at.values()].filter((t) => t >= from);
  };

  const spanButtons = SPANS.map(([s, key]) => {
    const b = el('button', { type: 'button', 'aria-pressed': String(s === span), 'data-span': s }, t(key));
    b.addEventListener('click', () => {
      span = s;
      for (const x of spanButtons) x.setAttribute('aria-pressed', String(x.dataset.span === s));
      void load();
    });
    return b;
  });
  spans.append(...spanButtons);

  /** Vertical marks at the entries' publish times, drawn over a chart. */
  const marks = (): uPlot.Plugin => ({
    hooks: {
      draw: (u) => {
        const { ctx } = u;
        const { top, height } = u.bbox;
        ctx.save();
        ctx.strokeStyle = '#c00018';
        ctx.setLineDash([4, 4]);
        ctx.lineWidth = uPlot.pxRatio;
        let drawn = 0;
        for (const at of published) {
          if (at < u.scales.x.min! || at > u.scales.x.max!) continue;
          const x = Math.round(u.valToPos(at, 'x', true));
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          drawn++;
        }
        ctx.restore();
        // How many entries are marked (for tests and tools: a canvas says nothing).
        u.root.dataset.marks = String(drawn);
      },
    },
  });

  const width = () => Math.max(280, Math.min(900, box.clientWidth || 600));
  const drawCharts = (r: AnalyticsReport) => {
    for (const c of charts.splice(0)) c.destroy();
    const xs = r.series.pageViews.map((p) => seconds(p.t));
    // Unique readers are counted per hour: a minute chart shows page views alone (the total is above).
    const perMinute = r.bucket === 'minute';
    const uniques = new Map(r.series.uniqueReaders.map((p) => [seconds(p.t), p.value]));
    const axes: uPlot.Axis[] = [{ stroke: '#595959' }, { stroke: '#595959', size: 50 }];
    // The whole range asked for, however few buckets have data (uPlot would stretch one point over years).
    const start = Math.min(Date.parse(r.from) / 1000, ...xs);
    const range: uPlot.Range.MinMax = [start, Math.max(Date.parse(r.to) / 1000, start + 60)];
    const scales: uPlot.Scales = { x: { time: true, range: () => range }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.2))] } };
    charts.push(
      new uPlot(
        { width: width(), height: 200, plugins: [marks()], axes, scales, legend: { show: false }, series: [{}, { label: t('reach.online'), stroke: '#c00018', width: 2, fill: 'rgba(192,0,24,.08)' }] },
        [xs, r.series.readersOnline.map((p) => p.value)],
        onlineChart,
      ),
      new uPlot(
        {
          width: width(),
          height: 180,
          axes,
          scales,
          legend: { show: true },
          series: [{}, { label: t('reach.pageViews'), stroke: '#1a1a1a', width: 2 }, ...(perMinute ? [] : [{ label: t('reach.uniques'), stroke: '#0b5cad', width: 2, dash: [6, 3] }])],
        },
        [xs, r.series.pageViews.map((p) => p.value), ...(perMinute ? [] : [xs.map((x) => uniques.get(x) ?? null)])],
        viewsChart,
      ),
    );
  };

  const timeLabel = (bucket: string) => new Date(seconds(bucket) * 1000).toLocaleString(lang(), bucket.length === 10 ? { dateStyle: 'medium' } : { dateStyle: 'short', timeStyle: 'short' });

  const render = (r: AnalyticsReport) => {
    totals.replaceChildren(
      ...(
        [
          ['reach.pageViews', r.totals.pageViews],
          ['reach.uniques', r.totals.uniqueReaders],
          ['reach.peak', r.totals.peakReadersOnline],
          ['reach.pushSent', r.push.sent],
          ['reach.pushClicks', r.push.clicked],
          ['reach.followers', r.push.followers],
        ] as const
      ).map(([key, n]) => h('div', {}, el('dt', {}, t(key)), el('dd', { 'data-total': key.slice(6) }, fmt(n)))),
    );
    drawCharts(r);

    // The charts' numbers as a table.
    const uniques = new Map(r.series.uniqueReaders.map((p) => [p.t, p.value]));
    const perMinute = r.bucket === 'minute';
    const rows = r.series.pageViews.map((p, i) =>
      h('tr', {}, el('th', { scope: 'row' }, timeLabel(p.t)), el('td', {}, fmt(r.series.readersOnline[i]!.value)), el('td', {}, fmt(p.value)), ...(perMinute ? [] : [el('td', {}, fmt(uniques.get(p.t) ?? 0))])),
    );
    const columns: Key[] = ['reach.time', 'reach.onlineShort', 'reach.pageViews', ...(perMinute ? [] : (['reach.uniques'] as const))];
    const tbl = h('table', {}, el('caption', {}, t('reach.tableCaption')), h('thead', {}, h('tr', {}, ...columns.map((k) => el('th', { scope: 'col' }, t(k))))), h('tbody', {}, ...rows));
    table.replaceChildren(el('summary', {}, t('reach.asTable')), tbl);

    // Entries, sortable.
    const sorted = [...r.entries].sort((a, b) => b[sortBy] - a[sortBy] || a.entryId.localeCompare(b.entryId));
    const head = (key: typeof sortBy, label: 'reach.entryViews' | 'reach.avgSeconds' | 'reach.clicks') => {
      const b = el('button', { type: 'button', 'data-sort': key }, t(label));
      b.addEventListener('click', () => {
        sortBy = key;
        if (report) render(report);
      });
      return h('th', { scope: 'col', 'aria-sort': sortBy === key ? 'descending' : 'none' }, b);
    };
    entries.replaceChildren(
      el('h3', {}, t('reach.entries')),
      sorted.length
        ? h(
            'table',
            { 'data-testid': 'reach-entries' },
            h('thead', {}, h('tr', {}, el('th', { scope: 'col' }, t('reach.entry')), head('views', 'reach.entryViews'), head('avgSecondsInView', 'reach.avgSeconds'), head('clicks', 'reach.clicks'))),
            h(
              'tbody',
              {},
              ...sorted.map((e) =>
                h('tr', { 'data-entry': e.entryId }, el('th', { scope: 'row' }, e.title ?? t('reach.untitled')), el('td', {}, fmt(e.views)), el('td', {}, e.avgSecondsInView.toLocaleString(lang())), el('td', {}, fmt(e.clicks + e.teaserClicks))),
              ),
            ),
          )
        : el('p', { class: 'meta' }, t('reach.noEntries')),
    );
    sources.replaceChildren(
      el('h3', {}, t('reach.sources')),
      r.sources.length ? h('ul', {}, ...r.sources.map((s) => el('li', {}, `${s.host || t('reach.direct')}: ${fmt(s.pageViews)}`))) : el('p', { class: 'meta' }, t('reach.noSources')),
    );
    more.replaceChildren(
      ...(
        [
          ['reach.followsStarted', r.push.started],
          ['reach.followsStopped', r.push.stopped],
          ['reach.pollVotes', r.engagement.pollVotes],
          ['reach.questions', r.engagement.questions],
          ['reach.embedConsents', r.engagement.embedConsents],
          ['reach.dropped', r.dropped],
        ] as const
      ).flatMap(([key, n]) => [el('dt', {}, t(key)), el('dd', {}, fmt(n))]),
    );
  };

  let busy = false;
  const load = async () => {
    if (busy) return;
    busy = true;
    try {
      const q = query(span, ticker.createdAt);
      const params = new URLSearchParams({ bucket: q.bucket, ...(q.from ? { from: q.from } : {}) });
      const r = await client.rest.get<AnalyticsReport>(`${path}/analytics?${params}`);
      // Every entry published in the chart's range is marked, not only the newest page of them.
      published = await publishTimes(Date.parse(r.from) / 1000);
      report = r;
      render(r);
      say(status, t('reach.updated', { time: new Date().toLocaleTimeString(lang()) }), 'meta');
    } catch (err) {
      say(status, t('reach.failed', { error: errorText(err) }), 'err');
    } finally {
      busy = false;
    }
  };
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  const resize = typeof ResizeObserver === 'function' ? new ResizeObserver(() => charts.forEach((c) => c.setSize({ width: width(), height: c.height }))) : undefined;
  resize?.observe(box);
  return {
    element: box,
    destroy: () => {
      clearInterval(timer);
      resize?.disconnect();
      for (const c of charts.splice(0)) c.destroy();
    },
  };
}
