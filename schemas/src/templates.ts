import { z } from 'zod';
import { Author, Id, IsoDate, Slug } from './common';
import { EntryKind } from './entries';

/** How many templates one scope holds: a ticker's own, or the newsroom-wide ones. */
export const MAX_TEMPLATES_PER_SCOPE = 200;

const Name = z.string().trim().min(1).max(80);
/** As an entry's title: up to 300 chars, null for none. */
const Title = z.string().trim().max(300).nullable();
/** HTML from the entries' allowlist, sanitized by the server on write like an entry body; up to 20,000 chars. */
const Body = z.string().max(20000);

/**
 * The shape of an entry a desk posts again and again (a score update, a quote): what a new entry
 * starts from. `tickerId` null: for every ticker of the newsroom.
 */
export const EntryTemplate = z.object({
  id: Id,
  tickerId: Slug.nullable(),
  name: z.string(),
  kind: EntryKind,
  title: z.string().nullable(),
  body: z.string(),
  /** Counts the saves; a PATCH names the one it edits (stale → 409 `conflict`), as for entries. */
  version: z.number().int(),
  createdBy: Author,
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type EntryTemplate = z.infer<typeof EntryTemplate>;

/** A template starts a text-like entry: a poll is written with its options each time. */
const TemplateKind = EntryKind.exclude(['poll', 'answer']);

export const CreateEntryTemplateBody = z.strictObject({
  /** A ticker's own template; absent or null: newsroom-wide. */
  tickerId: Slug.nullable().optional(),
  name: Name,
  kind: TemplateKind.default('text'),
  title: Title.optional(),
  /** Refused, as an entry's, when nothing a reader could see is left after sanitizing. */
  body: Body,
});
export type CreateEntryTemplateBody = z.infer<typeof CreateEntryTemplateBody>;

/** A template stays in its scope (a ticker's or the newsroom's); everything else may change. */
export const PatchEntryTemplateBody = z
  .strictObject({
    /** The version being edited; a stale one is a 409 `conflict`. */
    version: z.number().int().min(1),
    name: Name.optional(),
    kind: TemplateKind.optional(),
    title: Title.optional(),
    body: Body.optional(),
  })
  .refine((b) => Object.keys(b).length > 1, 'nothing to change');
export type PatchEntryTemplateBody = z.infer<typeof PatchEntryTemplateBody>;

/** `GET /templates`: the newsroom-wide ones, or with `ticker` that ticker's own. */
export const TemplatesQuery = z.strictObject({ ticker: Slug.optional() });

/** Sorted by name (any case), a ticker's own before a newsroom-wide one of the same name. */
export const EntryTemplateList = z.object({ items: z.array(EntryTemplate) });
export type EntryTemplateList = z.infer<typeof EntryTemplateList>;
