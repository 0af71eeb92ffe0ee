import { randomBytes } from 'node:crypto';
import { CreateEntryBody, KeyEventsQuery, PageQuery, PatchEntryBody } from '@liveticker/schemas';
import type { Entry, EntryChange, EntryList, KeyEventList } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { nextRev } from '../db/database';
import type { Trx } from '../db/database';
import { seqPage } from '../db/cursor';
import { AppError, parseInput } from '../errors';
import { findEntry, listEntries, listKeyEvents, listPinned, toEntry } from './entries.repo';
import { findTicker } from './tickers.repo';
import { entryBodyOrRefuse } from './sanitize';

type Ctx = Pick<AppContext, 'db' | 'publisher'>;

export async function listEntriesPage(ctx: Pick<AppContext, 'db'>, tickerId: string, query: unknown): Promise<EntryList> {
  const q = parseInput(PageQuery, query, 'query');
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  const page = await seqPage(q, (afterSeq, limit) => listEntries(ctx.db, { tickerId, order: q.order, limit, afterSeq }));
  // Pinned entries come with the first page only; later pages are the flow below them.
  const pinned = q.cursor ? [] : await listPinned(ctx.db, tickerId);
  return { ...page, pinned };
}

export async function listKeyEventsOf(ctx: Pick<AppContext, 'db'>, tickerId: string, query: unknown): Promise<KeyEventList> {
  const q = parseInput(KeyEventsQuery, query, 'query');
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  return { items: await listKeyEvents(ctx.db, tickerId, q.limit) };
}

export async function getEntry(ctx: Pick<AppContext, 'db'>, tickerId: string, id: string): Promise<Entry> {
  const entry = await findEntry(ctx.db, tickerId, id);
  if (!entry) throw new AppError('not_found', `no entry ${id} in ticker ${tickerId}`);
  return entry;
}

/**
 * Unpins the entries pinned longest ago until at most `keep` stay pinned: each unpinning takes
 * the stream's next revision in `trx` and is returned as a change to publish. Pinning one entry
 * more than the ticker's `maxPinned` thus unpins the oldest pin instead of refusing it.
 */
