import { VoteBody, tickerStream } from '@liveticker/schemas';
import type { Entry, EntryChange, PollInput, VoteState } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { isDeskMember } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { commit } from '../db/commit';
import type { Write } from '../db/commit';
import type { Db, Trx } from '../db/database';
import { AppError, parseInput } from '../errors';
import { updateEntry } from '../tickers/entries.repo';
import { changesOnVote, pollInputOf, pollView, resultsPublic } from './poll-view';
import { claimClose, claimResults, clearPollDirty, countVotes, findEntryRow, findVote, markPollDirty, pollColumns, pollForVote, upsertVote } from './polls.repo';
import { newDeviceId } from './device';

type Ctx = Pick<AppContext, 'db' | 'dialect' | 'publisher' | 'limiters' | 'config'>;

/** Who is voting: a logged-in reader (the actor), else the device of the signed cookie, from an address. */
export interface Voter {
  actor?: Actor;
  /** The device id of a valid cookie; none: a new one is made when the poll takes anonymous votes. */
  deviceId?: string;
  ipKey: string;
}

/** Votes one address may cast per minute over every poll, and one reader per minute. */
export const VOTE_LIMITS = {
  voteIp: { points: 600, duration: 60 },
  voteUser: { points: 120, duration: 60 },
};

/** How long an address's anonymous votes in one poll are counted against its cap, s (the memory store's timers stop at 24.8 days). */
const ADDRESS_CAP_SECONDS = 7 * 24 * 3600;

/** Only verified readers vote in a poll without `allowAnonymous`: anonymous → `login_required`, unverified → `email_not_verified`. */
function refuseAnonymous(actor: Actor | undefined): never {
  requireRole(actor, 'reader');
  throw new AppError('login_required', 'log in to vote');
}

/** Whether a poll row is one readers can see (and vote in). */
function livePoll(row: { status: string; deleted_at: string | null; poll?: string | null } | undefined): PollInput | undefined {
  if (!row || row.status !== 'published' || row.deleted_at) return undefined;
  return pollInputOf(row);
}

/** Closed by an editor, or its time has passed on this server's clock. */
function isClosed(row: { poll_closed_at?: string | null }, poll: PollInput, now: number): boolean {
  return Boolean(row.poll_closed_at) || (poll.closesAt != null && Date.parse(poll.closesAt) <= now);
}

/**
 * `POST …/entries/:entryId/votes {optionId}`. A verified reader's vote is theirs (`u:<id>`); with
 * `allowAnonymous`, anyone else's is their device's (`d:<id>`, the signed cookie), at most
 * `pollVotesPerAddress` new devices per poll and address. A second vote of the same voter changes
 * their vote (one row, changed atomically: the database's primary key holds across nodes).
 * Answers the reader's vote, and the counts when they may see them; `newDevice` is a device id
 * the caller must set as the cookie.
 */
export async function castVote(ctx: Ctx, tickerId: string, entryId: string, body: unknown, who: Voter): Promise<{ state: VoteState; newDevice?: string }> {
  const input = parseInput(VoteBody, body, 'vote');
  await ctx.limiters.consume('voteIp', who.ipKey, ctx.config.limitOverrides.voteIp ?? VOTE_LIMITS.voteIp);
  const member = who.actor?.emailVerified ? who.actor : undefined;
  if (member) await ctx.limiters.consume('voteUser', member.id, ctx.config.limitOverrides.voteUser ?? VOTE_LIMITS.voteUser);
  let newDevice: string | undefined;
  const out = await commit(ctx, async (w) => {
    const row = await pollForVote(w.trx, ctx.dialect, tickerId, entryId);
    const poll = livePoll(row);
    if (!row || !poll) throw new AppError('not_found', `no poll ${entryId} in ticker ${tickerId}`);
    const voter = member ? `u:${member.id}` : poll.allowAnonymous ? `d:${who.deviceId ?? (newDevice = newDeviceId())}` : refuseAnonymous(who.actor);
    if (isClosed(row, poll, Date.now())) throw new AppError('poll_closed', 'this poll has closed', { closesAt: poll.closesAt ?? row.poll_closed_at });
    if (!poll.options.some((o) => o.id === input.optionId)) {
      throw new AppError('validation_failed', 'invalid vote', [{ path: 'optionId', message: 'not an option of this poll' }]);
    }
    // A device's first vote in the poll counts against its address's cap; changing it does not.
    if (!member && !(newDevice === undefined && (await findVote(w.trx, entryId, voter)))) {
      const spec = { points: ctx.config.polls.votesPerAddress, duration: ADDRESS_CAP_SECONDS };
      await ctx.limiters.consume(`pollAddress-${spec.points}`, `${entryId}:${who.ipKey}`, spec).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'rate_limited') {
          throw new AppError('vote_limit_reached', `this address has cast the ${spec.points} anonymous votes a poll takes from one address`, err.details);
        }
        throw err;
      });
    }
    await upsertVote(w.trx, { entryId, voter, optionId: input.optionId, member: Boolean(member), at: new Date().toISOString() });
    const sees = poll.results !== 'after-close' || isDeskMember(who.actor);
    const state: VoteState = { entryId, optionId: input.optionId, closed: false, ...(sees && { results: await countVotes(w.trx, entryId, poll) }) };
    return { state, poll };
  });
  // After the commit, never inside it (see PollSweep): the sweep that deletes the mark counts
  // every vote marked before. Only counts everyone sees go out on the stream; an `after-vote`
  // poll's change goes without them (its voters read theirs).
  if (changesOnVote(out.poll)) await markPollDirty(ctx.db, tickerId, entryId);
  return { state: out.state, newDevice };
}

