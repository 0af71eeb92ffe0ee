import { sql } from 'kysely';
import type { Db, Trx } from '../db/database';
import type { QuestionsTable } from '../db/tables';

/** Where a page of questions goes on from: the last row's votes (order `top`), time and id. */
export interface QuestionAfter {
  votes?: number;
  createdAt: string;
  id: string;
}

export function findQuestion(db: Db | Trx, id: string): Promise<QuestionsTable | undefined> {
  return db.selectFrom('questions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A reader's question of a ticker by the client's idempotency key. */
export function findByClientId(db: Db | Trx, tickerId: string, authorId: string, clientId: string): Promise<QuestionsTable | undefined> {
  return db.selectFrom('questions').selectAll().where('ticker_id', '=', tickerId).where('author_id', '=', authorId).where('client_id', '=', clientId).executeTakeFirst();
}

/** Whether the reader asked a question of the same text (skeleton) in this ticker since `since`. */
export async function askedSince(db: Db, q: { tickerId: string; authorId: string; bodyKey: string; since: string }): Promise<boolean> {
  const row = await db
    .selectFrom('questions')
    .select('id')
    .where('ticker_id', '=', q.tickerId)
    .where('author_id', '=', q.authorId)
    .where('body_key', '=', q.bodyKey)
    .where('created_at', '>=', q.since)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

export async function insertQuestion(trx: Trx, row: QuestionsTable): Promise<void> {
  await trx.insertInto('questions').values(row).execute();
}

/** Changes a question's row; undefined when no row matched (`status`: only in that status). */
export function updateQuestion(trx: Trx, id: string, set: Partial<QuestionsTable>, status?: string): Promise<QuestionsTable | undefined> {
  let q = trx.updateTable('questions').set(set).where('id', '=', id);
  if (status) q = q.where('status', '=', status);
  return q.returningAll().executeTakeFirst();
}

/** A page of a ticker's questions, newest first (`new`) or most votes first (`top`, then newest). */
export function listQuestions(db: Db, opts: { tickerId: string; status?: string; order: 'top' | 'new'; limit: number; after?: QuestionAfter }): Promise<QuestionsTable[]> {
  let q = db.selectFrom('questions').selectAll().where('ticker_id', '=', opts.tickerId);
  if (opts.status) q = q.where('status', '=', opts.status);
  const a = opts.after;
  if (a && opts.order === 'top' && a.votes !== undefined) {
    const votes = a.votes;
    q = q.where((eb) =>
      eb.or([
        eb('votes', '<', votes),
        eb.and([eb('votes', '=', votes), eb('created_at', '<', a.createdAt)]),
        eb.and([eb('votes', '=', votes), eb('created_at', '=', a.createdAt), eb('id', '<', a.id)]),
      ]),
    );
  } else if (a) {
    q = q.where((eb) => eb.or([eb('created_at', '<', a.createdAt), eb.and([eb('created_at', '=', a.createdAt), eb('id', '<', a.id)])]));
  }
  if (opts.order === 'top') q = q.orderBy('votes', 'desc');
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

/** A page of one reader's questions, newest first, in every ticker or one. */
export function listOwn(db: Db, opts: { authorId: string; tickerId?: string; limit: number; after?: QuestionAfter }): Promise<QuestionsTable[]> {
  let q = db.selectFrom('questions').selectAll().where('author_id', '=', opts.authorId);
  if (opts.tickerId) q = q.where('ticker_id', '=', opts.tickerId);
  const a = opts.after;
  if (a) q = q.where((eb) => eb.or([eb('created_at', '<', a.createdAt), eb.and([eb('created_at', '=', a.createdAt), eb('id', '<', a.id)])]));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

/** Which of `ids` the reader upvoted. */
export async function votedBy(db: Db | Trx, userId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('question_votes').select('question_id').where('user_id', '=', userId).where('question_id', 'in', ids).execute();
  return new Set(rows.map((r) => r.question_id));
}

/**
 * Takes an open question's row lock for a vote (a write that changes nothing): every vote of a
 * question waits for the one before, and for an answer or dismissal under way. Undefined when
 * it is not open (or does not exist).
 */
export function lockOpenForVote(trx: Trx, id: string): Promise<QuestionsTable | undefined> {
  return trx.updateTable('questions').set({ votes_dirty: sql<number>`votes_dirty` }).where('id', '=', id).where('status', '=', 'open').returningAll().executeTakeFirst();
}

/** Adds the reader's upvote: false when they had one (the primary key refuses a second row, on every node). */
export async function insertVote(trx: Trx, questionId: string, userId: string, at: string): Promise<boolean> {
  const row = await trx
    .insertInto('question_votes')
    .values({ question_id: questionId, user_id: userId, voted_at: at })
    .onConflict((oc) => oc.columns(['question_id', 'user_id']).doNothing())
    .returning('question_id')
    .executeTakeFirst();
  return Boolean(row);
}

/** Removes the reader's upvote: false when there was none. */
export async function deleteVote(trx: Trx, questionId: string, userId: string): Promise<boolean> {
  const row = await trx.deleteFrom('question_votes').where('question_id', '=', questionId).where('user_id', '=', userId).returning('question_id').executeTakeFirst();
  return Boolean(row);
}

/** Moves a question's count by `delta` (the vote's transaction holds its row) and marks it as not yet shown on the streams. */
export async function addVotes(trx: Trx, id: string, delta: number): Promise<QuestionsTable> {
  return trx
    .updateTable('questions')
    .set({ votes: sql<number>`votes + ${delta}`, votes_dirty: 1 })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Questions whose counts the streams do not show yet. */
export function dirtyQuestions(db: Db, limit: number): Promise<Array<{ id: string; ticker_id: string }>> {
  return db.selectFrom('questions').select(['id', 'ticker_id']).where('votes_dirty', '=', 1).limit(limit).execute();
}

/**
 * Claims the publishing of a question's count at `at`: only when it is marked and was last
 * published at `notAfter` or before (or never). The row as claimed, or undefined.
 */
export function claimVotes(trx: Trx, id: string, at: string, notAfter: string): Promise<QuestionsTable | undefined> {
  return trx
    .updateTable('questions')
    .set({ votes_dirty: 0, votes_published_at: at })
    .where('id', '=', id)
    .where('votes_dirty', '=', 1)
    .where((eb) => eb.or([eb('votes_published_at', 'is', null), eb('votes_published_at', '<=', notAfter)]))
    .returningAll()
    .executeTakeFirst();
}

/** A ticker's questions changed on one of its streams after `since` up to `head`, in rev order, each once. */
export function changedSince(db: Db | Trx, tickerId: string, column: 'rev' | 'public_rev', since: number, head: number, limit: number): Promise<QuestionsTable[]> {
  return db.selectFrom('questions').selectAll().where('ticker_id', '=', tickerId).where(column, '>', since).where(column, '<=', head).orderBy(column, 'asc').limit(limit).execute();
}

/** Whether a ticker's questions are public (undefined: no such ticker). */
export async function questionsPublic(db: Db | Trx, tickerId: string): Promise<boolean | undefined> {
  const row = await db.selectFrom('tickers').select('questions_public').where('id', '=', tickerId).executeTakeFirst();
  return row ? row.questions_public === 1 : undefined;
}

/** A ticker's open questions, oldest first (at most 1,000: what a ticker's desk could ever hold open). */
export function listOpen(db: Db | Trx, tickerId: string): Promise<QuestionsTable[]> {
  return db.selectFrom('questions').selectAll().where('ticker_id', '=', tickerId).where('status', '=', 'open').orderBy('created_at').orderBy('id').limit(1000).execute();
}

export async function setPublicRev(trx: Trx, id: string, rev: number): Promise<void> {
  await trx.updateTable('questions').set({ public_rev: rev }).where('id', '=', id).execute();
}
