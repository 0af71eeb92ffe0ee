import { z } from 'zod';
import { AnswerQuestionBody, AskQuestionBody, DismissQuestionBody, MyQuestionsQuery, QuestionsQuery, publicQuestionsStream, questionsStream } from '@liveticker/schemas';
import type { Entry, Question, QuestionList } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { SingleFlight } from '../single-flight';
import { hasRole, isDeskMember } from '../auth/actor';
import { requireAnyRole, requireRole } from '../auth/guard';
import { findRestrictions } from '../auth/users.repo';
import { chatSettings } from '../chat/settings';
import { commit } from '../db/commit';
import type { Write } from '../db/commit';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { newId } from '../db/ids';
import type { QuestionsTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { questionAnswered } from '../inbox/inbox.service';
import { containsWord, skeleton } from '../text/skeleton';
import { createIn } from '../tickers/entries.service';
import { entryBodyOrRefuse } from '../tickers/sanitize';
import { findTicker } from '../tickers/tickers.repo';
import { questionView } from './question-view';
import {
  addVotes,
  askedSince,
  claimVotes,
  deleteVote,
  findByClientId,
  findQuestion,
  insertQuestion,
  insertVote,
  listOwn,
  listQuestions,
  lockOpenForVote,
  questionsPublic,
  updateQuestion,
  votedBy,
} from './questions.repo';

type Ctx = Pick<AppContext, 'db' | 'publisher' | 'limiters'> & { config: Pick<AppContext['config'], 'questions'> };

/**
 * Questions one reader asks, and one address, per window: `QUESTIONS_PER_READER` (3) and
 * `QUESTIONS_PER_ADDRESS` (10) per `QUESTIONS_WINDOW_S` (600); the same text (as a skeleton)
 * again from the same reader in the same ticker within the window is refused. Staff are not
 * counted, as in the chat. (`limitOverrides` by these names still win, for tests and tools.)
 */
export function questionLimits(config: Pick<AppContext['config'], 'questions'>) {
  const { perReader, perAddress, windowS } = config.questions;
  return { questionUser: { points: perReader, duration: windowS }, questionIp: { points: perAddress, duration: windowS }, duplicateWindowS: windowS };
}

/** Upvotes and their taking back by one reader: 120 a minute (as a poll's votes). */
const QUESTION_VOTE_LIMIT = { points: 120, duration: 60 };

const isDesk = isDeskMember;

/**
 * `POST /tickers/:id/questions`: validate → who may ask (verified, not muted or banned) → the
 * room (closed: `room_closed`) → idempotency (the same clientId answers the first question,
 * before any limit counts) → limits → duplicates and banned words (as the chat compares them) →
 * store with a revision of `questions:<id>` (and `questions-public:<id>` when public) → publish.
 * `created`: false when it is a retry's answer.
 */
export async function askQuestion(ctx: Ctx, actor: Actor | undefined, tickerId: string, body: unknown, ipKey: string): Promise<{ question: Question; created: boolean }> {
  const who = requireRole(actor, 'reader');
  const input = parseInput(AskQuestionBody, body, 'question');
  // A retry while its first try is under way here waits for that try's answer.
  const { promise, first } = asking.run(`${tickerId}\n${who.id}\n${input.clientId}`, () => ask(ctx, who, tickerId, input, ipKey));
  const got = await promise;
  return first ? got : { ...got, created: false };
}

/** Asks under way on this node, by ticker, author and clientId. */
const asking = new SingleFlight<{ question: Question; created: boolean }>();

async function ask(ctx: Ctx, who: Actor, tickerId: string, input: AskQuestionBody, ipKey: string): Promise<{ question: Question; created: boolean }> {
  const user = await findRestrictions(ctx.db, who.id);
  if (user?.banned_at) throw new AppError('banned', 'you are banned from the discussion');
  if (user?.muted_until && user.muted_until > new Date().toISOString()) throw new AppError('muted', 'you are muted for now', { until: user.muted_until });
  const ticker = await findTicker(ctx.db, tickerId);
  if (!ticker) throw new AppError('not_found', `no ticker ${tickerId}`);
  if (ticker.chat.mode === 'closed') throw new AppError('room_closed', 'the discussion is closed');

  const existing = await findByClientId(ctx.db, tickerId, who.id, input.clientId);
  if (existing) return { question: questionView(existing, 'asker'), created: false };

  const staff = hasRole(who, 'editor') || hasRole(who, 'moderator');
  const bodyKey = skeleton(input.body).replace(/\s+/g, ' ').trim();
  if (!staff) {
    try {
      const limits = questionLimits(ctx.config);
      await ctx.limiters.consume('questionIp', ipKey, limits.questionIp);
      await ctx.limiters.consume('questionUser', who.id, limits.questionUser);
      const since = new Date(Date.now() - limits.duplicateWindowS * 1000).toISOString();
      if (await askedSince(ctx.db, { tickerId, authorId: who.id, bodyKey, since })) {
        throw new AppError('message_rejected', 'you just asked the same question', { reason: 'duplicate' });
      }
      const settings = await chatSettings(ctx.db, tickerId);
      if (containsWord(input.body, settings.bannedWords)) {
        throw new AppError('message_rejected', 'the question contains a word that is not allowed here', { reason: 'banned_word' });
      }
    } catch (err) {
      // A retry that raced its first try past the lookup above, refused for what that try wrote or
      // counted, gets the first question back (as chat:send: found there by the chaos soak).
      const first = await findByClientId(ctx.db, tickerId, who.id, input.clientId);
      if (first) return { question: questionView(first, 'asker'), created: false };
      throw err;
    }
  }
  try {
    const row = await commit(ctx, async (w) => {
      const rev = await w.rev(questionsStream(tickerId));
      const shown = (await questionsPublic(w.trx, tickerId)) === true;
      const publicRev = shown ? await w.rev(publicQuestionsStream(tickerId)) : 0;
      const now = new Date().toISOString();
      const row: QuestionsTable = {
        id: newId(),
        ticker_id: tickerId,
        seq: rev,
        rev,
        public_rev: publicRev,
        author_id: who.id,
        author_name: who.displayName,
        show_name: input.showName ? 1 : 0,
        body: input.body,
        body_key: bodyKey,
        status: 'open',
        votes: 0,
        votes_dirty: 0,
        votes_published_at: null,
        answered_entry_id: null,
        dismiss_reason: null,
        client_id: input.clientId,
        created_at: now,
        updated_at: now,
      };
      await insertQuestion(w.trx, row);
      w.record(questionsStream(tickerId), { rev, type: 'question.created', data: questionView(row, 'desk') });
      if (shown) w.record(publicQuestionsStream(tickerId), { rev: publicRev, type: 'question.created', data: questionView(row, 'reader') });
      return row;
    });
    return { question: questionView(row, 'asker'), created: true };
  } catch (err) {
    // Two retries raced past the lookup: the unique (ticker, author, clientId) index kept one.
    const first = await findByClientId(ctx.db, tickerId, who.id, input.clientId);
    if (first) return { question: questionView(first, 'asker'), created: false };
    throw err;
  }
}

const Cursor = z.object({ v: z.number().int().optional(), c: z.string().max(40), i: z.string().max(64) });
const cursorOf = (row: QuestionsTable, top: boolean) => encodeCursor({ ...(top && { v: row.votes }), c: row.created_at, i: row.id });

/**
 * `GET /tickers/:id/questions`: the desk (editors, moderators) every question, by status; other
 * readers (anyone, logged in or not) only the open ones of a ticker whose questions are public,
 * without who asked; a logged-in reader sees which they upvoted.
 */
export async function listTickerQuestions(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, tickerId: string, query: unknown): Promise<QuestionList> {
  const q = parseInput(QuestionsQuery, query, 'query');
  const ticker = await findTicker(ctx.db, tickerId);
  if (!ticker) throw new AppError('not_found', `no ticker ${tickerId}`);
  const desk = isDesk(actor);
  if (!desk) {
    if (!ticker.questions.public) throw new AppError('forbidden', "this ticker's questions are for the desk only");
    if (q.status && q.status !== 'open') throw new AppError('forbidden', 'readers see the open questions only');
  }
  const after = q.cursor ? decodeCursor(Cursor, q.cursor) : undefined;
  if (after && (after.v !== undefined) !== (q.order === 'top')) throw new AppError('invalid_cursor', 'the cursor was made for the other order');
  const rows = await listQuestions(ctx.db, {
    tickerId,
    status: desk ? q.status : 'open',
    order: q.order,
    limit: q.limit + 1,
    after: after && { votes: after.v, createdAt: after.c, id: after.i },
  });
  const page = rows.slice(0, q.limit);
  const voted = actor?.emailVerified ? await votedBy(ctx.db, actor.id, page.map((r) => r.id)) : undefined;
  return {
    items: page.map((r) => questionView(r, desk ? 'desk' : r.author_id === actor?.id ? 'asker' : 'reader', voted?.has(r.id))),
    nextCursor: rows.length > q.limit && page.length ? cursorOf(page[page.length - 1]!, q.order === 'top') : null,
  };
}

/** `GET /me/questions`: the reader's own questions with their state (answered: the entry; dismissed: the reason). */
export async function listMyQuestions(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, query: unknown): Promise<QuestionList> {
  // An account's own (a session or API token of a user; the ops key is nobody's).
  if (!actor?.sessionId) throw new AppError('login_required', 'log in to see your questions');
  const q = parseInput(MyQuestionsQuery, query, 'query');
  const after = q.cursor ? decodeCursor(Cursor, q.cursor) : undefined;
  const rows = await listOwn(ctx.db, { authorId: actor.id, tickerId: q.ticker, limit: q.limit + 1, after: after && { createdAt: after.c, id: after.i } });
  const page = rows.slice(0, q.limit);
  return { items: page.map((r) => questionView(r, 'asker')), nextCursor: rows.length > q.limit && page.length ? cursorOf(page[page.length - 1]!, false) : null };
}

/** A question the reader may vote on: one they can see (public, or any for the desk), not their own; open is checked under its lock. */
async function votable(ctx: Pick<AppContext, 'db'>, who: Actor, id: string): Promise<QuestionsTable> {
  const row = await findQuestion(ctx.db, id);
  // A question readers may not see is, for them, no question at all.
  if (!row || ((await questionsPublic(ctx.db, row.ticker_id)) !== true && !isDesk(who))) throw new AppError('not_found', `no question ${id}`);
  if (row.author_id === who.id) throw new AppError('own_question', 'you cannot upvote your own question');
  return row;
}

/**
 * `POST /questions/:id/votes`: a verified reader's upvote, once (the database's primary key
 * holds on every node); again is a no-op. `counted`: whether this call added it. The streams
 * get the count within about a second (see QuestionSweep).
 */
export function upvote(ctx: Ctx, actor: Actor | undefined, id: string): Promise<{ question: Question; counted: boolean }> {
  return changeVote(ctx, actor, id, true);
}

/** `DELETE /questions/:id/votes`: takes the reader's upvote back (none: a no-op). */
export async function removeUpvote(ctx: Ctx, actor: Actor | undefined, id: string): Promise<Question> {
  return (await changeVote(ctx, actor, id, false)).question;
}

/** Adds (`up`) or takes back the reader's upvote of an open question; `counted`: whether the count moved. */
async function changeVote(ctx: Ctx, actor: Actor | undefined, id: string, up: boolean): Promise<{ question: Question; counted: boolean }> {
  const who = requireRole(actor, 'reader');
  await ctx.limiters.consume('questionVoteUser', who.id, QUESTION_VOTE_LIMIT);
  const row = await votable(ctx, who, id);
  return commit(ctx, async (w) => {
    const locked = await lockOpenForVote(w.trx, row.id);
    if (!locked) throw new AppError('question_not_open', 'this question was answered or dismissed');
    const counted = up ? await insertVote(w.trx, row.id, who.id, new Date().toISOString()) : await deleteVote(w.trx, row.id, who.id);
    const now = counted ? await addVotes(w.trx, row.id, up ? 1 : -1) : locked;
    return { question: questionView(now, 'reader', up), counted };
  });
}

/**
 * A question leaves the open ones (answered or dismissed) in `w`: its row at the next revision of
 * the desk's stream, and for readers (when public) `question.removed`, which says not which.
 * The row's update is the claim: a second answer or dismissal finds it no longer open (409).
 */
async function closeQuestion(w: Write, row: QuestionsTable, set: Partial<QuestionsTable>): Promise<QuestionsTable> {
  const rev = await w.rev(questionsStream(row.ticker_id));
  const updated = await updateQuestion(w.trx, row.id, { ...set, rev, votes_dirty: 0, updated_at: new Date().toISOString() }, 'open');
  if (!updated) throw new AppError('question_not_open', 'this question was answered or dismissed already');
  w.record(questionsStream(row.ticker_id), { rev, type: 'question.updated', data: questionView(updated, 'desk') });
  if ((await questionsPublic(w.trx, row.ticker_id)) === true) {
    const publicRev = await w.rev(publicQuestionsStream(row.ticker_id));
    const shown = (await updateQuestion(w.trx, row.id, { public_rev: publicRev }))!;
    w.record(publicQuestionsStream(row.ticker_id), { rev: publicRev, type: 'question.removed', data: { id: shown.id, tickerId: shown.ticker_id } });
  }
  return updated;
}

async function openQuestion(db: AppContext['db'], id: string): Promise<QuestionsTable> {
  const row = await findQuestion(db, id);
  if (!row) throw new AppError('not_found', `no question ${id}`);
  if (row.status !== 'open') throw new AppError('question_not_open', `this question was ${row.status} already`);
  return row;
}

/**
 * `POST /questions/:id/answer` (editors): publishes an entry of kind `answer` through the entry
 * write path (an ordinary entry from then on) carrying the question — its text, and the asker's
 * display name only when they agreed — and marks the question answered, in one transaction.
 * The asker is told on their `user:` stream when that chat is in their inbox, and always in
 * `GET /me/questions`.
 */
export async function answerQuestion(ctx: Ctx, actor: Actor | undefined, id: string, body: unknown): Promise<{ question: Question; entry: Entry }> {
  const editor = requireRole(actor, 'editor');
  const input = parseInput(AnswerQuestionBody, body, 'answer');
  const html = entryBodyOrRefuse(input.body);
  const row = await openQuestion(ctx.db, id);
  return commit(ctx, async (w) => {
    // The ticker's stream first, as every entry write takes it (the entry), then the questions'.
    const question = JSON.stringify({ id: row.id, body: row.body, askedBy: row.show_name === 1 ? row.author_name : null });
    const entry = await createIn(
      w,
      editor,
      row.ticker_id,
      { kind: 'answer', title: input.title ?? null, body: input.body, pinned: false, html, embed: null },
      { status: 'published', publishAt: null },
      { question },
    );
    // Answered meanwhile (another editor, another node): this transaction and its entry roll back.
    const answered = await closeQuestion(w, row, { status: 'answered', answered_entry_id: entry.id });
    await questionAnswered(w, row.author_id, row.ticker_id);
    return { question: questionView(answered, 'desk'), entry };
  });
}

/** `POST /questions/:id/dismiss` (editors, moderators): only the asker learns it (their list), with the reason. */
export async function dismissQuestion(ctx: Ctx, actor: Actor | undefined, id: string, body: unknown): Promise<Question> {
  requireAnyRole(actor, ['editor', 'moderator']);
  const input = parseInput(DismissQuestionBody, body ?? {}, 'dismissal');
  const row = await openQuestion(ctx.db, id);
  return commit(ctx, async (w) => questionView(await closeQuestion(w, row, { status: 'dismissed', dismiss_reason: input.reason || null }), 'desk'));
}

/**
 * The coalesced vote count of one question marked dirty (see QuestionSweep): published at most
 * once every `minGapMs` across nodes, on the desk's stream and (public, open) the readers'.
 * `later`: too soon, the mark stays for the next round.
 */
export async function flushVotesIn(w: Write, tickerId: string, id: string, now: Date, minGapMs: number): Promise<'later' | 'done'> {
  // The stream's lock before the row's, as asking and answering take them.
  await w.lock(questionsStream(tickerId));
  const at = now.toISOString();
  const claimed = await claimVotes(w.trx, id, at, new Date(now.getTime() - minGapMs).toISOString());
  if (!claimed) return 'later';
  const rev = await w.rev(questionsStream(tickerId));
  const wasShown = claimed.public_rev > 0;
  let row = (await updateQuestion(w.trx, id, { rev }))!;
  w.record(questionsStream(tickerId), { rev, type: 'question.updated', data: questionView(row, 'desk') });
  if (row.status === 'open' && (await questionsPublic(w.trx, tickerId)) === true) {
    const publicRev = await w.rev(publicQuestionsStream(tickerId));
    row = (await updateQuestion(w.trx, id, { public_rev: publicRev }))!;
    w.record(publicQuestionsStream(tickerId), { rev: publicRev, type: wasShown ? 'question.updated' : 'question.created', data: questionView(row, 'reader') });
  }
  return 'done';
}