/** `GET …/entries/:entryId/votes`: the reader's own vote (null: none) and the counts when they may see them. */
export async function myVote(ctx: Pick<AppContext, 'db'>, tickerId: string, entryId: string, who: Omit<Voter, 'ipKey'>): Promise<VoteState> {
  const row = await findEntryRow(ctx.db, tickerId, entryId);
  const poll = livePoll(row);
  if (!row || !poll) throw new AppError('not_found', `no poll ${entryId} in ticker ${tickerId}`);
  const voter = who.actor?.emailVerified ? `u:${who.actor.id}` : who.deviceId ? `d:${who.deviceId}` : undefined;
  const optionId = (voter && (await findVote(ctx.db, entryId, voter))) ?? null;
  const closed = isClosed(row, poll, Date.now());
  const sees = resultsPublic(poll, closed) || (poll.results === 'after-vote' && optionId !== null) || isDeskMember(who.actor);
  return { entryId, optionId, closed, ...(sees && { results: await countVotes(ctx.db, entryId, poll) }) };
}

/** The desk (editors, moderators) sees every poll's counts as the database has them now, whatever readers are shown. */
export async function withDeskResults(db: Db, entries: Entry[]): Promise<Entry[]> {
  return Promise.all(
    entries.map(async (e) => {
      if (!e.poll) return e;
      const row = await pollColumns(db, e.id);
      const poll = row && pollInputOf(row);
      return row && poll ? { ...e, poll: pollView(row, await countVotes(db, e.id, poll)) } : e;
    }),
  );
}

/**
 * Closes a poll: the change every reader gets at once (`entry.updated` with `closed` and the final
 * counts, public from now on). The row's update is the claim: it waits for the votes under way
 * (they hold it shared) and counts them; exactly one transaction closes a poll. `dueBy`: only if
 * its time has come by then (the sweep), closed at its planned time. Undefined when it was not open.
 */
export async function closeIn(w: Write, tickerId: string, id: string, at: string, dueBy?: string): Promise<EntryChange | undefined> {
  // The stream's lock before the row's, as every entry write takes them (see flushIn).
  await w.lock(tickerStream(tickerId));
  if (!(await claimClose(w.trx, tickerId, id, at, dueBy))) return undefined;
  return publishResults(w, tickerId, id, at);
}

/** Counts a poll's votes now and publishes them on its entry (a new revision of the ticker). */
async function publishResults(w: Write, tickerId: string, id: string, at: string, unlessSame?: string | null): Promise<EntryChange | undefined> {
  const poll = pollInputOf((await pollColumns(w.trx, id))!)!;
  await clearPollDirty(w.trx, id);
  const results = JSON.stringify(await countVotes(w.trx, id, poll));
  if (unlessSame !== undefined && results === unlessSame) return undefined;
  return w.change(tickerStream(tickerId), 'entry.updated', (rev) => updateEntry(w.trx, tickerId, id, { rev, poll_results: results, poll_results_at: at }));
}

/**
 * The coalesced live counts of one poll marked dirty: published at most once every `minGapMs`
 * across nodes (the row's `poll_results_at` is claimed in this transaction), and only when they
 * differ from the last published. `later`: too soon, the mark stays for the next round. The
 * change shows the counts only where everyone may see them (`pollView`): an `after-vote` poll's
 * is the signal without them.
 */
export async function flushIn(w: Write, tickerId: string, id: string, now: Date, minGapMs: number): Promise<'later' | EntryChange | undefined> {
  const trx: Trx = w.trx;
  const row = await findEntryRow(trx, tickerId, id);
  const poll = livePoll(row);
  if (!row || !poll || row.poll_closed_at || !changesOnVote(poll)) {
    // Gone, closed (the close published the final counts) or counts nobody is shown: nothing to do.
    await clearPollDirty(trx, id);
    return undefined;
  }
  const at = now.toISOString();
  // The stream's lock first: an edit of the poll takes it, then the poll's row; a claim that took
  // the row first and then waited for the stream would wait for that edit in a circle (deadlock).
  await w.lock(tickerStream(tickerId));
  if (!(await claimResults(trx, id, at, new Date(now.getTime() - minGapMs).toISOString()))) return 'later';
  return publishResults(w, tickerId, id, at, row.poll_results ?? null);
}

/** `POST …/entries/:entryId/close` (editors): closes the poll now; answers the entry as the desk sees it. */
export async function closePoll(ctx: Ctx, actor: Actor | undefined, tickerId: string, id: string): Promise<Entry> {
  requireRole(actor, 'editor');
  const change = await commit(ctx, async (w) => {
    const row = await findEntryRow(w.trx, tickerId, id);
    const poll = livePoll(row);
    if (!row || !poll) throw new AppError('not_found', `no poll ${id} in ticker ${tickerId}`);
    const closed = await closeIn(w, tickerId, id, new Date().toISOString());
    if (!closed) throw new AppError('poll_closed', 'this poll has closed already');
    return closed;
  });
  const [entry] = await withDeskResults(ctx.db, [change.data]);
  return entry!;
}
