import type { Embed, EmbedInput, Entry, EntryImage, EntryKind, Teaser, Ticker, User } from '@liveticker/schemas';
import { recogniseEmbedUrl } from '@liveticker/schemas/wire';

/**
 * The entry being written, as the API takes it, and the pure decisions about it: what an edit
 * sends, what the preview shows. No DOM here (test/unit/console-merge.test.ts runs it in Node).
 */
export interface Draft {
  kind: EntryKind;
  title: string | null;
  body: string;
  image: EntryImage | null;
  teaser: Teaser | null;
  /** A post or video of another site (an open entry's keeps what the server recognised). */
  embed?: EmbedInput | Embed | null;
  pinned: boolean;
}

/** Every field of a draft, in the order an edit compares them. */
export const DRAFT_FIELDS = ['kind', 'title', 'body', 'image', 'teaser', 'embed', 'pinned'] as const satisfies ReadonlyArray<keyof Draft>;

/** What the composer's send does: publish now, keep as a draft, or schedule. */
export type Mode = 'now' | 'draft' | 'schedule';

/** Unsaved work, kept across a lost session or a change of language. */
export interface ComposerSnapshot {
  tickerId: string;
  draft: Draft;
  base: Entry | null;
  mode: Mode;
  publishAt: string;
}

export interface EntryTemplate {
  id: string;
  name: string;
  kind: EntryKind;
  title: string | null;
  body: string;
}

/** JSON with its keys sorted: two objects with the same content compare equal whatever their key order. */
export function canonical(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** The same content (undefined and null alike, key order ignored). */
export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** The fields of `d` that differ from the saved entry `e` (an edit sends only what it changes). */
export function changes(e: Draft, d: Draft): Partial<Draft> {
  const out: Partial<Draft> = {};
  for (const k of DRAFT_FIELDS) if (!same(e[k], d[k])) (out as Record<string, unknown>)[k] = d[k];
  return out;
}

const httpUrl = (u: string | undefined) => (u && /^https?:\/\//i.test(u) ? u : undefined);

/** The embed as the server will store it (recognised the same way); none while the URL is not one. */
function previewEmbed(e: EmbedInput | Embed | null | undefined): Embed | null {
  if (!e) return null;
  if ('provider' in e) return e;
  const r = recogniseEmbedUrl(e.url);
  return 'error' in r ? null : { ...r, url: e.url, ...(e.caption ? { caption: e.caption } : {}), ...(e.credit ? { credit: e.credit } : {}) };
}

/**
 * The draft as the readers' widget would get it, for the preview: links only where the server
 * would take them (a typed javascript: stays inert); published at the entry's own time when it
 * has one, else `now`.
 */
export function previewEntry(d: Draft, ticker: Pick<Ticker, 'id'>, me: Pick<User, 'id' | 'displayName'>, publishedAt: string | undefined, now: string): Entry {
  return {
    id: 'preview',
    tickerId: ticker.id,
    seq: 0,
    rev: 0,
    ...d,
    teaser: d.teaser && httpUrl(d.teaser.url) ? { ...d.teaser, image: httpUrl(d.teaser.image) } : null,
    image: d.image && httpUrl(d.image.url) ? { ...d.image, creditUrl: httpUrl(d.image.creditUrl) } : null,
    embed: previewEmbed(d.embed),
    author: { id: me.id, displayName: me.displayName },
    publishedAt: publishedAt ?? now,
    updatedAt: now,
    version: 1,
    deletedAt: null,
    status: 'published',
    publishAt: null,
  };
}
