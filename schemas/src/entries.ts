import { z } from 'zod';
import { Author, HttpUrl, IsoDate } from './common';
import { Ticker } from './tickers';
import { Poll, PollInput } from './polls';
import { EntryQuestion } from './questions';
import { Embed, EmbedInput } from './embeds';
import { CardSchema } from './cards';
import type { Card } from './cards';

/**
 * `poll`: the entry carries a poll (`poll`), and only such an entry does. `answer`: the desk's
 * answer to a reader's question (`question`), made only by `POST /questions/:id/answer`.
 */
export const EntryKind = z.enum(['text', 'key-event', 'quote', 'teaser', 'image', 'poll', 'answer']);
export type EntryKind = z.infer<typeof EntryKind>;

export const EntryImage = z.strictObject({
  url: HttpUrl,
  caption: z.string().trim().max(500).optional(),
  credit: z.string().trim().max(200).optional(),
  /** Where the credit links to (a picture desk, an agency's page). */
  creditUrl: HttpUrl.optional(),
  width: z.number().int().min(1).max(20000).optional(),
  height: z.number().int().min(1).max(20000).optional(),
});
export type EntryImage = z.infer<typeof EntryImage>;

/** A related article shown inside an entry. */
export const Teaser = z.strictObject({
  url: HttpUrl,
  title: z.string().trim().min(1).max(300),
  image: HttpUrl.optional(),
  publishedAt: IsoDate.optional(),
});
export type Teaser = z.infer<typeof Teaser>;

/**
 * Readers only ever see `published` entries. A `draft` is kept for the desk; a `scheduled` one is
 * published by the server at `publishAt` (within about a second, by exactly one node).
 */
export const EntryStatus = z.enum(['draft', 'scheduled', 'published']);
export type EntryStatus = z.infer<typeof EntryStatus>;

/** Entry bodies are HTML from an allowlist; sanitized by the server on write. Max 20,000 chars. */
const Body = z.string().max(20000);

export const Entry = z.object({
  id: z.string(),
  tickerId: z.string(),
  /** Position in the ticker: the stream revision at which the entry was created. */
  seq: z.number().int(),
  rev: z.number().int(),
  kind: EntryKind,
  title: z.string().nullable(),
  body: z.string(),
  image: EntryImage.nullable(),
  teaser: Teaser.nullable(),
  /** A post or player of another site (shown behind the reader's consent), or a link card. */
  embed: Embed.nullable().optional(),
  pinned: z.boolean(),
  author: Author,
  publishedAt: IsoDate,
  updatedAt: IsoDate,
  version: z.number().int(),
  deletedAt: IsoDate.nullable(),
  /** Always `published` for readers; editors also see drafts and scheduled entries (seq = rev < 0 until published). */
  status: EntryStatus,
  /** When a scheduled entry goes out; null otherwise. */
  publishAt: IsoDate.nullable(),
  /** Entries of kind `poll` only. */
  poll: Poll.optional(),
  /** Entries of kind `answer` only: the question it answers (the asker's name only when they agreed). */
  question: EntryQuestion.optional(),
});
export type Entry = z.infer<typeof Entry>;

