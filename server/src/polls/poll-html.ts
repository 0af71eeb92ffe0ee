import type { Poll } from '@liveticker/schemas';

const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const WORDS: Record<string, { poll: string; closed: string; open: string; votes: (n: number) => string }> = {
  de: { poll: 'Umfrage', closed: 'Abgeschlossen', open: 'Abstimmen im Liveticker', votes: (n) => `${n} ${n === 1 ? 'Stimme' : 'Stimmen'}` },
  en: { poll: 'Poll', closed: 'Closed', open: 'Vote in the live ticker', votes: (n) => `${n} ${n === 1 ? 'vote' : 'votes'}` },
  ru: { poll: 'Опрос', closed: 'Завершён', open: 'Голосуйте в тикере', votes: (n) => `голосов: ${n}` },
};

/** Whole percent of `n` in `total` (0 when nobody voted). */
export function percent(n: number, total: number): number {
  return total > 0 ? Math.round((n / total) * 100) : 0;
}

/**
 * A poll as static HTML (the rendered page, feeds): the question and the options; with counts
 * (as text: percent and votes) only where the poll view carries them, i.e. where every reader may
 * see them. `closedOnly`: counts only once it closed (feeds, which keep what they were sent, and
 * the rendered page, which a CDN keeps for a while: both show the results once closed).
 */
export function pollHtml(poll: Poll, lang: string, opts: { closedOnly?: boolean } = {}): string {
  const w = WORDS[lang] ?? WORDS.en!;
  const results = poll.results && (!opts.closedOnly || poll.closed) ? poll.results : undefined;
  const items = poll.options.map((o) => {
    if (!results) return `<li>${esc(o.label)}</li>`;
    const n = results.counts[o.id] ?? 0;
    return `<li class="lt-poll-result" data-votes="${n}">${esc(o.label)}: ${percent(n, results.total)} % (${esc(w.votes(n))})</li>`;
  });
  const foot = poll.closed ? `${w.closed}${results ? ` · ${w.votes(results.total)}` : ''}` : results ? `${w.votes(results.total)} · ${w.open}` : w.open;
  return `<section class="lt-poll" aria-label="${esc(w.poll)}"><p class="lt-poll-q"><strong>${esc(poll.question)}</strong></p><ul>${items.join('')}</ul><p class="lt-poll-foot">${esc(foot)}</p></section>`;
}
