import type { Card, CardData } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { CardsTable } from '../db/tables';

/** A row as readers get it. */
export function toCard(row: CardsTable): Card {
  return {
    id: row.id,
    tickerId: row.ticker_id,
    ...({ type: row.type, data: JSON.parse(row.data) } as CardData),
    version: row.version,
    pinned: row.pinned === 1,
    entryId: row.entry_id,
    rev: row.rev,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

/** A card's row, tombstone included; undefined when it never existed. */
export function findCard(db: Db | Trx, tickerId: string, id: string): Promise<CardsTable | undefined> {
  return db.selectFrom('cards').selectAll().where('ticker_id', '=', tickerId).where('id', '=', id).executeTakeFirst();
}

/** Writes a card's row whole (a new one, or over the one there). */
export async function saveCard(trx: Trx, row: CardsTable, exists: boolean): Promise<void> {
  if (exists) {
    const { ticker_id, id, ...rest } = row;
    await trx.updateTable('cards').set(rest).where('ticker_id', '=', ticker_id).where('id', '=', id).execute();
  } else {
    await trx.insertInto('cards').values(row).execute();
  }
}

/** A ticker's cards that are not deleted: pinned ones first, then in the order they were made. */
export function liveCards(db: Db | Trx, tickerId: string): Promise<CardsTable[]> {
  return db
    .selectFrom('cards')
    .selectAll()
    .where('ticker_id', '=', tickerId)
    .where('deleted_at', 'is', null)
    .orderBy('pinned', 'desc')
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .limit(200)
    .execute();
}

/** Cards whose state the stream has not carried yet. */
export function dirtyCards(db: Db, limit: number): Promise<Array<{ ticker_id: string; id: string }>> {
  return db.selectFrom('cards').select(['ticker_id', 'id']).where('dirty', '=', 1).limit(limit).execute();
}

/**
 * Claims the publishing of a card's state at `at`: only when it is marked and was last published
 * at `notAfter` or before (or never). The row as claimed, or undefined (too soon, or done already
 * by another node).
 */
export function claimCard(trx: Trx, tickerId: string, id: string, at: string, notAfter: string): Promise<CardsTable | undefined> {
  return trx
    .updateTable('cards')
    .set({ dirty: 0, published_at: at })
    .where('ticker_id', '=', tickerId)
    .where('id', '=', id)
    .where('dirty', '=', 1)
    .where((eb) => eb.or([eb('published_at', 'is', null), eb('published_at', '<=', notAfter)]))
    .returningAll()
    .executeTakeFirst();
}

/** Stores the revision a card's published change took. */
export async function setCardRev(trx: Trx, tickerId: string, id: string, rev: number): Promise<void> {
  await trx.updateTable('cards').set({ rev }).where('ticker_id', '=', tickerId).where('id', '=', id).execute();
}

/** A ticker's cards whose last published change is after `since` up to `head`, in rev order. */
export function cardsChangedSince(db: Db | Trx, tickerId: string, since: number, head: number, limit: number): Promise<CardsTable[]> {
  return db.selectFrom('cards').selectAll().where('ticker_id', '=', tickerId).where('rev', '>', since).where('rev', '<=', head).orderBy('rev', 'asc').limit(limit).execute();
}

/** Whether `entryId` is a published, not deleted entry of the ticker (a card may be attached to it). */
export async function publishedEntryExists(db: Db | Trx, tickerId: string, entryId: string): Promise<boolean> {
  const row = await db.selectFrom('entries').select('id').where('ticker_id', '=', tickerId).where('id', '=', entryId).where('deleted_at', 'is', null).where('status', '=', 'published').executeTakeFirst();
  return Boolean(row);
}

/** How many cards a ticker holds, deleted ones not counted. */
export async function countLiveCards(db: Db | Trx, tickerId: string): Promise<number> {
  const row = await db.selectFrom('cards').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).where('ticker_id', '=', tickerId).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}