export const CreateEntryBody = z
  .strictObject({
    kind: EntryKind.default('text'),
    title: z.string().trim().max(300).nullable().optional(),
    body: Body.default(''),
    image: EntryImage.nullable().optional(),
    teaser: Teaser.nullable().optional(),
    /** A post or video of another site by its URL (beside the body or instead of it); the server recognises the provider. */
    embed: EmbedInput.nullable().optional(),
    pinned: z.boolean().default(false),
    /** `draft`: kept unseen; a future `publishAt` (status absent or `scheduled`) schedules it; default: published now. */
    status: EntryStatus.optional(),
    publishAt: IsoDate.optional(),
    /** With kind `poll` (and only then). */
    poll: PollInput.optional(),
  })
  .refine((b) => b.body.trim() !== '' || b.image || b.teaser || b.title || b.poll || b.embed, 'an entry needs a body, title, image, teaser or embed')
  .refine((b) => (b.kind === 'poll') === Boolean(b.poll), { message: 'a poll goes with kind "poll", and kind "poll" needs one', path: ['poll'] })
  .refine((b) => b.kind !== 'answer', { message: 'an answer is made by answering a question (POST /questions/:id/answer)', path: ['kind'] })
  .refine((b) => !(b.status === 'draft' && b.publishAt), { message: 'a draft has no publishAt: send status "scheduled" with it', path: ['publishAt'] })
  .refine((b) => b.status !== 'scheduled' || b.publishAt, { message: 'a scheduled entry needs publishAt', path: ['publishAt'] })
  .refine((b) => !(b.status === 'published' && b.publishAt), { message: 'publishAt goes with status "scheduled" (or none): "published" means now', path: ['publishAt'] });
export type CreateEntryBody = z.infer<typeof CreateEntryBody>;

export const PatchEntryBody = z
  .strictObject({
    /** The version being edited; a stale one is a 409 `conflict`. */
    version: z.number().int().min(1),
    kind: EntryKind.optional(),
    title: z.string().trim().max(300).nullable().optional(),
    body: Body.optional(),
    image: EntryImage.nullable().optional(),
    teaser: Teaser.nullable().optional(),
    embed: EmbedInput.nullable().optional(),
    pinned: z.boolean().optional(),
    /** An unpublished entry: `published` publishes it now, `scheduled` (with publishAt) plans it, `draft` holds it. */
    status: EntryStatus.optional(),
    publishAt: IsoDate.nullable().optional(),
    /** The whole poll again (a poll entry only): its options may change only while it has no vote. */
    poll: PollInput.optional(),
  })
  .refine((b) => Object.keys(b).length > 1, 'nothing to change');
export type PatchEntryBody = z.infer<typeof PatchEntryBody>;

/** Save an old version's content again: `from` the version to bring back, `version` the one it replaces. */
export const RestoreEntryBody = z.strictObject({ from: z.number().int().min(1), version: z.number().int().min(1) });

/** `GET /tickers/:id/entries`: a page of published entries, or (editors) the drafts or the scheduled ones. */
export const EntriesQuery = z.strictObject({
  order: z.enum(['newest', 'oldest']).default('newest'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  status: z.enum(['draft', 'scheduled']).optional(),
  /** Entries whose title or text contains this, any case (pages as usual). */
  q: z.string().trim().min(1).max(100).optional(),
});

export const EntryList = z.object({
  items: z.array(Entry),
  pinned: z.array(Entry),
  nextCursor: z.string().nullable(),
});
export type EntryList = z.infer<typeof EntryList>;

/** The key events of a ticker (entries of kind `key-event`, pinned or not), newest first. */
export const KeyEventList = z.object({ items: z.array(Entry) });
export type KeyEventList = z.infer<typeof KeyEventList>;
export const KeyEventsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(50).default(20) });

/**
 * What a server-rendered ticker carries for the widget that takes it over (hydration): the first
 * page it shows, read at or after the stream position `(epoch, rev)`, so the widget goes live from
 * `rev` without asking for the page again. Rendered into `<script type="application/json"
 * data-liveticker-state>` inside `<liveticker-ticker>`.
 */
export const TickerSnapshot = z.object({
  v: z.literal(1),
  rev: z.number().int().min(0),
  epoch: z.string(),
  order: z.enum(['newest', 'oldest']),
  ticker: Ticker,
  items: z.array(Entry),
  pinned: z.array(Entry),
  nextCursor: z.string().nullable(),
  keyEvents: z.array(Entry),
  /** The ticker's cards (absent from pages rendered before cards existed). */
  cards: z.array(CardSchema).optional(),
});
export type TickerSnapshot = Omit<z.infer<typeof TickerSnapshot>, 'cards'> & { cards?: Card[] };
