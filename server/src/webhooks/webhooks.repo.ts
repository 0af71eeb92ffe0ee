import type { Webhook, WebhookDelivery, WebhookEvent } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { WebhookCursorsTable, WebhookDeliveriesTable, WebhooksTable } from '../db/tables';

/*
 * The webhooks' tables: the endpoints (`webhooks`, with the lease of the node serving one), their
 * positions per stream (`webhook_cursors`) and the delivery log (`webhook_deliveries`).
 */

/** A position in a stream: its epoch and the revision given (or to be given) to the endpoint. */
export interface StreamPosition {
  name: string;
  epoch: string;
  rev: number;
}

export function toWebhook(row: WebhooksTable): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEvent[],
    tickerId: row.ticker_id,
    description: row.description,
    active: row.active === 1,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toDelivery(row: WebhookDeliveriesTable): WebhookDelivery {
  return {
    id: row.id,
    messageId: row.message_id,
    type: row.type,
    stream: row.stream,
    rev: Number(row.rev),
    attempt: row.attempt,
    status: row.status,
    ok: row.ok === 1,
    error: row.error,
    durationMs: row.duration_ms,
    createdAt: row.created_at,
  };
}

/** The streams an endpoint follows: one ticker's, or every ticker's (also those made later). */
export async function followedStreams(db: Db | Trx, hook: Pick<WebhooksTable, 'ticker_id' | 'events'>): Promise<StreamPosition[]> {
  const events = JSON.parse(hook.events) as string[];
  const kinds = [...(events.some((e) => !e.startsWith('message.')) ? ['ticker'] : []), ...(events.some((e) => e.startsWith('message.')) ? ['chat'] : [])];
  let q = db.selectFrom('streams').select(['name', 'rev', 'epoch']);
  if (hook.ticker_id) q = q.where('name', 'in', kinds.map((k) => `${k}:${hook.ticker_id}`));
  else q = q.where((w) => w.or(kinds.map((k) => w('name', 'like', `${k}:%`))));
  return q.execute();
}

export function findWebhook(db: Db | Trx, id: string): Promise<WebhooksTable | undefined> {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every endpoint, the newest first (the admins' list). */
export function listAllWebhooks(db: Db | Trx): Promise<WebhooksTable[]> {
  return db.selectFrom('webhooks').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
}

/** The endpoints turned on, in no particular order (a delivery round's candidates). */
export function activeWebhooks(db: Db | Trx): Promise<WebhooksTable[]> {
  return db.selectFrom('webhooks').selectAll().where('active', '=', 1).execute();
}

export async function insertWebhook(db: Db | Trx, row: WebhooksTable): Promise<void> {
  await db.insertInto('webhooks').values(row).execute();
}

export async function updateWebhook(db: Db | Trx, id: string, set: Partial<WebhooksTable>): Promise<void> {
  await db.updateTable('webhooks').set(set).where('id', '=', id).execute();
}

/** An endpoint with its positions and its delivery log. */
export async function removeWebhook(trx: Trx, id: string): Promise<void> {
  await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
  await trx.deleteFrom('webhook_cursors').where('webhook_id', '=', id).execute();
  await trx.deleteFrom('webhooks').where('id', '=', id).execute();
}

/**
 * Takes (or renews) a node's lease on an endpoint, until `until`, while it is on, due (`now`)
 * and not leased to another node; false otherwise.
 */
export async function claimWebhook(db: Db | Trx, id: string, nodeId: string, now: string, until: string): Promise<boolean> {
  const res = await db
    .updateTable('webhooks')
    .set({ lease_owner: nodeId, lease_until: until })
    .where('id', '=', id)
    .where('active', '=', 1)
    .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now)]))
    .where((w) => w.or([w('lease_owner', 'is', null), w('lease_owner', '=', nodeId), w('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Gives back every lease a node holds. */
export async function releaseLeases(db: Db | Trx, nodeId: string): Promise<void> {
  await db.updateTable('webhooks').set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', nodeId).execute();
}

export function cursorsOf(db: Db | Trx, webhookId: string): Promise<WebhookCursorsTable[]> {
  return db.selectFrom('webhook_cursors').selectAll().where('webhook_id', '=', webhookId).execute();
}

/**
 * Positions of an endpoint in streams, written (none: nothing). `ifAbsent` keeps a position the
 * endpoint has in a stream already; without it, one there is a unique violation.
 */
export async function insertCursors(db: Db | Trx, webhookId: string, at: StreamPosition[], opts: { ifAbsent?: boolean } = {}): Promise<void> {
  if (!at.length) return;
  const q = db.insertInto('webhook_cursors').values(at.map((s) => ({ webhook_id: webhookId, stream: s.name, epoch: s.epoch, rev: s.rev })));
  await (opts.ifAbsent ? q.onConflict((oc) => oc.columns(['webhook_id', 'stream']).doNothing()) : q).execute();
}

/** Puts an endpoint's position in a stream at `at`, wherever it was (or writes it, if it had none). */
export async function setCursor(trx: Trx, webhookId: string, at: StreamPosition): Promise<void> {
  const done = await trx.updateTable('webhook_cursors').set({ rev: at.rev, epoch: at.epoch }).where('webhook_id', '=', webhookId).where('stream', '=', at.name).executeTakeFirst();
  if (Number(done.numUpdatedRows) === 0) await trx.insertInto('webhook_cursors').values({ webhook_id: webhookId, stream: at.name, epoch: at.epoch, rev: at.rev }).execute();
}

/**
 * Moves an endpoint's position in a stream from `from` to `to`, only while `nodeId` holds the
 * endpoint's lease and the position is still `from`: false otherwise.
 */
export async function advanceCursor(
  db: Db | Trx,
  webhookId: string,
  nodeId: string,
  stream: string,
  from: { epoch: string; rev: number },
  to: { epoch: string; rev: number },
): Promise<boolean> {
  const held = db.selectFrom('webhooks').select('id').where('id', '=', webhookId).where('lease_owner', '=', nodeId);
  const res = await db
    .updateTable('webhook_cursors')
    .set(to)
    .where('webhook_id', '=', webhookId)
    .where('stream', '=', stream)
    .where('rev', '=', from.rev)
    .where('epoch', '=', from.epoch)
    .where('webhook_id', 'in', held)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** One page of an endpoint's delivery log, the newest first, before `beforeSeq` (if given). */
export async function listDeliveryRows(db: Db | Trx, webhookId: string, opts: { beforeSeq?: number; limit: number }): Promise<WebhookDeliveriesTable[]> {
  let sel = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  if (opts.beforeSeq !== undefined) sel = sel.where('seq', '<', opts.beforeSeq);
  return sel.orderBy('seq', 'desc').limit(opts.limit).execute();
}

export async function insertDelivery(db: Db | Trx, row: WebhookDeliveriesTable): Promise<void> {
  await db.insertInto('webhook_deliveries').values(row).execute();
}

/** Forgets the delivery log from before `before` (ISO time). */
export async function pruneDeliveries(db: Db | Trx, before: string): Promise<void> {
  await db.deleteFrom('webhook_deliveries').where('created_at', '<', before).execute();
}
