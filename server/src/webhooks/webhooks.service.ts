import { randomBytes } from 'node:crypto';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { newId } from '../db/ids';
import type { AppContext } from '../context';
import type { Db } from '../db/database';
import type { WebhooksTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { findTicker } from '../tickers/tickers.repo';
import { CreateWebhookBody, PatchWebhookBody, ReplayWebhookBody, WebhookDeliveriesQuery } from '@liveticker/schemas';
import type { CreatedWebhook, Webhook, WebhookDeliveryList } from '@liveticker/schemas';
import { refusedTarget } from './ssrf';
import { findWebhook, followedStreams, insertCursors, insertWebhook, listAllWebhooks, listDeliveryRows, removeWebhook, setCursor, toDelivery, toWebhook, updateWebhook } from './webhooks.repo';

type Ctx = Pick<AppContext, 'db' | 'config' | 'logger'> & { webhooksChanged?: () => void };

async function mustTarget(ctx: Ctx, url: string): Promise<void> {
  const refused = await refusedTarget(url, ctx.config.webhooks.allowPrivate);
  if (refused) throw new AppError('validation_failed', `webhook URL refused: ${refused} (deliveries go to public addresses only)`, { field: 'url' });
}

async function mustFind(db: Db, id: string): Promise<WebhooksTable> {
  const row = await findWebhook(db, id);
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
    await insertWebhook(trx, row);
    // It starts now: every stream it follows from its head (a ticker made later, from its start).
    await insertCursors(trx, row.id, await followedStreams(trx, row));
  });
  ctx.logger.info({ webhook: row.id, url: row.url, by: admin.id }, 'webhook registered');
  ctx.webhooksChanged?.();
  return { ...toWebhook(row), secret: row.secret };
}

export async function listWebhooks(ctx: Ctx, actor: Actor | undefined): Promise<{ items: Webhook[] }> {
  requireRole(actor, 'admin');
  return { items: (await listAllWebhooks(ctx.db)).map(toWebhook) };
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
    await updateWebhook(trx, row.id, set);
    if (b.events !== undefined) {
      // Streams it newly follows (chat events added) start at their head, not at their beginning.
      const streams = await followedStreams(trx, { ticker_id: row.ticker_id, events: JSON.stringify(b.events) });
      await insertCursors(trx, row.id, streams, { ifAbsent: true });
    }
  });
  ctx.webhooksChanged?.();
  return toWebhook(await mustFind(ctx.db, id));
}

export async function deleteWebhook(ctx: Ctx, actor: Actor | undefined, id: string): Promise<void> {
  requireRole(actor, 'admin');
  const row = await mustFind(ctx.db, id);
  await ctx.db.transaction().execute((trx) => removeWebhook(trx, row.id));
}

export async function listDeliveries(ctx: Ctx, actor: Actor | undefined, id: string, query: unknown): Promise<WebhookDeliveryList> {
  requireRole(actor, 'admin');
  const q = parseInput(WebhookDeliveriesQuery, query, 'query');
  await mustFind(ctx.db, id);
  const before = q.cursor === undefined ? undefined : Number(q.cursor);
  if (before !== undefined && !Number.isSafeInteger(before)) throw new AppError('validation_failed', 'cursor is not one this API gave', { field: 'cursor' });
  const rows = await listDeliveryRows(ctx.db, id, { beforeSeq: before, limit: q.limit + 1 });
  const more = rows.length > q.limit;
  if (more) rows.length = q.limit;
  const items = rows.map(toDelivery);
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
      await setCursor(trx, row.id, { name: s.name, epoch: s.epoch, rev: Math.min(b.since, s.rev) });
    }
    // Due at once, even while it was backing off; a round under way stops (its position moved).
    await updateWebhook(trx, row.id, { next_attempt_at: null, lease_owner: null, lease_until: null, updated_at: new Date().toISOString() });
  });
  ctx.webhooksChanged?.();
  return toWebhook(await mustFind(ctx.db, id));
}
