import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';

/** A read costs 1 point against READ_RATE_LIMIT, plus 1 for each of these beyond the first. */
export const READ_COST_BYTES = 16 * 1024;

/** What an answer of `bytes` costs against READ_RATE_LIMIT. */
export function readCost(bytes: number): number {
  return 1 + Math.floor(Math.max(0, bytes - 1) / READ_COST_BYTES);
}

/**
 * What an entry search (`?q=`) costs, all told: a full-text lookup over the ticker's index and
 * the rows it names, about ten plain reads' work (an answer over 16 KB adds its size as usual).
 */
export const SEARCH_READ_COST = 10;

/**
 * What a `/media/<key>` the store does not have costs (a key that is no key of ours too): with a
 * bucket, an unknown key is a request to the store, so guessing keys is paid for like searching.
 * Files found cost nothing (a page's pictures are many and legitimate).
 */
export const MEDIA_MISS_READ_COST = 10;

/**
 * The public read budget of a client address (READ_RATE_LIMIT points a minute, IPv6 by /64),
 * shared by REST reads, socket catch-ups, searches and media misses. Staff are not counted.
 */
export interface ReadBudget {
  /** Whether reads of this caller count (the limit is on, and the caller is no staff member). */
  counts(actor: Actor | undefined): boolean;
  /** Spends points; throws `rate_limited` (429, `retryAfter`) when the address has not enough left. */
  spend(ipKey: string, points: number): Promise<void>;
  /** Throws `rate_limited` when the address has nothing left; spends nothing. */
  ensureLeft(ipKey: string): Promise<void>;
  /** Gives back points spent ahead for work that turned out free. */
  refund(ipKey: string, points: number): Promise<void>;
}

export function readBudget(ctx: Pick<AppContext, 'config' | 'limiters'>): ReadBudget {
  const perMinute = ctx.config.readRateLimit;
  const spec = { points: perMinute, duration: 60 };
  return {
    counts: (actor) => perMinute > 0 && !(actor && actor.role !== 'reader'),
    spend: (ipKey, points) => ctx.limiters.consume('readIp', ipKey, spec, points),
    ensureLeft: (ipKey) => ctx.limiters.check('readIp', ipKey, spec),
    refund: (ipKey, points) => ctx.limiters.reward('readIp', ipKey, spec, points),
  };
}
