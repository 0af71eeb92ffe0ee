// The checker, run after the quiet period: the readers' views against the database, every
// acknowledged write in the database exactly once, at most one message per clientId, every
// webhook delivered, no reader stuck after the last fault, and latency in and out of faults.
import { Client } from 'pg';
import type { Fault } from './nemesis';
import type { Reader, SdkReader } from './readers';
import type { Latency } from './view';
import type { ChatSend, EditorPoll, Write } from './workload';
import type { Received } from '../../test/helpers/webhook-receiver';
import type { ReceivedPush } from '../../test/helpers/push-receiver';
import type { ShownEntry } from './browser';
import type { Follow } from './push';
import type { Voter, Vote } from './voters';
import { checkPolls } from './checker.polls';
import { checkPush } from './checker.push';

export interface Finding {
  check: string;
  /** How many things failed it. */
  count: number;
  /** The smallest examples, each a line a human can follow. */
  examples: string[];
}

export interface Inputs {
  pgUrl: string;
  tickers: string[];
  readers: Reader[];
  sdk: SdkReader[];
  writes: Write[];
  sends: ChatSend[];
  webhooks: Map<string, Received>;
  webhookDuplicates: number;
  faults: Fault[];
  latencies: Latency[];
  /** Date.now() when the workload began. */
  t0: number;
  /** What each browser's widget showed at the end (every page loaded), and the errors its page threw. */
  browsers: Array<{ id: number; ticker: string; shown?: ShownEntry[]; failed?: string; errors: string[] }>;
  polls: EditorPoll[];
  votes: Vote[];
  voters: Voter[];
  /** The vote the server holds for each voter (GET …/votes at the end): voter → poll → option. */
  held: Map<string, Map<string, string | null>>;
  /** Each poll's counts as the desk reads them (REST with the ops key) at the end. */
  desk: Map<string, Record<string, number> | undefined>;
  follows: Follow[];
  pushes: ReceivedPush[];
}

/** What the parts of the check share: the database, the inputs, its rows by ticker, and how to report. */
export interface CheckContext {
  db: Client;
  inp: Inputs;
  byTicker: Map<string, Map<string, DbEntry>>;
  writeOf: Map<string, Write>;
  /** `t+12.3s` from the workload's start. */
  rel(t: number): string;
  /** The faults around time t, for an example's context. */
  around(t: number): string;
  finding(check: string, examples: string[], count?: number): void;
  figures: string[];
  /** A 5xx that is a finding (not a 503 `unavailable` while PostgreSQL is away). */
  serverError(status: number, code: string | undefined, t: number): boolean;
}

export interface DbEntry {
  id: string;
  ticker_id: string;
  rev: number;
  seq: number;
  version: number;
  body: string;
  kind?: string;
  deleted: boolean;
}

const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

