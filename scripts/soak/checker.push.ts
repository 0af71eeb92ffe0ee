// The checker's part for Web Push: every entry a follow is due was pushed about at least once.
import type { ReceivedPush } from '../../test/helpers/push-receiver';
import type { CheckContext } from './checker';

export async function checkPush({ db, inp, byTicker, writeOf, around, finding, figures }: CheckContext): Promise<void> {
  // 1e. Web Push: every entry a follow is due (its topics, published after it was made) is
  // pushed about at least once: the pushes, told apart by their revision, cover the last due
  // entry, and their counts add up to the due entries (less those deleted before their push).
  const published = (await db.query(`SELECT ticker_id, entry_id, rev, kind FROM push_entries WHERE ticker_id = ANY($1)`, [inp.tickers])).rows.map((r) => ({ ...r, rev: Number(r.rev) }));
  const wrongPush: string[] = [];
  let pushes = 0;
  let repeated = 0;
  for (const f of inp.follows) {
    const got = inp.pushes.filter((p) => p.id === f.sub.id && p.status >= 200 && p.status < 300);
    for (const p of got) if (p.problems.length) wrongPush.push(`follow ${f.id}: a push with ${p.problems.join('; ')}`);
    const byRev = new Map<number, ReceivedPush>();
    for (const p of got) {
      if (p.payload && byRev.has(p.payload.rev)) repeated++;
      if (p.payload) byRev.set(p.payload.rev, p);
    }
    pushes += byRev.size;
    const due = published.filter((e) => e.ticker_id === f.ticker && (f.topics === 'all' || e.kind === 'key-event'));
    const kept = due.filter((e) => !byTicker.get(f.ticker)!.get(e.entry_id)?.deleted);
    const lastKept = Math.max(-1, ...kept.map((e) => e.rev));
    const lastPushed = Math.max(-1, ...byRev.keys());
    if (lastPushed < lastKept) {
      const missed = kept.filter((e) => e.rev > lastPushed);
      wrongPush.push(`follow ${f.id} (${f.ticker}, ${f.topics}): ${missed.length} entries never pushed about, e.g. ${missed.slice(0, 3).map((e) => `${e.entry_id} rev ${e.rev} (${around(writeOf.get(e.entry_id)?.at ?? 0)})`).join(', ')}`);
    }
    const counted = [...byRev.values()].reduce((n, p) => n + Number(p.payload.count ?? 1), 0);
    if (counted < kept.length || counted > due.length) wrongPush.push(`follow ${f.id} (${f.ticker}, ${f.topics}): the pushes count ${counted} entries; due ${due.length}, ${kept.length} of them not deleted`);
    for (const p of byRev.values()) {
      const e = published.find((x) => x.entry_id === p.payload.entryId);
      if (!e || e.rev !== p.payload.rev || (f.topics === 'key-events' && e.kind !== 'key-event')) wrongPush.push(`follow ${f.id} (${f.topics}): a push about ${p.payload.entryId} rev ${p.payload.rev}, published ${e ? `at rev ${e.rev} as ${e.kind}` : 'never'}`);
    }
  }
  finding('every due entry pushed about', wrongPush);
  figures.push(`push: ${inp.follows.length} follows, ${pushes} pushes (by revision) + ${repeated} repeated (deduplicable by rev), ${published.length} entries published on the followed tickers`);

}