export async function unpinOldest(trx: Trx, tickerId: string, keep: number): Promise<EntryChange[]> {
  const pinned = await trx
    .selectFrom('entries')
    .select(['id', 'version'])
    .where('ticker_id', '=', tickerId)
    .where('pinned', '=', 1)
    .where('deleted_at', 'is', null)
    .orderBy('pinned_at', 'desc')
    .orderBy('seq', 'desc')
    .execute();
  const changes: EntryChange[] = [];
  for (const old of pinned.slice(Math.max(0, keep)).reverse()) {
    const rev = await nextRev(trx, `ticker:${tickerId}`);
    const row = await trx
      .updateTable('entries')
      .set({ pinned: 0, pinned_at: null, rev, version: old.version + 1, updated_at: new Date().toISOString() })
      .where('ticker_id', '=', tickerId)
      .where('id', '=', old.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    changes.push({ rev, type: 'entry.updated', data: toEntry(row) });
  }
  return changes;
}

function newEntryId(): string {
  return randomBytes(12).toString('base64url');
}

export async function createEntry(ctx: Ctx, actor: Actor | undefined, tickerId: string, body: unknown): Promise<Entry> {
  const author = requireRole(actor, 'editor');
  const input = parseInput(CreateEntryBody, body, 'entry');
  const html = entryBodyOrRefuse(input.body);
  const stream = `ticker:${tickerId}`;
  const changes = await ctx.db.transaction().execute(async (trx) => {
    const ticker = await findTicker(trx, tickerId);
    if (!ticker) throw new AppError('not_found', `no ticker ${tickerId}`);
    const unpinned = input.pinned ? await unpinOldest(trx, tickerId, ticker.maxPinned - 1) : [];
    const rev = await nextRev(trx, stream);
    const now = new Date().toISOString();
    const row = {
      id: newEntryId(),
      ticker_id: tickerId,
      seq: rev,
      rev,
      kind: input.kind,
      title: input.title ?? null,
      body: html,
      image: input.image ? JSON.stringify(input.image) : null,
      teaser: input.teaser ? JSON.stringify(input.teaser) : null,
      pinned: input.pinned ? 1 : 0,
      pinned_at: input.pinned ? now : null,
      author_id: author.id,
      author_name: author.displayName,
      published_at: now,
      updated_at: now,
      version: 1,
      deleted_at: null,
    };
    await trx.insertInto('entries').values(row).execute();
    const created: EntryChange = { rev, type: 'entry.created', data: toEntry(row) };
    return [...unpinned, created];
  });
  ctx.publisher.publish(stream, changes);
  return changes[changes.length - 1]!.data as Entry;
}

export async function patchEntry(
  ctx: Ctx,
  actor: Actor | undefined,
  tickerId: string,
  id: string,
  body: unknown,
): Promise<Entry> {
  requireRole(actor, 'editor');
  const input = parseInput(PatchEntryBody, body, 'entry');
  const stream = `ticker:${tickerId}`;
  const changes = await ctx.db.transaction().execute(async (trx) => {
    const current = await findEntry(trx, tickerId, id);
    if (!current || current.deletedAt) throw new AppError('not_found', `no entry ${id} in ticker ${tickerId}`);
    if (current.version !== input.version) {
      throw new AppError('conflict', 'the entry was changed meanwhile; reload it and edit again', {
        currentVersion: current.version,
      });
    }
    const pinning = input.pinned === true && !current.pinned;
    const ticker = pinning ? await findTicker(trx, tickerId) : undefined;
    const unpinned = ticker ? await unpinOldest(trx, tickerId, ticker.maxPinned - 1) : [];
    const rev = await nextRev(trx, stream);
    const now = new Date().toISOString();
    const row = await trx
      .updateTable('entries')
      .set({
        ...(input.kind !== undefined && { kind: input.kind }),
        ...(input.title !== undefined && { title: input.title }),
        ...(input.body !== undefined && { body: entryBodyOrRefuse(input.body) }),
        ...(input.image !== undefined && { image: input.image ? JSON.stringify(input.image) : null }),
        ...(input.teaser !== undefined && { teaser: input.teaser ? JSON.stringify(input.teaser) : null }),
        ...(input.pinned !== undefined && input.pinned !== current.pinned && { pinned: input.pinned ? 1 : 0, pinned_at: input.pinned ? now : null }),
        rev,
        version: current.version + 1,
        updated_at: now,
      })
      .where('ticker_id', '=', tickerId)
      .where('id', '=', id)
      .where('version', '=', input.version)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('conflict', 'the entry was changed meanwhile; reload it and edit again');
    const updated: EntryChange = { rev, type: 'entry.updated', data: toEntry(row) };
    return [...unpinned, updated];
  });
  ctx.publisher.publish(stream, changes);
  return changes[changes.length - 1]!.data as Entry;
}

/** Deletes leave a tombstone: the row keeps id, seq and deletedAt; its content is erased. */
export async function deleteEntry(ctx: Ctx, actor: Actor | undefined, tickerId: string, id: string): Promise<Entry> {
  requireRole(actor, 'editor');
  const stream = `ticker:${tickerId}`;
  const entry = await ctx.db.transaction().execute(async (trx) => {
    const current = await findEntry(trx, tickerId, id);
    if (!current || current.deletedAt) throw new AppError('not_found', `no entry ${id} in ticker ${tickerId}`);
    const rev = await nextRev(trx, stream);
    const now = new Date().toISOString();
    const row = await trx
      .updateTable('entries')
      .set({ rev, title: null, body: '', image: null, teaser: null, pinned: 0, pinned_at: null, deleted_at: now, updated_at: now, version: current.version + 1 })
      .where('ticker_id', '=', tickerId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEntry(row);
  });
  ctx.publisher.publish(stream, [{ rev: entry.rev, type: 'entry.deleted', data: entry }]);
  return entry;
}