export async function check(inp: Inputs): Promise<{ findings: Finding[]; figures: string[] }> {
  const db = new Client({ connectionString: inp.pgUrl });
  await db.connect();
  const findings: Finding[] = [];
  const figures: string[] = [];
  const rel = (t: number) => `t+${((t - inp.t0) / 1000).toFixed(1)}s`;
  /** The faults whose window (and 10 s after) holds time t: the history around a failure. */
  const around = (t: number) =>
    inp.faults
      .filter((f) => t >= f.start - 2000 && t <= f.end + 10_000)
      .map((f) => `${f.kind} ${f.target} ${rel(f.start)}–${rel(f.end)}`)
      .join('; ') || 'no fault near';
  /**
   * A 503 `unavailable` while PostgreSQL cannot be reached (a pg-restart or cut-pg, and 5 s after)
   * is the designed answer (worth a retry), counted apart; any other 5xx of a node is a finding.
   */
  const dbDown = (t: number) => inp.faults.some((f) => (f.kind === 'pg-restart' || f.kind === 'cut-pg') && t >= f.start - 1000 && t <= f.end + 5000);
  const serverError = (status: number, code: string | undefined, t: number) => status >= 500 && !(status === 503 && code === 'unavailable' && dbDown(t));
  const finding = (check: string, examples: string[], count = examples.length) => {
    if (count > 0) findings.push({ check, count, examples: examples.slice(0, 8) });
  };
  try {
    const rows = (
      await db.query(
        `SELECT id, ticker_id, rev, seq, version, body, kind, deleted_at IS NOT NULL AS deleted FROM entries WHERE ticker_id = ANY($1) AND status = 'published'`,
        [inp.tickers],
      )
    ).rows as DbEntry[];
    const heads = new Map<string, { rev: number; epoch: string }>(
      (await db.query(`SELECT name, rev, epoch FROM streams WHERE name = ANY($1)`, [[...inp.tickers.map((t) => `ticker:${t}`), ...inp.tickers.map((t) => `chat:${t}`)]])).rows.map((r) => [
        r.name,
        { rev: Number(r.rev), epoch: r.epoch },
      ]),
    );
    const byTicker = new Map<string, Map<string, DbEntry>>(inp.tickers.map((t) => [t, new Map()]));
    for (const r of rows) byTicker.get(r.ticker_id)!.set(r.id, { ...r, rev: Number(r.rev), seq: Number(r.seq), version: Number(r.version) });
    const msgs = (
      await db.query(`SELECT id, client_id, author_id, ticker_id, rev, body, status, deleted_at IS NOT NULL AS deleted FROM messages WHERE ticker_id = ANY($1)`, [inp.tickers])
    ).rows as Array<{ id: string; client_id: string; author_id: string; ticker_id: string; rev: number; body: string; status: string; deleted: boolean }>;
    // What a chat stream carries: visible messages and tombstones (held and rejected ones never).
    const chatOf = new Map<string, Map<string, DbEntry>>(inp.tickers.map((t) => [t, new Map()]));
    for (const m of msgs) {
      if (m.status !== 'visible' && m.status !== 'deleted') continue;
      chatOf.get(m.ticker_id)!.set(m.id, { id: m.id, ticker_id: m.ticker_id, rev: Number(m.rev), seq: 0, version: 0, body: m.body, deleted: m.deleted || m.status === 'deleted' });
    }
    const writeOf = new Map<string, Write>(inp.writes.filter((w) => w.kind === 'post' && w.id).map((w) => [w.id!, w]));

    // 1. Every reader's view of every stream it followed equals the database's.
    const wrongViews: string[] = [];
    let viewsChecked = 0;
    let wrongReaders = 0;
    const dupes: string[] = [];
    let gaps = 0;
    let resets = 0;
    let disorder = 0;
    for (const r of inp.readers) {
      let wrong = false;
      for (const v of r.views) {
        viewsChecked++;
        gaps += v.gaps;
        resets += v.resets;
        disorder += v.disorder;
        const chat = v.stream.startsWith('chat:');
        const ticker = v.stream.slice(v.stream.indexOf(':') + 1);
        const want = (chat ? chatOf : byTicker).get(ticker)!;
        const head = heads.get(v.stream)!;
        const problems: string[] = [];
        for (const d of v.duplicates) problems.push(`duplicate entry.created ${d}`);
        if (v.lastRev !== head.rev) problems.push(`position ${v.lastRev}, head ${head.rev}`);
        for (const [id, e] of want) {
          const got = v.entries.get(id);
          const w = writeOf.get(id);
          const ctx = `${id} (${w?.key ?? '?'}, seq ${e.seq}, rev ${e.rev}, posted ${w ? rel(w.at) : '?'}, ${w ? around(w.at) : ''})`;
          if (!got) problems.push(`missing ${ctx}`);
          else if (got.deleted !== e.deleted) problems.push(`${e.deleted ? 'deletion not seen' : 'deleted only here'}: ${ctx}`);
          else if (!e.deleted && ((!chat && got.version !== e.version) || got.body !== e.body)) problems.push(`version ${got.version}, database ${e.version}: ${ctx}`);
        }
        for (const id of v.entries.keys()) if (!want.has(id)) problems.push(`entry ${id} not in the database`);
        if (v.disorder) problems.push(`${v.disorder} changes applied out of rev order`);
        if (problems.length) {
          wrong = true;
          wrongViews.push(`reader ${r.id} (${r.kind}, ${r.sessions} sessions) ${v.stream}: ${problems.slice(0, 4).join(' | ')}${problems.length > 4 ? ` (+${problems.length - 4})` : ''}`);
        }
        dupes.push(...v.duplicates);
      }
      if (wrong) wrongReaders++;
    }
    finding('reader view = database', wrongViews, wrongReaders);
    figures.push(`views checked: ${viewsChecked} (${inp.readers.length} readers); wrong: ${wrongViews.length}; duplicates delivered: ${dupes.length}; gaps healed: ${gaps}; resets: ${resets}; out of order: ${disorder}`);

    // 1b. Every SDK reader's list (all pages loaded) is the database's, in its order, each entry once with its last edit.
    const wrongSdk: string[] = [];
    for (const r of inp.sdk) {
      const got = await r.all();
      const want = [...byTicker.get(r.ticker)!.values()].filter((e) => !e.deleted).sort((a, b) => (r.order === 'newest' ? b.seq - a.seq : a.seq - b.seq));
      const problems: string[] = [];
      const head = heads.get(`ticker:${r.ticker}`)!.rev;
      if (r.view!.rev !== head) problems.push(`position ${r.view!.rev}, head ${head}`);
      const seen = new Set<string>();
      for (const e of got) {
        if (seen.has(e.id)) problems.push(`${e.id} twice`);
        seen.add(e.id);
      }
      const gotIds = got.map((e) => e.id).join(',');
      if (gotIds !== want.map((e) => e.id).join(',')) {
        const missing = want.filter((e) => !seen.has(e.id));
        const extra = got.filter((e) => !byTicker.get(r.ticker)!.get(e.id) || byTicker.get(r.ticker)!.get(e.id)!.deleted);
        problems.push(`list differs (${got.length} held, ${want.length} in the database; missing ${missing.slice(0, 3).map((e) => `${e.id} seq ${e.seq} (${around(writeOf.get(e.id)?.at ?? 0)})`).join(', ') || 'none'}; deleted or unknown held ${extra.slice(0, 3).map((e) => e.id).join(', ') || 'none'})`);
      }
      for (const e of got) {
        const d = byTicker.get(r.ticker)!.get(e.id);
        if (d && !d.deleted && (e.version !== d.version || e.body !== d.body)) problems.push(`${e.id} at version ${e.version}, database ${d.version}`);
      }
      if (problems.length) wrongSdk.push(`SDK reader ${r.id} (${r.ticker}, ${r.order} first): ${problems.slice(0, 4).join(' | ')}`);
    }
    finding('SDK reader list = database', wrongSdk);
    figures.push(`SDK readers checked: ${inp.sdk.length} (every page loaded); wrong: ${wrongSdk.length}`);

    // 1c. Every browser's widget shows the database's entries, newest first, each once with its last edit.
    const text = (html: string) => html.replace(/<[^>]*>/g, '').trim();
    const wrongBrowsers: string[] = [];
    for (const b of inp.browsers) {
      if (!b.shown) {
        wrongBrowsers.push(`browser ${b.id} (${b.ticker}): could not be read: ${b.failed}`);
        continue;
      }
      const want = [...byTicker.get(b.ticker)!.values()].filter((e) => !e.deleted).sort((x, y) => y.seq - x.seq);
      const problems: string[] = [];
      const seen = new Set<string>();
      for (const e of b.shown) {
        if (seen.has(e.id)) problems.push(`${e.id} shown twice`);
        seen.add(e.id);
        const d = byTicker.get(b.ticker)!.get(e.id);
        if (!d) problems.push(`${e.id} shown, not in the database`);
        else if (d.deleted) problems.push(`${e.id} shown though deleted (${around(writeOf.get(e.id)?.at ?? 0)})`);
        else if (!e.text.includes(text(d.body))) problems.push(`${e.id} shows "${e.text.slice(0, 60)}", database "${text(d.body).slice(0, 60)}" (version ${d.version})`);
      }
      if (b.shown.map((e) => e.id).join(',') !== want.map((e) => e.id).join(',')) {
        const missing = want.filter((e) => !seen.has(e.id));
        problems.push(`list differs (${b.shown.length} shown, ${want.length} in the database; missing ${missing.slice(0, 3).map((e) => `${e.id} seq ${e.seq} (${around(writeOf.get(e.id)?.at ?? 0)})`).join(', ') || 'none'})`);
      }
      if (problems.length) wrongBrowsers.push(`browser ${b.id} (${b.ticker}): ${problems.slice(0, 4).join(' | ')}${problems.length > 4 ? ` (+${problems.length - 4})` : ''}`);
    }
    finding('browser widget = database', wrongBrowsers);
    // Uncaught errors only: a request the page saw fail (a 502 while nginx has no node) is the
    // widget's to retry, counted below.
    finding('no error thrown in a widget\'s page', inp.browsers.flatMap((b) => b.errors.filter((e) => e.startsWith('pageerror')).map((e) => `browser ${b.id}: ${e}`)));
    const failedLoads = inp.browsers.flatMap((b) => b.errors.filter((e) => !e.startsWith('pageerror')));
    figures.push(
      `browsers checked: ${inp.browsers.length} (${inp.browsers.map((b) => `${b.ticker}: ${b.shown?.length ?? '?'} entries`).join(', ') || 'none'}); wrong: ${wrongBrowsers.length}; console errors (failed loads, retried): ${[...new Set(failedLoads)].map((e) => `${e} ×${failedLoads.filter((x) => x === e).length}`).join('; ') || 'none'}`,
    );

    // 1d. Polls and 1e. Web Push (checker.polls.ts, checker.push.ts).
    const ctx: CheckContext = { db, inp, byTicker, writeOf, rel, around, finding, figures, serverError };
    await checkPolls(ctx);
    await checkPush(ctx);

    // 2. Every acknowledged write is in the database exactly once; nothing is there twice.
    const markers = new Map<string, number>();
    for (const r of rows) for (const m of r.body.matchAll(/soak-\d+-/g)) markers.set(m[0], (markers.get(m[0]) ?? 0) + 1);
    const posts = inp.writes.filter((w) => w.kind === 'post');
    const acked = posts.filter((w) => w.status === 201);
    finding(
      'acknowledged post in the database',
      acked.filter((w) => !rows.some((r) => r.id === w.id)).map((w) => `${w.key} ${w.id} acknowledged ${rel(w.at)} but not in the database (${around(w.at)})`),
    );
    finding(
      'each post at most once',
      [...markers].filter(([, n]) => n > 1).map(([m, n]) => `${m} ${n} times (${around(posts.find((w) => w.key === m)?.at ?? 0)})`),
    );
    const landedUnacked = posts.filter((w) => w.status !== 201 && markers.has(w.key)).length;
    const lastEdit = new Map<string, Write>();
    for (const w of inp.writes) if (w.kind === 'edit' && w.status === 200) lastEdit.set(w.key, w);
    const edits: string[] = [];
    for (const [id, w] of lastEdit) {
      const e = rows.find((r) => r.id === id);
      if (!e) edits.push(`edit of ${id} acknowledged ${rel(w.at)}: entry gone`);
      else if (Number(e.version) < w.version!) edits.push(`edit of ${id} acknowledged at version ${w.version} ${rel(w.at)}, database at ${e.version} (${around(w.at)})`);
      else if (Number(e.version) === w.version && !e.deleted && e.body !== w.body) edits.push(`edit of ${id} version ${w.version}: body differs from the acknowledged one`);
    }
    finding('acknowledged edit kept', edits);
    const deletes = inp.writes.filter((w) => w.kind === 'delete' && w.id);
    finding(
      'acknowledged delete kept',
      deletes.filter((w) => !rows.find((r) => r.id === w.id)?.deleted).map((w) => `delete of ${w.id} acknowledged ${rel(w.at)}, not deleted in the database (${around(w.at)})`),
    );
    const statuses = new Map<string, number>();
    for (const w of inp.writes) {
      const k = `${w.kind} ${w.status || 'network error'}${w.from && w.status >= 400 ? ` (${w.from})` : ''}`;
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    }
    finding(
      'no 5xx from a node',
      inp.writes.filter((w) => w.from === 'node' && serverError(w.status, /"code":"(\w+)"/.exec(w.error ?? '')?.[1], w.at)).map((w) => `${w.kind} ${w.key} ${rel(w.at)}: ${w.status} ${w.error} (${around(w.at)})`),
    );
    figures.push(
      `writes: ${posts.length} posts (${acked.length} acknowledged, ${landedUnacked} landed without an answer), ${lastEdit.size} entries edited, ${deletes.length} deleted; answers: ${[...statuses].map(([k, n]) => `${k}: ${n}`).join(', ')}`,
    );

    // 3. Every clientId produced at most one message; every acknowledged one exactly one.
    const perClient = new Map<string, string[]>();
    for (const m of msgs) perClient.set(`${m.author_id}/${m.client_id}`, [...(perClient.get(`${m.author_id}/${m.client_id}`) ?? []), m.id]);
    finding('one message per clientId', [...perClient].filter(([, ids]) => ids.length > 1).map(([k, ids]) => `${k}: ${ids.length} messages`));
    const ackedSends = inp.sends.filter((s) => s.messageId);
    finding(
      'acknowledged message in the database, one id per clientId',
      ackedSends
        .filter((s) => s.ackedIds.size > 1 || !msgs.some((m) => m.id === s.messageId && m.client_id === s.clientId))
        .map((s) => `${s.clientId}: acks named ${[...s.ackedIds].join(',')}; database ${perClient.get(`${s.user}/${s.clientId}`)?.join(',') ?? 'none'}`),
    );
    finding(
      'no internal error acknowledged to a chatter',
      inp.sends.flatMap((s) => s.internalAt.map((at) => `chat:send ${s.clientId} answered internal at ${rel(at)} (${around(at)})`)),
    );
    finding(
      'a retry gets its first message back, never refused as a duplicate of itself',
      inp.sends
        .filter((s) => s.duplicateAt.length && perClient.has(`${s.user}/${s.clientId}`))
        .map((s) => `chat:send ${s.clientId} refused as a duplicate at ${s.duplicateAt.map(rel).join(', ')} though its message ${perClient.get(`${s.user}/${s.clientId}`)} was stored (${around(s.duplicateAt[0])})`),
    );
    const tries = inp.sends.reduce((n, s) => n + s.tries, 0);
    const errors = new Map<string, number>();
    for (const s of inp.sends) for (const [k, n] of s.errors) errors.set(k, (errors.get(k) ?? 0) + n);
    figures.push(
      `chat: ${inp.sends.length} messages sent (${tries} tries), ${ackedSends.length} acknowledged, ${msgs.length} in the database; retried errors: ${[...errors].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'}`,
    );

    // 4. Every webhook delivered at least once: each row's last change, by webhook-id.
    const want: string[] = [];
    for (const r of rows) want.push(`ticker:${r.ticker_id}:${heads.get(`ticker:${r.ticker_id}`)!.epoch}:${r.rev}`);
    for (const m of msgs) want.push(`chat:${m.ticker_id}:${heads.get(`chat:${m.ticker_id}`)?.epoch}:${m.rev}`);
    const missingHooks = want.filter((id) => !inp.webhooks.has(id));
    finding('webhook delivered', missingHooks.map((id) => `${id} never delivered`));
    figures.push(`webhooks: ${inp.webhooks.size} ids received, ${want.length} rows' last changes expected, ${missingHooks.length} missing, ${inp.webhookDuplicates} delivered again (same id)`);

    // 5. No reader stuck: each saw a change within 30 s of the last fault's end (when its ticker changed then).
    const lastEnd = Math.max(inp.t0, ...inp.faults.map((f) => f.end));
    const changedAfter = new Set([
      ...inp.writes.filter((w) => w.status >= 200 && w.status < 300 && w.at >= lastEnd && w.at <= lastEnd + 25_000).map((w) => `ticker:${w.ticker}`),
      ...inp.sends.filter((s) => s.ackedAt && s.ackedAt >= lastEnd && s.ackedAt <= lastEnd + 25_000).map((s) => `chat:${s.ticker}`),
    ]);
    const stuck: string[] = [];
    for (const r of inp.readers) {
      for (const v of r.views) {
        if (!changedAfter.has(v.stream)) continue;
        let saw = false;
        for (let s = Math.floor(lastEnd / 1000); s <= Math.floor((lastEnd + 30_000) / 1000); s++) if (v.changeSeconds.has(s)) saw = true;
        if (!saw) stuck.push(`reader ${r.id} (${r.kind}) ${v.stream}: nothing between ${rel(lastEnd)} and +30 s; last change ${v.lastChangeAt ? rel(v.lastChangeAt) : 'never'}, refusals ${JSON.stringify(Object.fromEntries(r.refusals))}`);
      }
    }
    finding('no reader stuck after the last fault', stuck);

    // 6. Latency of live deliveries (the editor's stamp to the reader), outside fault windows and
    // inside them. A fault's window runs from its start until every reader had resumed after it:
    // each reader's first live delivery of an entry written after the fault ended (the node back,
    // Redis or PostgreSQL back) has arrived, plus a 2 s margin (at most 60 s past the end). A
    // delivery is inside when it was in flight (its stamp to its arrival) during a window.
    const byReader = new Map<number, Latency[]>();
    for (const l of inp.latencies) {
      const ls = byReader.get(l.reader);
      if (ls) ls.push(l);
      else byReader.set(l.reader, [l]);
    }
    for (const ls of byReader.values()) ls.sort((x, y) => x.t0 - y.t0);
    const windows = inp.faults.map((f) => {
      let resumed = f.end;
      let slowest = -1;
      for (const [reader, ls] of byReader) {
        const first = ls.find((l) => l.t0 >= f.end);
        if (first && first.t0 + first.ms > resumed) {
          resumed = first.t0 + first.ms;
          slowest = reader;
        }
      }
      const end = Math.min(resumed, f.end + 58_000) + 2000;
      return { f, start: f.start, end, recovery: resumed - f.end, slowest };
    });
    const inWindow = (l: Latency) => windows.some((w) => l.t0 <= w.end && l.t0 + l.ms >= w.start);
    const outside = inp.latencies.filter((l) => !inWindow(l)).map((l) => l.ms).sort((a, b) => a - b);
    const inside = inp.latencies.filter(inWindow).map((l) => l.ms).sort((a, b) => a - b);
    // The old measure (a stamp within a fault or the 10 s after it), for comparison with earlier runs.
    const old = inp.latencies.filter((l) => !inp.faults.some((f) => l.t0 >= f.start && l.t0 <= f.end + 10_000)).map((l) => l.ms).sort((a, b) => a - b);
    const line = (xs: number[]) => `${xs.length} deliveries, p50 ${pct(xs, 50)} ms, p99 ${pct(xs, 99)} ms, max ${pct(xs, 100)} ms`;
    const span = windows.reduce((n, w) => n + (w.end - w.start), 0);
    figures.push(`live latency outside fault windows (until every reader resumed + 2 s; ${(span / 1000).toFixed(0)} s of the run in windows): ${line(outside)}`);
    figures.push(`live latency in fault windows: ${line(inside)}`);
    figures.push(`live latency outside faults + 10 s (the earlier measure): ${line(old)}`);
    // Where the tail outside the windows comes from: the p99 of each minute of the run (by the
    // stamp, from t+0 as in the timeline), its deliveries outside the windows only.
    const perMinute = new Map<number, number[]>();
    for (const l of inp.latencies) {
      if (inWindow(l)) continue;
      const m = Math.floor((l.t0 - inp.t0) / 60_000);
      const xs = perMinute.get(m);
      if (xs) xs.push(l.ms);
      else perMinute.set(m, [l.ms]);
    }
    const minutes = [...perMinute].sort(([a], [b]) => a - b).map(([m, xs]) => `${m}: ${pct(xs.sort((a, b) => a - b), 99)}`);
    figures.push(`live p99 outside the windows by minute of the run (minute: ms): ${minutes.join(', ') || 'none'}`);
    figures.push(`recovery (fault end → every reader's first live delivery after it): ${windows.map((w) => `${w.f.kind} ${w.f.target} ${(w.recovery / 1000).toFixed(1)} s`).join(', ') || 'no faults'}`);
  } finally {
    await db.end();
  }
  return { findings, figures };
}
