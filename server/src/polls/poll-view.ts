import type { Poll, PollInput, PollResults } from '@liveticker/schemas';
import type { EntriesTable } from '../db/tables';

/** What an entry row keeps of its poll. */
export type PollRow = Pick<EntriesTable, 'poll' | 'poll_closed_at' | 'poll_results'>;

/** The poll as its editor wrote it (stored JSON), or undefined for any other entry. */
export function pollInputOf(row: Pick<EntriesTable, 'poll'>): PollInput | undefined {
  return row.poll ? (JSON.parse(row.poll) as PollInput) : undefined;
}

/** No votes yet: every option at 0. */
export function emptyResults(poll: PollInput): PollResults {
  return withLoggedIn(poll, { total: 0, counts: Object.fromEntries(poll.options.map((o) => [o.id, 0])), loggedIn: 0 });
}

/** `loggedIn` only where anonymous votes are allowed (elsewhere every vote is a logged-in reader's). */
export function withLoggedIn(poll: Pick<PollInput, 'allowAnonymous'>, r: PollResults): PollResults {
  if (poll.allowAnonymous) return r;
  const { loggedIn: _omit, ...rest } = r;
  return rest;
}

/**
 * Whether everyone may see a poll's counts: `always`, or once it has closed. This is what the
 * shared reads carry (REST pages, the stream, catch-up, the rendered page, feeds): they are the
 * same for every reader (and cached by the stream's head). A reader who voted in an `after-vote`
 * poll gets the counts in the vote's answer and from `GET …/votes`, which are theirs alone.
 */
export function resultsPublic(poll: Pick<PollInput, 'results'>, closed: boolean): boolean {
  return poll.results === 'always' || closed;
}

/**
 * Whether a vote makes a (coalesced) change on the stream: when someone besides the desk may see
 * the counts live. `always`: the change carries them. `after-vote`: it carries none (the stream is
 * everyone's), but it tells the readers who voted that their counts moved, and they read them from
 * `GET …/votes`. `after-close`: nobody may, so no change until the close.
 */
export function changesOnVote(poll: Pick<PollInput, 'results'>): boolean {
  return poll.results !== 'after-close';
}

/**
 * The poll of an entry as the shared reads show it: the counts last published (`poll_results`)
 * only when they are public; `results` given (the desk's live counts) shows those instead.
 */
export function pollView(row: PollRow, results?: PollResults): Poll | undefined {
  const poll = pollInputOf(row);
  if (!poll) return undefined;
  const closed = Boolean(row.poll_closed_at);
  const shown = results ?? (resultsPublic(poll, closed) ? withLoggedIn(poll, row.poll_results ? (JSON.parse(row.poll_results) as PollResults) : emptyResults(poll)) : undefined);
  return {
    question: poll.question,
    options: poll.options.map((o) => ({ id: o.id, label: o.label })),
    closesAt: poll.closesAt ?? null,
    resultsMode: poll.results,
    allowAnonymous: poll.allowAnonymous,
    closed,
    closedAt: row.poll_closed_at ?? null,
    ...(shown && { results: shown }),
  };
}
