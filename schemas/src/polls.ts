import { z } from 'zod';
import { IsoDate, stripControls } from './common';

/**
 * Live polls (issue 26): an entry of kind `poll` carries one. Readers vote with
 * `POST /tickers/:id/entries/:entryId/votes {optionId}`.
 */

/** An answer of a poll: its `id` (what a vote names, fixed once a vote is cast) and its label. */
export const PollOption = z.strictObject({
  id: z.string().trim().min(1).max(40).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'),
  label: z.string().transform(stripControls).pipe(z.string().trim().min(1).max(80)),
});
export type PollOption = z.infer<typeof PollOption>;

/**
 * Who sees the counts: `always` everyone at all times; `after-vote` a reader once they voted
 * (in the vote's answer and `GET …/votes`), everyone once closed; `after-close` everyone once
 * closed. The desk (editors) always sees them.
 */
export const PollResultsMode = z.enum(['always', 'after-vote', 'after-close']);
export type PollResultsMode = z.infer<typeof PollResultsMode>;

/** A poll as an editor writes it (in `POST`/`PATCH …/entries` as `poll`). */
export const PollInput = z
  .strictObject({
    question: z.string().transform(stripControls).pipe(z.string().trim().min(1).max(200)),
    options: z.array(PollOption).min(2).max(10),
    /** When voting ends (server clock); absent or null: open until an editor closes it. */
    closesAt: IsoDate.nullable().optional(),
    results: PollResultsMode.default('always'),
    /** Readers without an account may vote too: one vote per device (a signed cookie), capped per address. */
    allowAnonymous: z.boolean().default(false),
  })
  .refine((p) => new Set(p.options.map((o) => o.id)).size === p.options.length, { message: 'option ids must be unique', path: ['options'] });
export type PollInput = z.infer<typeof PollInput>;

/** The counts of a poll: `loggedIn` (polls that allow anonymous votes) counts the votes of logged-in readers among `total`. */
export const PollResults = z.object({
  total: z.number().int().min(0),
  counts: z.record(z.string(), z.number().int().min(0)),
  loggedIn: z.number().int().min(0).optional(),
});
export type PollResults = z.infer<typeof PollResults>;

/**
 * A poll as readers get it on its entry. `results` (the counts) is there only where the reader may
 * see them (see PollResultsMode); `resultsMode` is what the editor chose as `results`.
 */
export const Poll = z.object({
  question: z.string(),
  options: z.array(z.object({ id: z.string(), label: z.string() })),
  closesAt: IsoDate.nullable(),
  resultsMode: PollResultsMode,
  allowAnonymous: z.boolean(),
  /** Closed (its time passed, or an editor closed it): no more votes; the counts are final and public. */
  closed: z.boolean(),
  closedAt: IsoDate.nullable(),
  results: PollResults.optional(),
});
export type Poll = z.infer<typeof Poll>;

/** `POST /tickers/:id/entries/:entryId/votes`. */
export const VoteBody = z.strictObject({ optionId: z.string().min(1).max(40) });
export type VoteBody = z.infer<typeof VoteBody>;

/** The answer to a vote and to `GET …/votes`: the reader's choice (null: none yet) and the counts when they may see them. */
export const VoteState = z.object({
  entryId: z.string(),
  optionId: z.string().nullable(),
  closed: z.boolean(),
  results: PollResults.optional(),
});
export type VoteState = z.infer<typeof VoteState>;
