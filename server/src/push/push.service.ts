import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../auth/actor';
import type { AppContext } from '../context';
import { newId } from '../db/ids';
import type { PushFollowsTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { findTicker } from '../tickers/tickers.repo';
import { streamPosition } from '../db/database';
import { FollowBody, PatchFollowBody } from '@liveticker/schemas';
import type { CreatedFollow, Follow, FollowList } from '@liveticker/schemas';
import { refusedTarget } from '../webhooks/ssrf';
import { chatFollowed } from '../inbox/inbox.service';
import { authProblem, p256dhProblem } from './keys';
import { lastManualSeq } from './manual.repo';
import { countFollows, ensurePushStream, findFollow, findFollowByEndpoint, followsOfUser, insertFollow, removeFollow, updateFollow } from './push.repo';

type Ctx = Pick<AppContext, 'db' | 'config' | 'logger' | 'limiters' | 'publisher'> & { push?: Pick<AppContext['push'], 'changed'> };

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function toFollow(row: PushFollowsTable): Follow {
  return { id: row.id, tickerId: row.ticker_id, topics: row.topics as Follow['topics'], lang: row.lang as Follow['lang'], createdAt: row.created_at, lastPushedAt: row.last_pushed_at };
}

interface Subscription {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

/** The checks beyond the schema's shape: the key is a point on the curve, the secret 16 bytes, the endpoint public. */
async function checkSubscription(ctx: Ctx, sub: Subscription, at: string): Promise<void> {
  const problems = [
    ...(p256dhProblem(sub.keys.p256dh) ? [{ path: `${at}.keys.p256dh`, message: p256dhProblem(sub.keys.p256dh)! }] : []),
    ...(authProblem(sub.keys.auth) ? [{ path: `${at}.keys.auth`, message: authProblem(sub.keys.auth)! }] : []),
  ];
  if (/^https:\/\/[^/]*@/i.test(sub.endpoint)) problems.push({ path: `${at}.endpoint`, message: 'must not carry a user name or password' });
  if (problems.length) throw new AppError('validation_failed', `invalid subscription: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
  const refused = await refusedTarget(sub.endpoint, ctx.config.push.allowPrivate);
  if (refused) {
    throw new AppError('validation_failed', `subscription.endpoint refused: ${refused} (pushes go to public addresses only)`, [{ path: `${at}.endpoint`, message: refused }]);
  }
}

const expiry = (sub: Subscription) => (typeof sub.expirationTime === 'number' && Number.isFinite(sub.expirationTime) ? new Date(sub.expirationTime).toISOString() : null);

/**
 * Follows a ticker from a device; no account needed. The same endpoint again for the same ticker
 * updates that follow (same id, a new secret) instead of making a second.
 */
export async function follow(ctx: Ctx, actor: Actor | undefined, tickerId: string, body: unknown, ip: string): Promise<{ created: boolean; follow: CreatedFollow }> {
  const b = parseInput(FollowBody, body, 'follow');
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  await checkSubscription(ctx, b.subscription, 'subscription');
  await ctx.limiters.consume('followIp', ip);
  const secret = `lfs_${randomBytes(24).toString('base64url')}`;
  const now = new Date().toISOString();
  const userId = actor?.sessionId ? actor.id : null;
  const existing = await findFollowByEndpoint(ctx.db, tickerId, b.subscription.endpoint);
  if (existing) {
    await updateFollow(ctx.db, existing.id, {
      p256dh: b.subscription.keys.p256dh,
      auth: b.subscription.keys.auth,
      expires_at: expiry(b.subscription),
      topics: b.topics,
      lang: b.lang ?? null,
      secret_hash: hash(secret),
      user_id: userId ?? existing.user_id,
      updated_at: now,
    });
    if (userId) await chatFollowed(ctx, userId, tickerId);
    return { created: false, follow: { id: existing.id, secret, topics: b.topics } };
  }
  if ((await countFollows(ctx.db, tickerId)) >= ctx.config.push.maxFollowsPerTicker) {
    throw new AppError('conflict', `this ticker has the most followers it may have (${ctx.config.push.maxFollowsPerTicker})`);
  }
  const pos = (await streamPosition(ctx.db, `ticker:${tickerId}`)) ?? { rev: 0, epoch: '' };
  const row: PushFollowsTable = {
    id: newId(),
    ticker_id: tickerId,
    endpoint: b.subscription.endpoint,
    p256dh: b.subscription.keys.p256dh,
    auth: b.subscription.keys.auth,
    expires_at: expiry(b.subscription),
    topics: b.topics,
    lang: b.lang ?? null,
    secret_hash: hash(secret),
    user_id: userId,
    created_at: now,
    updated_at: now,
    // What was published before it is not news to it.
    pushed_rev: pos.rev,
    last_pushed_at: null,
    pending: 0,
    failing_since: null,
    attempts: 0,
    next_attempt_at: null,
    lease_owner: null,
    lease_until: null,
    // Nor is a manual push sent before it.
    manual_seq: await lastManualSeq(ctx.db, tickerId),
  };
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await insertFollow(trx, row);
      await ensurePushStream(trx, tickerId, pos.epoch, pos.rev);
    });
  } catch (err) {
    // The same endpoint followed twice at once: the other request made it; this one updates it.
    const raced = await findFollowByEndpoint(ctx.db, tickerId, b.subscription.endpoint);
    if (!raced) throw err;
    await updateFollow(ctx.db, raced.id, { secret_hash: hash(secret), topics: b.topics, lang: b.lang ?? null, updated_at: now, ...(userId && { user_id: userId }) });
    if (userId) await chatFollowed(ctx, userId, tickerId);
    return { created: false, follow: { id: raced.id, secret, topics: b.topics } };
  }
  // A reader following logged in finds the ticker's chat in their "Chats".
  if (userId) await chatFollowed(ctx, userId, tickerId);
  ctx.logger.info({ follow: row.id, ticker: tickerId, topics: b.topics, user: userId ?? undefined }, 'ticker followed');
  ctx.push?.changed();
  return { created: true, follow: { id: row.id, secret, topics: b.topics } };
}

/** `Authorization: Follower <secret>`'s secret, or undefined. */
export function followerSecret(header: string | undefined): string | undefined {
  return header ? /^Follower\s+([\x21-\x7e]{1,200})$/i.exec(header.trim())?.[1] : undefined;
}

/**
 * The follow, when the caller may change it: it holds the follow's secret, or is the logged-in
 * reader who made it. Anything else is a 403 that does not say whether the follow exists.
 */
async function mustOwn(ctx: Ctx, actor: Actor | undefined, id: string, secret: string | undefined): Promise<PushFollowsTable> {
  const row = await findFollow(ctx.db, id);
  const bySecret = row && secret !== undefined && timingSafeEqual(Buffer.from(hash(secret), 'hex'), Buffer.from(row.secret_hash, 'hex'));
  const bySession = row && row.user_id !== null && actor?.sessionId !== undefined && actor.id === row.user_id;
  if (!row || !(bySecret || bySession)) throw new AppError('forbidden', 'this follow needs its secret (Authorization: Follower <secret>) or the session of the reader who made it');
  return row;
}

export async function patchFollow(ctx: Ctx, actor: Actor | undefined, id: string, secret: string | undefined, body: unknown): Promise<Follow> {
  const row = await mustOwn(ctx, actor, id, secret);
  const b = parseInput(PatchFollowBody, body, 'follow');
  if (b.subscription) await checkSubscription(ctx, b.subscription, 'subscription');
  const set: Partial<PushFollowsTable> = { updated_at: new Date().toISOString() };
  if (b.topics) set.topics = b.topics;
  if (b.lang !== undefined) set.lang = b.lang;
  if (b.subscription) {
    if (b.subscription.endpoint !== row.endpoint && (await findFollowByEndpoint(ctx.db, row.ticker_id, b.subscription.endpoint))) {
      throw new AppError('conflict', 'another follow of this ticker has that endpoint', [{ path: 'subscription.endpoint', message: 'followed already' }]);
    }
    Object.assign(set, { endpoint: b.subscription.endpoint, p256dh: b.subscription.keys.p256dh, auth: b.subscription.keys.auth, expires_at: expiry(b.subscription), failing_since: null, attempts: 0, next_attempt_at: null });
  }
  await updateFollow(ctx.db, id, set);
  return toFollow({ ...row, ...set });
}

export async function unfollow(ctx: Ctx, actor: Actor | undefined, id: string, secret: string | undefined): Promise<void> {
  await mustOwn(ctx, actor, id, secret);
  await removeFollow(ctx.db, id);
  ctx.logger.info({ follow: id }, 'follow ended by its device');
}

export async function myFollows(ctx: Ctx, actor: Actor | undefined): Promise<FollowList> {
  if (!actor?.sessionId) throw new AppError('login_required', 'log in to see your follows');
  return { items: (await followsOfUser(ctx.db, actor.id)).map(toFollow) };
}
