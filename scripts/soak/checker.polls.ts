// The checker's part for polls: the counts every reader, SDK reader, browser and the desk last
// saw are the database's, and every acknowledged vote is counted once.
import type { CheckContext } from './checker';
import type { Vote } from './voters';

export async function checkPolls({ db, inp, byTicker, rel, around, finding, figures, serverError }: CheckContext): Promise<void> {
  // 1d. Polls: the counts every reader, SDK reader, browser and the desk last saw are the
  // database's; every acknowledged vote is counted once (the vote each voter holds, by GET …/votes).
  const pollIds = inp.polls.map((p) => p.id);
  const dbCounts = new Map<string, Record<string, number>>(inp.polls.map((p) => [p.id, Object.fromEntries(p.options.map((o) => [o, 0]))]));
  for (const r of (await db.query(`SELECT entry_id, option_id, count(*)::int AS n FROM poll_votes WHERE entry_id = ANY($1) GROUP BY entry_id, option_id`, [pollIds])).rows) {
    dbCounts.get(r.entry_id)![r.option_id] = r.n;
  }
  const same = (a: Record<string, number> | undefined, b: Record<string, number>) => !!a && Object.keys(b).every((k) => (a[k] ?? 0) === b[k]) && Object.keys(a).every((k) => k in b);
  const show = (c?: Record<string, number>) => (c ? Object.entries(c).map(([k, n]) => `${k} ${n}`).join(' ') : 'none');
  const wrongCounts: string[] = [];
  let countViews = 0;
  for (const p of inp.polls) {
    const want = dbCounts.get(p.id)!;
    const dead = byTicker.get(p.ticker)!.get(p.id)?.deleted;
    if (dead) continue;
    const saw = (who: string, got?: Record<string, number>) => {
      countViews++;
      if (!same(got, want)) wrongCounts.push(`poll ${p.id} (${p.ticker}): ${who} saw ${show(got)}, database ${show(want)}`);
    };
    for (const r of inp.readers) for (const v of r.views) if (v.stream === `ticker:${p.ticker}`) saw(`reader ${r.id} (${r.kind})`, v.entries.get(p.id)?.counts);
    for (const r of inp.sdk) if (r.ticker === p.ticker) saw(`SDK reader ${r.id}`, (await r.all()).find((e) => e.id === p.id)?.poll?.results?.counts);
    for (const b of inp.browsers) if (b.ticker === p.ticker && b.shown) saw(`browser ${b.id}`, b.shown.find((e) => e.id === p.id)?.counts);
    saw('the desk', inp.desk.get(p.id));
  }
  finding('poll counts seen = database', wrongCounts);
  const wrongVotes: string[] = [];
  for (const p of inp.polls) {
    const heldTally: Record<string, number> = {};
    const lostTally: Record<string, number> = {};
    for (const v of inp.voters) {
      const mine = inp.votes.filter((x) => x.voter === v.name && x.poll === p.id);
      if (!mine.length) continue;
      if (v.lost) {
        for (const x of mine) lostTally[x.optionId] = (lostTally[x.optionId] ?? 0) + 1;
        continue;
      }
      const held = inp.held.get(v.name)?.get(p.id);
      if (held) heldTally[held] = (heldTally[held] ?? 0) + 1;
      // The last acknowledged vote, or any tried after it without an answer (it may have landed).
      const lastOk = mine.map((x) => x.status === 200).lastIndexOf(true);
      const unanswered = (x: Vote) => x.status === 0 || x.status >= 500;
      const may = new Set([...(lastOk >= 0 ? [mine[lastOk].optionId] : []), ...mine.slice(lastOk + 1).filter(unanswered).map((x) => x.optionId)]);
      const last = mine[Math.max(0, lastOk)];
      if (lastOk >= 0 && !held) wrongVotes.push(`poll ${p.id}: ${v.name}'s vote ${last.optionId} acknowledged ${rel(last.at)}, the server holds none (${around(last.at)})`);
      else if (held && !may.has(held)) wrongVotes.push(`poll ${p.id}: ${v.name} holds ${held}; its last acknowledged vote ${lastOk >= 0 ? `${last.optionId} ${rel(last.at)}` : 'none'}, unanswered after it: ${[...may].join(',') || 'none'} (${around(last.at)})`);
    }
    // Each voter's vote counted once: the database's count of an option is the voters holding
    // it, plus at most the unanswered first votes of devices that never got their cookie.
    for (const o of p.options) {
      const extra = dbCounts.get(p.id)![o] - (heldTally[o] ?? 0);
      if (extra < 0 || extra > (lostTally[o] ?? 0)) wrongVotes.push(`poll ${p.id} option ${o}: database ${dbCounts.get(p.id)![o]}, voters holding it ${heldTally[o] ?? 0}, unanswered votes of cookie-less devices ${lostTally[o] ?? 0}`);
    }
  }
  finding('every acknowledged vote counted once', wrongVotes);
  // A closed poll is closed in the database, and no vote sent after the close was acknowledged took.
  const closedRows = new Set((await db.query(`SELECT id FROM entries WHERE id = ANY($1) AND poll_closed_at IS NOT NULL`, [pollIds])).rows.map((r) => r.id as string));
  const closed = inp.polls.filter((p) => p.closedAt);
  finding('a poll closed by the desk is closed', closed.filter((p) => !closedRows.has(p.id)).map((p) => `poll ${p.id} closed ${rel(p.closedAt!)}, open in the database`));
  const closedAt = new Map(closed.map((p) => [p.id, p.closedAt!]));
  finding(
    'no vote taken after its poll closed',
    inp.votes
      .filter((x) => x.status === 200 && (closedAt.get(x.poll) ?? Infinity) < x.at)
      .map((x) => `vote ${x.voter} on ${x.poll} sent ${rel(x.at)} answered 200, the poll closed ${rel(closedAt.get(x.poll)!)} (${around(x.at)})`),
  );
  const voteStatus = new Map<string, number>();
  for (const x of inp.votes) {
    const k = `${x.status || 'network error'}${x.code ? ` ${x.code}` : ''}${x.status >= 500 ? ` (${x.from})` : ''}`;
    voteStatus.set(k, (voteStatus.get(k) ?? 0) + 1);
  }
  finding(
    'no 5xx from a node to a vote',
    inp.votes.filter((x) => x.from === 'node' && serverError(x.status, x.code, x.at)).map((x) => `vote ${x.voter} on ${x.poll} ${rel(x.at)}: ${x.status} ${x.code} (${around(x.at)})`),
  );
  const totalVotes = [...dbCounts.values()].reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
  figures.push(
    `polls: ${inp.polls.length} (${closed.length} closed by the desk), ${inp.votes.length} votes tried by ${inp.voters.length} voters (${inp.voters.filter((v) => v.lost).length} devices lost their first answer), ${totalVotes} in the database; answers: ${[...voteStatus].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'}; counts compared: ${countViews}, wrong: ${wrongCounts.length}`,
  );

}
