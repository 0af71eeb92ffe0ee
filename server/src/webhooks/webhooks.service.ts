import { randomBytes } from 'node:crypto';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { newId } from '../db/ids';
import type { AppContext } from '../context';
import type { Db, Trx } from '../db/database';
import type { WebhooksTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { findTicker } from '../tickers/tickers.repo';
import { CreateWebhookBody, PatchWebhookBody, ReplayWebhookBody, WebhookDeliveriesQuery } from '@liveticker/schemas';
import type { CreatedWebhook, Webhook, WebhookDelivery, WebhookDeliveryList, WebhookEvent } from '@liveticker/schemas';
import { refusedTarget } from './ssrf';

type Ctx = Pick<AppContext, 'db' | 'config' | 'logger'> & { webhooksChanged?: () => void };

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

/** The streams an endpoint follows: one ticker's, or every ticker's (also those made later). */
export async function followedStreams(db: Db | Trx, hook: Pick<WebhooksTable, 'ticker_id' | 'events'>): Promise<Array<{ name: string; rev: number; epoch: string }>> {
  const events = JSON.parse(hook.events) as string[];
  const kinds = [...(events.some((e) => !e.startsWith('message.')) ? ['ticker'] : []), ...(events.some((e) => e.startsWith('message.')) ? ['chat'] : [])];
  let q = db.selectFrom('streams').select(['name', 'rev', 'epoch']);
  if (hook.ticker_id) q = q.where('name', 'in', kinds.map((k) => `${k}:${hook.ticker_id}`));
  else q = q.where((w) => w.or(kinds.map((k) => w('name', 'like', `${k}:%`))));
  return q.execute();
}

async function mustTarget(ctx: Ctx, url: string): Promise<void> {
  const refused = await refusedTarget(url, ctx.config.webhooks.allowPrivate);
  if (refused) throw new AppError('validation_failed', `webhook URL refused: ${refused} (deliveries go to public addresses only)`, { field: 'url' });
}

async function mustFind(db: Db, id: string): Promise<WebhooksTable> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `no webhook ${id}`);
  return row;
}

export async function createWebhook(ctx: Ctx, actor: Actor | undefined, body: unknown): Promise<CreatedWebhook> {
  const admin = requireRole(actor, 'admin');
  const b = parseInput(CreateWebhookBody, body);
  if (b.tickerId && !(await findTicker(ctx.db, b.tickerId))) throw new AppError('validation_failed', `no ticker ${b.tickerId}`, [{ path: 'tickerId', message: 'no such ticker' }]);
  await mustTarget(ctx, b.url);
  const now = new Date().toISOString();
  const row: WebhooksTable = {
    id: newId(),
    url: b.url,
    events: JSON.stringify(b.events),
    ticker_id: b.tickerId ?? null,
    description: b.description ?? '',
    // Standard Webhooks' secret form: whsec_ and 24 random bytes, base64.
    secret: `whsec_${randomBytes(24).toString('base64')}`,
    active: 1,
    disabled_reason: null,
    failing_since: null,
    next_attempt_at: null,
    attempts: 0,
    lease_owner: null,
    lease_until: null,
    created_by: admin.id,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('webhooks').values(row).execute();
    // It starts now: every stream it follows from its head (a ticker made later, from its start).
    const streams = await followedStreams(trx, row);
    if (streams.length) await trx.insertInto('webhook_cursors').values(streams.map((s) => ({ webhook_id: row.id, stream: s.name, epoch: s.epoch, rev: s.rev }))).execute();
  });
  ctx.logger.info({ webhook: row.id, url: row.url, by: admin.id }, 'webhook registered');
  ctx.webhooksChanged?.();
  return { ...toWebhook(row), secret: row.secret };
}

export async function listWebhooks(ctx: Ctx, actor: Actor | undefined): Promise<{ items: Webhook[] }> {
  requireRole(actor, 'admin');
  const rows = await ctx.db.selectFrom('webhooks').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
  return { items: rows.map(toWebhook) };
}

export async function getWebhook(ctx: Ctx, actor: Actor | undefined, id: string): Promise<Webhook> {
  requireRole(actor, 'admin');
  return toWebhook(await mustFind(ctx.db, id));
}

