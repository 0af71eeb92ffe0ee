import type { Embed, Entry, EntryImage, EntryQuestion, Teaser } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { EntriesTable } from '../db/tables';
import { searchCondition } from './search';
import { pollView } from '../polls/poll-view';

export function toEntry(row: EntriesTable): Entry {
  return {
    id: row.id,
    tickerId: row.ticker_id,
    seq: row.seq,
    rev: row.rev,
    kind: row.kind as Entry['kind'],
    title: row.title,
    body: row.body,
    image: row.image ? (JSON.parse(row.image) as EntryImage) : null,
    teaser: row.teaser ? (JSON.parse(row.teaser) as Teaser) : null,
    embed: row.embed ? (JSON.parse(row.embed) as Embed) : null,
    pinned: row.pinned === 1,
    author: { id: row.author_id, displayName: row.author_name },
    publishedAt: row.published_at,
    updatedAt: row.updated_at,
    version: row.version,
    deletedAt: row.deleted_at,
    status: row.status as Entry['status'],
    publishAt: row.publish_at,
    ...(row.poll && { poll: pollView(row) }),
    ...(row.question && { question: JSON.parse(row.question) as EntryQuestion }),
  };
}

export async function findEntry(db: Db | Trx, tickerId: string, id: string): Promise<Entry | undefined> {
  const row = await db
    .selectFrom('entries')
    .selectAll()
    .where('ticker_id', '=', tickerId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toEntry(row);
}

/** The entries a reader may see in a ticker: published and not deleted. */
function readable(db: Db | Trx, tickerId: string) {
  return db.selectFrom('entries').selectAll().where('ticker_id', '=', tickerId).where('status', '=', 'published').where('deleted_at', 'is', null);
}

/**
 * One page of live (not deleted, not pinned) entries in `seq` order. `afterSeq` is the last seq
 * of the previous page: pages stay exact while entries are added, edited and deleted. With `q`,
 * the entries (pinned ones too) that have each of its words, through the search index.
 */
export async function listEntries(
  db: Db,
  opts: { tickerId: string; order: 'newest' | 'oldest'; limit: number; afterSeq?: number; q?: string },
): Promise<Entry[]> {
  let q = readable(db, opts.tickerId);
  // The flow leaves pinned entries to the list above it; a search finds them too.
  if (!opts.q) q = q.where('pinned', '=', 0);
  if (opts.afterSeq !== undefined) q = q.where('seq', opts.order === 'newest' ? '<' : '>', opts.afterSeq);
  if (opts.q) {
    const found = searchCondition(db, opts.q);
    if (!found) return [];
    q = q.where(found);
  }
  const rows = await q
    .orderBy('seq', opts.order === 'newest' ? 'desc' : 'asc')
    .limit(opts.limit)
    .execute();
  return rows.map(toEntry);
}

/** Pinned entries, newest first; a ticker keeps few (the service caps them). */
export async function listPinned(db: Db | Trx, tickerId: string): Promise<Entry[]> {
  const rows = await readable(db, tickerId)
    .where('pinned', '=', 1)
    .orderBy('seq', 'desc')
    .execute();
  return rows.map(toEntry);
}

/** The latest key events of a ticker, pinned or not, newest first. */
export async function listKeyEvents(db: Db, tickerId: string, limit: number): Promise<Entry[]> {
  const rows = await readable(db, tickerId)
    .where('kind', '=', 'key-event')
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toEntry);
}

export async function entriesChangedSince(db: Db | Trx, tickerId: string, since: number, limit: number): Promise<Entry[]> {
  const rows = await db
    .selectFrom('entries')
    .selectAll()
    .where('ticker_id', '=', tickerId)
    // Unpublished entries have rev 0: never in a catch-up (said again here, not left to `since`).
    .where('status', '=', 'published')
    .where('rev', '>', since)
    .orderBy('rev', 'asc')
    .limit(limit)
    .execute();
  return rows.map(toEntry);
}

/** Drafts or scheduled entries of a ticker, for its editors: the next to go out (or last touched) first. */
export async function listUnpublished(db: Db, tickerId: string, status: 'draft' | 'scheduled', limit: number): Promise<Entry[]> {
  let q = db.selectFrom('entries').selectAll().where('ticker_id', '=', tickerId).where('status', '=', status);
  q = status === 'scheduled' ? q.orderBy('publish_at', 'asc') : q.orderBy('updated_at', 'desc');
  return (await q.orderBy('id').limit(limit).execute()).map(toEntry);
}

