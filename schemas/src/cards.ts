import { z } from 'zod';
import { Id, IsoDate, stripControls } from './common';
import { CARD_TYPES, SCORE_STATUSES } from './wire';

export { CARD_TYPES, SCORE_STATUSES };

/**
 * Cards (issue 25): a ticker's live data beside its entries — a match's score, an election's
 * results, a small table — written by the desk's form or by a data feed, each under an id the
 * writer chooses (`PUT /tickers/:id/cards/:cardId`). Bounds: at most 50 rows, strings at most 80
 * characters, so one card stays a few KB on every reader's socket.
 */

/** Most rows (results, table) or events (score) a card holds. */
export const CARD_MAX_ROWS = 50;
/** Most characters of any text in a card. */
export const CARD_MAX_TEXT = 80;
/** Most cards a ticker holds (deleted ones not counted): a feed cannot fill a reader's page. */
export const MAX_CARDS_PER_TICKER = 50;
/** Most columns of a table card. */
export const CARD_MAX_COLUMNS = 8;

/** A card's id in its ticker: chosen by the writer (a feed names its match), like a slug. */
export const CardId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -, starting with a letter or digit');

/** One line of text, controls and bidi overrides removed, 1–80 characters. */
const Text = z
  .string()
  .max(CARD_MAX_TEXT * 4)
  .transform((v) => stripControls(v.normalize('NFC')).replace(/\s+/g, ' ').trim())
  .pipe(z.string().min(1, 'must not be empty').max(CARD_MAX_TEXT, `at most ${CARD_MAX_TEXT} characters`));

const Count = z.number().int().min(0).max(999);

export const ScoreTeam = z.strictObject({
  name: Text,
  /** A short name for narrow screens ("BVB"), at most 5 characters. */
  short: Text.pipe(z.string().max(5, 'at most 5 characters')).optional(),
  score: Count,
});

export const SCORE_EVENT_KINDS = ['goal', 'own-goal', 'penalty', 'yellow-card', 'red-card', 'card', 'sub', 'var', 'other'] as const;

export const ScoreEvent = z.strictObject({
  /** The match minute (0–200). */
  minute: z.number().int().min(0).max(200),
  team: z.enum(['home', 'away']),
  kind: z.enum(SCORE_EVENT_KINDS),
  text: Text,
});

export const ScoreData = z.strictObject({
  home: ScoreTeam,
  away: ScoreTeam,
  /** What part of the game it is ("2nd half", "Extra time"). */
  period: Text,
  minute: z.number().int().min(0).max(200).optional(),
  status: z.enum(SCORE_STATUSES),
  events: z.array(ScoreEvent).max(CARD_MAX_ROWS).optional(),
});
export type ScoreData = z.infer<typeof ScoreData>;

export const ResultRow = z.strictObject({
  label: Text,
  value: z.number().min(0).max(1e9),
  /** The value at the last election, for the change. */
  previous: z.number().min(0).max(1e9).optional(),
  /** The party's colour, `#rrggbb`; the chart never relies on it alone. */
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb').optional(),
});

export const ResultsData = z.strictObject({
  title: Text,
  unit: z.enum(['%', 'seats']),
  /** Share of the votes counted so far, percent (73.4). */
  counted: z.number().min(0).max(100).optional(),
  rows: z.array(ResultRow).min(1).max(CARD_MAX_ROWS),
});
export type ResultsData = z.infer<typeof ResultsData>;

const Cell = z.union([Text, z.number().min(-1e12).max(1e12)]);

export const TableData = z
  .strictObject({
    title: Text,
    columns: z.array(Text).min(1).max(CARD_MAX_COLUMNS),
    rows: z.array(z.array(Cell).max(CARD_MAX_COLUMNS)).max(CARD_MAX_ROWS),
  })
  .superRefine((t, ctx) => {
    t.rows.forEach((row, i) => {
      if (row.length !== t.columns.length) ctx.addIssue({ code: 'custom', path: ['rows', i], message: `a row has ${t.columns.length} cells, one per column` });
    });
  });
export type TableData = z.infer<typeof TableData>;

export const CardType = z.enum(CARD_TYPES);
export type CardType = z.infer<typeof CardType>;

/** What every type's body has beside its data. */
const Placement = {
  /**
   * The version the writer's form shows: a newer one is refused (409). Without it the card is
   * replaced whatever it holds (a data feed: the last write wins).
   */
  version: z.number().int().min(1).optional(),
  /** Shown at the top of the ticker; absent: as it was (a new card is not pinned). */
  pinned: z.boolean().optional(),
  /** Shown inside this (published) entry; null: not attached; absent: as it was. */
  entryId: Id.nullable().optional(),
};

/** `PUT /tickers/:id/cards/:cardId`. */
export const PutCardBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('score'), data: ScoreData, ...Placement }),
  z.strictObject({ type: z.literal('results'), data: ResultsData, ...Placement }),
  z.strictObject({ type: z.literal('table'), data: TableData, ...Placement }),
]);
export type PutCardBody = z.infer<typeof PutCardBody>;

export type CardData = { type: 'score'; data: ScoreData } | { type: 'results'; data: ResultsData } | { type: 'table'; data: TableData };

/**
 * A card as readers get it. `version` counts every write (1 when first made; a delete and a new
 * card under the same id go on counting); `rev` the revision of `ticker:<id>` its last published
 * change took. A deleted card (`card.deleted`) keeps its id with `deletedAt`.
 */
export type Card = CardData & {
  id: string;
  tickerId: string;
  version: number;
  pinned: boolean;
  entryId: string | null;
  rev: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
};

export const CardSchema = z.object({
  id: z.string(),
  tickerId: z.string(),
  type: CardType,
  data: z.record(z.string(), z.unknown()),
  version: z.number().int(),
  pinned: z.boolean(),
  entryId: z.string().nullable(),
  rev: z.number().int(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  deletedAt: IsoDate.nullable(),
});

export const CardList = z.object({ items: z.array(CardSchema) });
export interface CardList {
  items: Card[];
}