export async function patchWebhook(ctx: Ctx, actor: Actor | undefined, id: string, body: unknown): Promise<Webhook> {
  const admin = requireRole(actor, 'admin');
  const b = parseInput(PatchWebhookBody, body);
  const row = await mustFind(ctx.db, id);
  if (b.url !== undefined) await mustTarget(ctx, b.url);
  const now = new Date().toISOString();
  const set: Partial<WebhooksTable> = { updated_at: now };
  if (b.url !== undefined) set.url = b.url;
  if (b.events !== undefined) set.events = JSON.stringify(b.events);
  if (b.description !== undefined) set.description = b.description;
  if (b.active === true) Object.assign(set, { active: 1, disabled_reason: null, failing_since: null, next_attempt_at: null, attempts: 0 });
  if (b.active === false) Object.assign(set, { active: 0, disabled_reason: `turned off by ${admin.displayName}`, next_attempt_at: null });
  // A round under way stops at its next step (its node loses the lease) and the next one works
  // with the endpoint as it now is.
  Object.assign(set, { lease_owner: null, lease_until: null });
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('webhooks').set(set).where('id', '=', row.id).execute();
    if (b.events !== undefined) {
      // Streams it newly follows (chat events added) start at their head, not at their beginning.
      const streams = await followedStreams(trx, { ticker_id: row.ticker_id, events: JSON.stringify(b.events) });
      if (streams.length) {
        await trx
          .insertInto('webhook_cursors')
          .values(streams.map((st) => ({ webhook_id: row.id, stream: st.name, epoch: st.epoch, rev: st.rev })))
          .onConflict((oc) => oc.columns(['webhook_id', 'stream']).doNothing())
          .execute();
      }
    }
  });
  ctx.webhooksChanged?.();
  return toWebhook(await mustFind(ctx.db, id));
}

export async function deleteWebhook(ctx: Ctx, actor: Actor | undefined, id: string): Promise<void> {
  requireRole(actor, 'admin');
  const row = await mustFind(ctx.db, id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', row.id).execute();
    await trx.deleteFrom('webhook_cursors').where('webhook_id', '=', row.id).execute();
    await trx.deleteFrom('webhooks').where('id', '=', row.id).execute();
  });
}

export async function listDeliveries(ctx: Ctx, actor: Actor | undefined, id: string, query: unknown): Promise<WebhookDeliveryList> {
  requireRole(actor, 'admin');
  const q = parseInput(WebhookDeliveriesQuery, query, 'query');
  await mustFind(ctx.db, id);
  const before = q.cursor === undefined ? undefined : Number(q.cursor);
  if (before !== undefined && !Number.isSafeInteger(before)) throw new AppError('validation_failed', 'cursor is not one this API gave', { field: 'cursor' });
  let sel = ctx.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', id);
  if (before !== undefined) sel = sel.where('seq', '<', before);
  const rows = await sel.orderBy('seq', 'desc').limit(q.limit + 1).execute();
  const more = rows.length > q.limit;
  if (more) rows.length = q.limit;
  const items: WebhookDelivery[] = rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    type: r.type,
    stream: r.stream,
    rev: Number(r.rev),
    attempt: r.attempt,
    status: r.status,
    ok: r.ok === 1,
    error: r.error,
    durationMs: r.duration_ms,
    createdAt: r.created_at,
  }));
  return { items, nextCursor: more ? String(rows[rows.length - 1]!.seq) : null };
}

/**
 * Delivers again from revision `since`: the events after it in the streams named (one ticker's,
 * or all the endpoint follows) go out again, with the ids they had (receivers dedupe by them).
 */
export async function replayWebhook(ctx: Ctx, actor: Actor | undefined, id: string, body: unknown): Promise<Webhook> {
  requireRole(actor, 'admin');
  const b = parseInput(ReplayWebhookBody, body);
  const row = await mustFind(ctx.db, id);
  if (row.active !== 1) throw new AppError('conflict', 'this webhook is turned off: turn it on (PATCH active: true) first');
  if (b.tickerId && row.ticker_id && b.tickerId !== row.ticker_id) throw new AppError('validation_failed', `this webhook follows ticker ${row.ticker_id} only`, [{ path: 'tickerId', message: `not ${row.ticker_id}` }]);
  // Revisions count per stream: a ticker's entries and its chat are two streams.
  const streams = (await followedStreams(ctx.db, row)).filter((s) => (!b.tickerId || s.name.endsWith(`:${b.tickerId}`)) && s.name.startsWith(`${b.stream}:`));
  if (b.tickerId && streams.length === 0) throw new AppError('not_found', `no ticker ${b.tickerId}`);
  await ctx.db.transaction().execute(async (trx) => {
    for (const s of streams) {
      const rev = Math.min(b.since, s.rev);
      const done = await trx.updateTable('webhook_cursors').set({ rev, epoch: s.epoch }).where('webhook_id', '=', row.id).where('stream', '=', s.name).executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) await trx.insertInto('webhook_cursors').values({ webhook_id: row.id, stream: s.name, epoch: s.epoch, rev }).execute();
    }
    // Due at once, even while it was backing off; a round under way stops (its position moved).
    await trx.updateTable('webhooks').set({ next_attempt_at: null, lease_owner: null, lease_until: null, updated_at: new Date().toISOString() }).where('id', '=', row.id).execute();
  });
  ctx.webhooksChanged?.();
  return toWebhook(await mustFind(ctx.db, id));
}
