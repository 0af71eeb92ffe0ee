import { sql } from 'kysely';
import type { Db, Trx } from '../db/database';
import type { PushEntriesTable, PushFollowsTable, PushStreamsTable } from '../db/tables';

/*
 * The push tables (migration 016): the VAPID pair, the follows (with the lease of the node pushing
 * to one), how far each followed ticker's stream has been read, and the entries found there.
 */

/** The stored VAPID pair, if a node made one. */
export function findVapid(db: Db): Promise<{ public_key: string; private_key: string } | undefined> {
  return db.selectFrom('push_vapid').select(['public_key', 'private_key']).where('id', '=', 1).executeTakeFirst();
}

/** Stores a pair unless one is there (the first node to start wins); resolves the pair that is kept. */
export async function keepVapid(db: Db, pair: { public_key: string; private_key: string }, now: string): Promise<{ public_key: string; private_key: string }> {
  await db
    .insertInto('push_vapid')
    .values({ id: 1, ...pair, created_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return (await findVapid(db))!;
}

export function findFollow(db: Db | Trx, id: string): Promise<PushFollowsTable | undefined> {
  return db.selectFrom('push_follows').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findFollowByEndpoint(db: Db | Trx, tickerId: string, endpoint: string): Promise<PushFollowsTable | undefined> {
  return db.selectFrom('push_follows').selectAll().where('ticker_id', '=', tickerId).where('endpoint', '=', endpoint).executeTakeFirst();
}

export async function countFollows(db: Db | Trx, tickerId: string): Promise<number> {
  const row = await db.selectFrom('push_follows').select((eb) => eb.fn.countAll<string | number>().as('n')).where('ticker_id', '=', tickerId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Follows per ticker (the metrics' gauge). */
export function followsPerTicker(db: Db): Promise<Array<{ ticker_id: string; n: string | number }>> {
  return db.selectFrom('push_follows').select(['ticker_id', (eb) => eb.fn.countAll<string | number>().as('n')]).groupBy('ticker_id').execute();
}

export function followsOfUser(db: Db, userId: string): Promise<PushFollowsTable[]> {
  return db.selectFrom('push_follows').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id').limit(500).execute();
}

export async function insertFollow(db: Db | Trx, row: PushFollowsTable): Promise<void> {
  await db.insertInto('push_follows').values(row).execute();
}

export async function updateFollow(db: Db | Trx, id: string, set: Partial<PushFollowsTable>): Promise<void> {
  await db.updateTable('push_follows').set(set).where('id', '=', id).execute();
}

export async function removeFollow(db: Db | Trx, id: string): Promise<boolean> {
  const r = await db.deleteFrom('push_follows').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Starts reading a ticker's stream for pushes at `rev` (its head when the first follow came),
 * unless it is read already.
 */
export async function ensurePushStream(db: Db | Trx, tickerId: string, epoch: string, rev: number): Promise<void> {
  const manual = await db.selectFrom('push_manual').select((eb) => eb.fn.max<number | string | null>('seq').as('n')).where('ticker_id', '=', tickerId).executeTakeFirst();
  await db
    .insertInto('push_streams')
    .values({ ticker_id: tickerId, epoch, rev, head_rev: rev, head_key_rev: rev, lease_owner: null, lease_until: null, head_manual: Number(manual?.n ?? 0) })
    .onConflict((oc) => oc.column('ticker_id').doNothing())
    .execute();
}

/** The followed tickers whose stream has news beyond what was read, with that stream's head. */
export function streamsBehind(db: Db): Promise<Array<PushStreamsTable & { head: number; head_epoch: string }>> {
  return db
    .selectFrom('push_streams as p')
    .innerJoin('streams as s', (j) => j.on('s.name', '=', sql<string>`${sql.lit('ticker:')} || ${sql.ref('p.ticker_id')}`))
    .selectAll('p')
    .select(['s.rev as head', 's.epoch as head_epoch'])
    .where((w) => w.or([w('s.rev', '!=', w.ref('p.rev')), w('s.epoch', '!=', w.ref('p.epoch'))]))
    .execute();
}

/** Every followed ticker's read position and latest entry revisions. */
export function pushStreams(db: Db): Promise<PushStreamsTable[]> {
  return db.selectFrom('push_streams').selectAll().execute();
}

/** Takes (or renews) a node's lease on reading a ticker's stream; false while another node holds it. */
export async function claimPushStream(db: Db, tickerId: string, owner: string, now: string, until: string): Promise<boolean> {
  const r = await db
    .updateTable('push_streams')
    .set({ lease_owner: owner, lease_until: until })
    .where('ticker_id', '=', tickerId)
    .where((w) => w.or([w('lease_owner', 'is', null), w('lease_owner', '=', owner), w('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Records the entries published in a stream between `from` and `to` and moves the read position,
 * in one transaction, only while `owner` holds the lease and nobody moved it meanwhile: each entry
 * is recorded once, whichever node reads it. False when the position was not this node's to move.
 */
export async function advancePushStream(
  db: Db,
  tickerId: string,
  owner: string,
  from: { epoch: string; rev: number },
  to: { epoch: string; rev: number },
  entries: PushEntriesTable[],
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const keyRev = entries.filter((e) => e.kind === 'key-event').reduce((m, e) => Math.max(m, e.rev), 0);
    const anyRev = entries.reduce((m, e) => Math.max(m, e.rev), 0);
    const r = await trx
      .updateTable('push_streams')
      .set((eb) => ({
        epoch: to.epoch,
        rev: to.rev,
        head_rev: anyRev ? sql<number>`case when ${eb.ref('head_rev')} > ${anyRev} then ${eb.ref('head_rev')} else ${anyRev} end` : eb.ref('head_rev'),
        head_key_rev: keyRev ? sql<number>`case when ${eb.ref('head_key_rev')} > ${keyRev} then ${eb.ref('head_key_rev')} else ${keyRev} end` : eb.ref('head_key_rev'),
      }))
      .where('ticker_id', '=', tickerId)
      .where('lease_owner', '=', owner)
      .where('epoch', '=', from.epoch)
      .where('rev', '=', from.rev)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    if (entries.length) await trx.insertInto('push_entries').values(entries).onConflict((oc) => oc.columns(['ticker_id', 'entry_id']).doNothing()).execute();
    return true;
  });
}

/**
 * Follows of a ticker with news to push now: behind the latest entry of their topics (for `all`,
 * not pushed to within `since`, ISO time) or behind its latest manual push, not waiting for a
 * retry, not leased.
 */
export function dueFollowIds(db: Db, stream: Pick<PushStreamsTable, 'ticker_id' | 'head_rev' | 'head_key_rev' | 'head_manual'>, now: string, since: string, limit: number): Promise<Array<{ id: string }>> {
  return db
    .selectFrom('push_follows')
    .select('id')
    .where('ticker_id', '=', stream.ticker_id)
    .where((w) =>
      w.or([
        w.and([w('topics', '=', 'all'), w('pushed_rev', '<', stream.head_rev), w.or([w('last_pushed_at', 'is', null), w('last_pushed_at', '<=', since)])]),
        w.and([w('topics', '=', 'key-events'), w('pushed_rev', '<', stream.head_key_rev)]),
        // A manual push goes to every follow at once, whatever its topics and interval.
        w('manual_seq', '<', stream.head_manual),
      ]),
    )
    .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now)]))
    .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
    .limit(limit)
    .execute();
}

/**
 * Leases follows to `owner` until `until`: only those nobody else holds (a row two nodes both
 * try is taken by one; PostgreSQL re-checks the condition after the other's update). Resolves the
 * rows this node got.
 */
export async function claimFollows(db: Db, ids: string[], owner: string, now: string, until: string): Promise<PushFollowsTable[]> {
  if (ids.length === 0) return [];
  await db
    .updateTable('push_follows')
    .set({ lease_owner: owner, lease_until: until })
    .where('id', 'in', ids)
    .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
    .execute();
  return db.selectFrom('push_follows').selectAll().where('id', 'in', ids).where('lease_owner', '=', owner).where('lease_until', '=', until).execute();
}

/**
 * The entries a push to a follow stands for: published in its ticker after `after` up to `upTo`,
 * of its topics, and not deleted since (an entry deleted before its push went out is not sent).
 * Newest first.
 */
export function entriesToPush(db: Db, tickerId: string, after: number, upTo: number, keyEventsOnly: boolean): Promise<Array<{ entry_id: string; rev: number; published_at: string }>> {
  let q = db
    .selectFrom('push_entries as p')
    .innerJoin('entries as e', (j) => j.onRef('e.id', '=', 'p.entry_id').onRef('e.ticker_id', '=', 'p.ticker_id'))
    .select(['p.entry_id', 'p.rev', 'p.published_at'])
    .where('p.ticker_id', '=', tickerId)
    .where('p.rev', '>', after)
    .where('p.rev', '<=', upTo)
    .where('e.deleted_at', 'is', null)
    .where('e.status', '=', 'published');
  if (keyEventsOnly) q = q.where('p.kind', '=', 'key-event');
  return q.orderBy('p.rev', 'desc').limit(10_000).execute();
}

/** Ends a node's work on a follow: its new state, written only while the node still holds it. */
export async function settleFollow(db: Db, id: string, owner: string, set: Partial<PushFollowsTable>): Promise<boolean> {
  const r = await db
    .updateTable('push_follows')
    .set({ ...set, lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Gives back every lease a node holds (it stops). */
export async function releasePushLeases(db: Db, owner: string): Promise<void> {
  await db.updateTable('push_follows').set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', owner).execute();
  await db.updateTable('push_streams').set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', owner).execute();
}

/** Forgets entries published before `before` (ISO): any follow that still wanted them has ended by then. */
export async function prunePushEntries(db: Db, before: string): Promise<void> {
  await db.deleteFrom('push_entries').where('published_at', '<', before).execute();
}
