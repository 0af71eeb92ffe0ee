import { z } from 'zod';
import { Author, Id, IsoDate, hasVisibleText, stripControls } from './common';
import { ClientId } from './chat';

/**
 * Questions to the desk (issue 26): verified readers ask, the desk (editors, moderators) sees
 * every question, answers one as an entry of kind `answer` or dismisses it. Not public unless a
 * ticker's `questions.public` says so: then other readers see the open ones and upvote them.
 */

/** Code points a question may have after cleaning, and at least. */
export const QUESTION_MIN = 3;
export const QUESTION_MAX = 500;

/** A question's text: plain text as the chat's (controls and bidi overrides removed, trimmed), 3–500 code points. */
export const QuestionText = z
  .string()
  .max(QUESTION_MAX * 4, `at most ${QUESTION_MAX} characters`)
  .transform((v) => stripControls(v.normalize('NFC')).trim())
  .pipe(
    z
      .string()
      .refine(hasVisibleText, 'the question is empty (only invisible characters)')
      .refine((v) => [...v].length >= QUESTION_MIN, `at least ${QUESTION_MIN} characters`)
      .refine((v) => [...v].length <= QUESTION_MAX, `at most ${QUESTION_MAX} characters`),
  );

/** `POST /tickers/:id/questions`. `clientId`: the same one again answers the first question (idempotent retry). */
export const AskQuestionBody = z.strictObject({
  body: QuestionText,
  clientId: ClientId,
  /** The asker's display name goes with the answer entry (never their address); default: not. */
  showName: z.boolean().default(false),
});
export type AskQuestionBody = z.infer<typeof AskQuestionBody>;

export const QuestionStatus = z.enum(['open', 'answered', 'dismissed']);
export type QuestionStatus = z.infer<typeof QuestionStatus>;

/**
 * A question. `author` only for the desk; `voted` only for a logged-in reader (whether they
 * upvoted it); `dismissReason` only for the desk and the asker; `showName` for the desk and the asker.
 */
export const Question = z.object({
  id: z.string(),
  tickerId: z.string(),
  body: z.string(),
  status: QuestionStatus,
  votes: z.number().int().min(0),
  author: Author.optional(),
  showName: z.boolean().optional(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  /** The entry (kind `answer`) that answered it. */
  answeredEntryId: z.string().nullable(),
  dismissReason: z.string().nullable().optional(),
  voted: z.boolean().optional(),
  /** Revision of `questions:<tickerId>` at its last change. */
  rev: z.number().int(),
});
export type Question = z.infer<typeof Question>;

export const QuestionList = z.object({ items: z.array(Question), nextCursor: z.string().nullable() });
export type QuestionList = z.infer<typeof QuestionList>;

/** `GET /tickers/:id/questions`: the desk any status (default all), readers of a public ticker the open ones. */
export const QuestionsQuery = z.strictObject({
  status: QuestionStatus.optional(),
  order: z.enum(['top', 'new']).default('new'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(300).optional(),
});
export type QuestionsQuery = z.infer<typeof QuestionsQuery>;

/** `GET /me/questions`: the reader's own, newest first; `ticker` narrows to one ticker. */
export const MyQuestionsQuery = z.strictObject({
  ticker: z.string().max(80).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(300).optional(),
});

/** `POST /questions/:id/answer` (editors): the answer's HTML is sanitized as an entry body. */
export const AnswerQuestionBody = z
  .strictObject({
    body: z.string().max(20000),
    title: z.string().trim().max(300).nullable().optional(),
  })
  .refine((b) => b.body.trim() !== '', { message: 'an answer needs a body', path: ['body'] });
export type AnswerQuestionBody = z.infer<typeof AnswerQuestionBody>;

/** `POST /questions/:id/dismiss` (desk): the reason only the asker and the desk see. */
export const DismissQuestionBody = z.strictObject({
  reason: z.string().transform(stripControls).pipe(z.string().trim().max(300)).optional(),
});

/** What answering gives back: the question as it now stands and the entry published. */
export const AnsweredQuestion = z.object({ question: Question, entry: z.record(z.string(), z.unknown()) });

/** The question an answer entry carries: its text and, only when the asker agreed, their display name. */
export const EntryQuestion = z.object({ id: z.string(), body: z.string(), askedBy: z.string().nullable() });
export type EntryQuestion = z.infer<typeof EntryQuestion>;

/** The ticker's questions settings (`PATCH /tickers/:id {questions: {public}}`). */
export const QuestionsSettings = z.strictObject({ public: z.boolean() });

export const QuestionIdParam = Id;
