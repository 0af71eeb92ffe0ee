import type { PollInput, PollResults } from '@liveticker/schemas';
import type { Db, DialectName, Trx } from '../db/database';
import type { EntriesTable } from '../db/tables';
import { withLoggedIn } from './poll-view';

/**
 * A published, live poll entry's row, read for a vote. On PostgreSQL the row is share-locked
 * until the vote commits: a close (which updates the row) waits for the votes under way and
 * counts them, and a vote after it sees the poll closed. (SQLite has one writer at a time.)
 */
export async function pollForVote(trx: Trx, dialect: DialectName, tickerId: string, id: string): Promise<EntriesTable | undefined> {
  let q = trx.selectFrom('entries').selectAll().where('ticker_id', '=', tickerId).where('id', '=', id);
  if (dialect === 'postgres') q = q.forShare();
  return q.executeTakeFirst();
}

/** The reader's vote in a poll (`voter` as in PollVotesTable), if any. */
export async function findVote(db: Db | Trx, entryId: string, voter: string): Promise<string | undefined> {
  const row = await db.selectFrom('poll_votes').select('option_id').where('entry_id', '=', entryId).where('voter', '=', voter).executeTakeFirst();
  return row?.option_id;
}

/**
 * Casts or changes a vote in one statement: the primary key (poll, voter) keeps one row per
 * voter on every node, so concurrent votes of one reader change that row instead of adding any.
 */
export async function upsertVote(trx: Trx, v: { entryId: string; voter: string; optionId: string; member: boolean; at: string }): Promise<void> {
  await trx
    .insertInto('poll_votes')
    .values({ entry_id: v.entryId, voter: v.voter, option_id: v.optionId, member: v.member ? 1 : 0, voted_at: v.at })
    .onConflict((oc) => oc.columns(['entry_id', 'voter']).doUpdateSet({ option_id: v.optionId, member: v.member ? 1 : 0, voted_at: v.at }))
    .execute();
}

/** Whether anyone has voted in a poll (its options are fixed from the first vote on). */
export async function hasVotes(db: Db | Trx, entryId: string): Promise<boolean> {
  return Boolean(await db.selectFrom('poll_votes').select('entry_id').where('entry_id', '=', entryId).limit(1).executeTakeFirst());
}

/** The counts as the database has them now: every option (0 for none), the total, and how many were logged-in readers'. */
export async function countVotes(db: Db | Trx, entryId: string, poll: PollInput): Promise<PollResults> {
  const rows = await db
    .selectFrom('poll_votes')
    .select(['option_id', 'member', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
    .where('entry_id', '=', entryId)
    .groupBy(['option_id', 'member'])
    .execute();
  const counts: Record<string, number> = Object.fromEntries(poll.options.map((o) => [o.id, 0]));
  let total = 0;
  let loggedIn = 0;
  for (const r of rows) {
    const n = Number(r.n);
    // A vote for an option that is gone cannot be: options are fixed once a vote is cast.
    if (!(r.option_id in counts)) continue;
    counts[r.option_id] = counts[r.option_id]! + n;
    total += n;
    if (r.member === 1) loggedIn += n;
  }
  return withLoggedIn(poll, { total, counts, loggedIn });
}

/** A poll has votes the stream does not show yet (marked after the vote committed: see PollSweep). */
export async function markPollDirty(db: Db, tickerId: string, entryId: string): Promise<void> {
  await db.insertInto('poll_dirty').values({ entry_id: entryId, ticker_id: tickerId }).onConflict((oc) => oc.column('entry_id').doNothing()).execute();
}

export function dirtyPolls(db: Db, limit: number): Promise<Array<{ entry_id: string; ticker_id: string }>> {
  return db.selectFrom('poll_dirty').selectAll().limit(limit).execute();
}

export async function clearPollDirty(trx: Trx, entryId: string): Promise<void> {
  await trx.deleteFrom('poll_dirty').where('entry_id', '=', entryId).execute();
}

/** Open, published polls whose closing time has come. */
export function duePolls(db: Db, now: string, limit: number): Promise<Array<{ id: string; ticker_id: string }>> {
  return db
    .selectFrom('entries')
    .select(['id', 'ticker_id'])
    .where('poll_closed_at', 'is', null)
    .where('poll_closes_at', '<=', now)
    .where('status', '=', 'published')
    .where('deleted_at', 'is', null)
    .orderBy('poll_closes_at')
    .limit(limit)
    .execute();
}

/** The votes of a poll that is deleted go with it. */
export async function deleteVotes(trx: Trx, entryId: string): Promise<void> {
  await trx.deleteFrom('poll_votes').where('entry_id', '=', entryId).execute();
  await trx.deleteFrom('poll_dirty').where('entry_id', '=', entryId).execute();
}

/** An entry's row, whatever it is (the poll service decides what may be seen). */
export function findEntryRow(db: Db | Trx, tickerId: string, id: string): Promise<EntriesTable | undefined> {
  return db.selectFrom('entries').selectAll().where('ticker_id', '=', tickerId).where('id', '=', id).executeTakeFirst();
}

/** What an entry keeps of its poll (by id alone: the entry is known). */
export function pollColumns(db: Db | Trx, id: string): Promise<Pick<EntriesTable, 'poll' | 'poll_closed_at' | 'poll_results'> | undefined> {
  return db.selectFrom('entries').select(['poll', 'poll_closed_at', 'poll_results']).where('id', '=', id).executeTakeFirst();
}

/**
 * Closes an open, published poll: true when this transaction did (its update is the claim, and
 * waits for the votes under way). `dueBy`: only if its time has come by then, closed at that time.
 */
export async function claimClose(trx: Trx, tickerId: string, id: string, at: string, dueBy?: string): Promise<boolean> {
  let claim = trx
    .updateTable('entries')
    .set(dueBy ? (eb) => ({ poll_closed_at: eb.ref('poll_closes_at') }) : { poll_closed_at: at })
    .where('ticker_id', '=', tickerId)
    .where('id', '=', id)
    .where('poll', 'is not', null)
    .where('poll_closed_at', 'is', null)
    .where('status', '=', 'published')
    .where('deleted_at', 'is', null);
  if (dueBy) claim = claim.where('poll_closes_at', '<=', dueBy);
  return Number((await claim.executeTakeFirst()).numUpdatedRows) === 1;
}

/** Claims the publishing of an open poll's counts at `at`: only when they were last published at `notAfter` or before (or never). */
export async function claimResults(trx: Trx, id: string, at: string, notAfter: string): Promise<boolean> {
  const claimed = await trx
    .updateTable('entries')
    .set({ poll_results_at: at })
    .where('id', '=', id)
    .where('poll_closed_at', 'is', null)
    .where((eb) => eb.or([eb('poll_results_at', 'is', null), eb('poll_results_at', '<=', notAfter)]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}