/** Scheduled entries whose time has come, over every ticker, the earliest first. */
export async function dueEntries(db: Db, now: string, limit: number): Promise<Array<{ id: string; ticker_id: string }>> {
  return db.selectFrom('entries').select(['id', 'ticker_id']).where('status', '=', 'scheduled').where('publish_at', '<=', now).orderBy('publish_at').limit(limit).execute();
}

export async function insertEntry(db: Db | Trx, row: EntriesTable): Promise<void> {
  await db.insertInto('entries').values(row).execute();
}

/** Changes an entry and answers it as it is now; throws when there is no such entry. */
export async function updateEntry(db: Db | Trx, tickerId: string, id: string, set: Partial<EntriesTable>): Promise<Entry> {
  return toEntry(await db.updateTable('entries').set(set).where('ticker_id', '=', tickerId).where('id', '=', id).returningAll().executeTakeFirstOrThrow());
}

/** Changes an entry only while it is still at `version` (an edit): undefined when it is not (or gone). */
export async function updateEntryAt(db: Db | Trx, tickerId: string, id: string, version: number, set: Partial<EntriesTable>): Promise<Entry | undefined> {
  const row = await db.updateTable('entries').set(set).where('ticker_id', '=', tickerId).where('id', '=', id).where('version', '=', version).returningAll().executeTakeFirst();
  return row && toEntry(row);
}

/** Removes an entry's row (an unpublished one: no tombstone). */
export async function removeEntry(db: Db | Trx, tickerId: string, id: string): Promise<void> {
  await db.deleteFrom('entries').where('ticker_id', '=', tickerId).where('id', '=', id).execute();
}

/** The published, live, pinned entries of a ticker (but `except`), the latest pinned first. */
export function pinnedEntries(db: Db | Trx, tickerId: string, except?: string): Promise<Array<{ id: string; version: number }>> {
  let q = db.selectFrom('entries').select(['id', 'version']);
  if (except) q = q.where('id', '!=', except);
  return q
    .where('ticker_id', '=', tickerId)
    .where('status', '=', 'published')
    .where('pinned', '=', 1)
    .where('deleted_at', 'is', null)
    .orderBy('pinned_at', 'desc')
    .orderBy('seq', 'desc')
    .execute();
}

/** The lowest `seq` of a ticker's entries (0 when it has none). */
export async function lowestSeq(db: Db | Trx, tickerId: string): Promise<number> {
  const row = await db.selectFrom('entries').select((eb) => eb.fn.min('seq').as('low')).where('ticker_id', '=', tickerId).executeTakeFirst();
  return Number(row?.low ?? 0);
}

/**
 * Turns an unpublished entry, as it was read (`status`, `version`; for the scheduler, still due
 * by `dueBy`), to published: false when another transaction changed it first.
 */
export async function claimUnpublished(
  db: Db | Trx,
  tickerId: string,
  id: string,
  as: { status: string; version: number; dueBy?: string },
): Promise<boolean> {
  let claim = db.updateTable('entries').set({ status: 'published' }).where('id', '=', id).where('ticker_id', '=', tickerId).where('status', '=', as.status).where('version', '=', as.version);
  if (as.dueBy) claim = claim.where('publish_at', '<=', as.dueBy);
  const claimed = await claim.executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

/** A scheduled entry back to the drafts (refused at its time); nothing when it is no longer scheduled. */
export async function unscheduleEntry(db: Db | Trx, id: string): Promise<void> {
  await db.updateTable('entries').set({ status: 'draft', publish_at: null }).where('id', '=', id).where('status', '=', 'scheduled').execute();
}

/**
 * The servers of the Mastodon posts a ticker's readable entries embed (their frames' hosts, for
 * the widget pages' CSP), at most `limit`.
 */
export async function mastodonHosts(db: Db, tickerId: string, limit = 50): Promise<string[]> {
  const rows = await readable(db, tickerId).clearSelect().select('embed').where('embed', 'like', '%"provider":"mastodon"%').orderBy('seq', 'desc').limit(500).execute();
  const hosts = new Set<string>();
  for (const r of rows) {
    try {
      hosts.add(new URL((JSON.parse(r.embed!) as Embed).canonical).host);
    } catch {
      // A row that is not an embed names no host.
    }
    if (hosts.size >= limit) break;
  }
  return [...hosts];
}
