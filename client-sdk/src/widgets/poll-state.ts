import type { Poll, PollResults } from '@liveticker/schemas';

/**
 * Pure decisions of the poll widget (no DOM): which counts to show, percentages, what to announce.
 */

/**
 * The counts to show of two sources (the stream's, the vote's answer): the one with more votes,
 * the newer one on a tie. A vote's answer is counted live and may be ahead of the stream's last
 * change, which is counted once a second: without this a reader's bars would step back.
 */
export function newerResults(a: PollResults | undefined, b: PollResults | undefined): PollResults | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.total >= a.total ? b : a;
}

/** Whole percents per option that add up to 100 (largest remainders), 0 each when nobody voted. */
export function percentages(poll: Pick<Poll, 'options'>, r: PollResults): Record<string, number> {
  const out: Record<string, number> = {};
  if (r.total === 0) {
    for (const o of poll.options) out[o.id] = 0;
    return out;
  }
  const exact = poll.options.map((o) => ({ id: o.id, v: ((r.counts[o.id] ?? 0) * 100) / r.total }));
  let left = 100;
  for (const e of exact) left -= out[e.id] = Math.floor(e.v);
  for (const e of [...exact].sort((x, y) => y.v - Math.floor(y.v) - (x.v - Math.floor(x.v))).slice(0, left)) out[e.id]! += 1;
  return out;
}

/** "Yes 60 % (12), No 40 % (8)": the result in words, most votes first. */
export function resultText(poll: Pick<Poll, 'options'>, r: PollResults): string {
  const pct = percentages(poll, r);
  return [...poll.options]
    .sort((a, b) => (r.counts[b.id] ?? 0) - (r.counts[a.id] ?? 0))
    .map((o) => `${o.label} ${pct[o.id]} % (${r.counts[o.id] ?? 0})`)
    .join(', ');
}
