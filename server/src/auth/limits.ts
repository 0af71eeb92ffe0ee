import { RateLimiterCluster, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Cluster, Redis } from 'ioredis';
import { AppError } from '../errors';

export interface LimitSpec {
  /** Allowed events per window. */
  points: number;
  /** Window, seconds. */
  duration: number;
  /** Once exhausted, blocked for this long, seconds (default: the rest of the window). */
  blockDuration?: number;
}

/**
 * The throttles of the accounts flow. Redis-backed when REDIS_URL is set, so a limit holds
 * across nodes; in memory otherwise.
 */
export const LIMITS = {
  /**
   * Failed logins for one account from one address (IPv6: its /64): 5 per 15 min, then that pair
   * is blocked for 15 min. Keyed by the pair, not the account alone, so nobody can lock an editor
   * out by typing wrong passwords for them from elsewhere (OWASP: lockout on demand).
   */
  loginPair: { points: 5, duration: 15 * 60, blockDuration: 15 * 60 },
  /** Failed logins from one address, whatever the account: 30 per hour. */
  loginIp: { points: 30, duration: 3600 },
  /**
   * Failed logins for one account from everywhere: past 100 an hour (a guessing botnet), only
   * addresses that logged in to it successfully in the last 14 days may try it.
   */
  loginAccount: { points: 100, duration: 3600 },
  /**
   * Addresses an account logged in from (14 days): marked by one point, never limiting. (The
   * memory store expires keys with a timer, which cannot wait longer than 24.8 days.)
   */
  loginKnown: { points: 1_000_000, duration: 14 * 24 * 3600 },
  /** Wrong current passwords at `POST /auth/password`: 5 per 15 min per account, then 15 min blocked. */
  passwordChange: { points: 5, duration: 15 * 60, blockDuration: 15 * 60 },
  /** Registrations from one IP: 10 per hour. */
  registerIp: { points: 10, duration: 3600 },
  /** Verification mails for one address: 3 per hour. */
  resendAddress: { points: 3, duration: 3600 },
  /**
   * "Someone tried to register with your address" mails: 3 per hour, counted apart from the
   * resends, so registering an existing address cannot be told from a new one by the resend limit.
   */
  alreadyRegisteredAddress: { points: 3, duration: 3600 },
  /** Reset mails for one address: 3 per hour; from one IP: 10 per hour. */
  resetAddress: { points: 3, duration: 3600 },
  resetIp: { points: 10, duration: 3600 },
  /** Follows (Web Push subscriptions) made from one address: 50 per hour. */
  followIp: { points: 50, duration: 3600 },
  /**
   * Manual pushes to one ticker's followers (every device rings, Urgency high): 3 per 10 minutes,
   * whoever sends them (a stolen editor token cannot make a ticker's readers' phones ring on end).
   */
  manualPushTicker: { points: 3, duration: 600 },
} satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;

export class Limiters {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    private readonly opts: {
      redis?: Redis | Cluster;
      /** A worker of WORKERS > 1 without Redis: the primary keeps every worker's counts. */
      cluster?: boolean;
      prefix: string;
      specs?: Partial<Record<string, LimitSpec>>;
    },
  ) {}

  private get(name: string, spec: LimitSpec): RateLimiterAbstract {
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const s = { ...spec, ...this.opts.specs?.[name] };
      const common = { points: s.points, duration: s.duration, blockDuration: s.blockDuration, keyPrefix: `${this.opts.prefix}rl:${name}` };
      // With Redis, a memory limiter stands in while Redis is unreachable (per node, but never open).
      // It answers at once: a command sent while ioredis reconnects would wait for its retries
      // (seconds each) before failing over, and every login and chat message with it.
      limiter = this.opts.redis
        ? new RateLimiterRedis({
            ...common,
            storeClient: this.opts.redis,
            rejectIfRedisNotReady: true,
            // A key over its limit is refused from this node's memory until its window ends: a
            // flood of refused requests costs no Redis round trip each.
            inMemoryBlockOnConsumed: s.points + 1,
            insuranceLimiter: new RateLimiterMemory(common),
          })
        : this.opts.cluster
          ? new RateLimiterCluster({ ...common, timeoutMs: 1000 })
          : new RateLimiterMemory(common);
      this.limiters.set(name, limiter);
    }
    return limiter;
  }

  /** Counts one event; throws `rate_limited` (with `retryAfter` seconds) when over the limit. */
  async consume(name: string, key: string, spec: LimitSpec = LIMITS[name as LimitName], points = 1): Promise<void> {
    try {
      await this.get(name, spec).consume(key, points);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw limited(err);
      throw err;
    }
  }

  /** Throws `rate_limited` if the key is already over the limit, without counting. */
  async check(name: string, key: string, spec: LimitSpec = LIMITS[name as LimitName]): Promise<void> {
    const limiter = this.get(name, spec);
    const res = await limiter.get(key);
    if (res && res.consumedPoints >= limiter.points) throw limited(res);
  }

  /** Gives back points counted ahead of an attempt that turned out fine. */
  async reward(name: string, key: string, spec: LimitSpec = LIMITS[name as LimitName], points = 1): Promise<void> {
    await this.get(name, spec).reward(key, points);
  }

  /** Whether the key has used up its events in the current window (nothing is counted). */
  async exhausted(name: string, key: string, spec: LimitSpec = LIMITS[name as LimitName]): Promise<boolean> {
    const limiter = this.get(name, spec);
    const res = await limiter.get(key);
    return Boolean(res && res.consumedPoints >= limiter.points);
  }

  /** Whether the key was counted at all in the current window. */
  async seen(name: string, key: string, spec: LimitSpec = LIMITS[name as LimitName]): Promise<boolean> {
    return Boolean((await this.get(name, spec).get(key))?.consumedPoints);
  }

  async reset(name: string, key: string, spec: LimitSpec = LIMITS[name as LimitName]): Promise<void> {
    await this.get(name, spec).delete(key);
  }
}

function limited(res: RateLimiterRes): AppError {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError('rate_limited', `too many attempts; try again in ${retryAfter} s`, { retryAfter });
}
