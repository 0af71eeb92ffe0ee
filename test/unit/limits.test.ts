import { LIMITS, Limiters } from '../../server/src/auth/limits';
import type { LimitSpec } from '../../server/src/auth/limits';
import { AppError } from '../../server/src/errors';
import { consumeTimes, refused, retryAfter } from './limits.helpers';

// The in-memory store (no REDIS_URL): time is jest's fake clock, which the store's Date.now()
// and expiry timers both follow. The Redis store and its outage fallback: limits.redis.test.ts.

const MINUTE = 60_000;


describe('Limiters (memory store)', () => {
  let limiters: Limiters;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
    limiters = new Limiters({ prefix: 'unit:' });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  describe.each(Object.entries(LIMITS) as Array<[string, LimitSpec]>)('%s', (name, spec) => {
    const refusedFor = spec.blockDuration ?? spec.duration;

    it(`lets ${spec.points} events of one key through, refuses the next for ${refusedFor} s, then lets ${spec.points} through again`, async () => {
      await consumeTimes(limiters, name, 'k', spec.points);
      const err = await refused(limiters.consume(name, 'k'));
      expect(retryAfter(err)).toBe(refusedFor);

      // One second before the end it is still refused, and says so.
      jest.advanceTimersByTime(refusedFor * 1000 - 1000);
      expect(retryAfter(await refused(limiters.consume(name, 'k')))).toBe(1);

      jest.advanceTimersByTime(1000);
      await consumeTimes(limiters, name, 'k', spec.points);
      await refused(limiters.consume(name, 'k'));
    });

    it(`counts each key apart: another key still has its ${spec.points}`, async () => {
      await consumeTimes(limiters, name, 'first', spec.points);
      await refused(limiters.consume(name, 'first'));
      await consumeTimes(limiters, name, 'second', spec.points);
    });
  });

  it('an account and address that fail a sixth login are blocked for 15 min from then, however slowly the five came', async () => {
    await limiters.consume('loginPair', 'ann@example.org');
    jest.advanceTimersByTime(10 * MINUTE);
    await consumeTimes(limiters, 'loginPair', 'ann@example.org', 4);
    expect(retryAfter(await refused(limiters.consume('loginPair', 'ann@example.org')))).toBe(15 * 60);
  });

  it('a limit without a block refuses only for what is left of its window', async () => {
    await limiters.consume('registerIp', '203.0.113.9');
    jest.advanceTimersByTime(50 * MINUTE);
    await consumeTimes(limiters, 'registerIp', '203.0.113.9', 9);
    expect(retryAfter(await refused(limiters.consume('registerIp', '203.0.113.9')))).toBe(10 * 60);
  });

  it('each limit counts apart: registrations from an IP do not use up its reset mails', async () => {
    await consumeTimes(limiters, 'registerIp', '203.0.113.9', LIMITS.registerIp.points);
    await refused(limiters.consume('registerIp', '203.0.113.9'));
    await consumeTimes(limiters, 'resetIp', '203.0.113.9', LIMITS.resetIp.points);
  });

  it('a refusal is a 429 that tells the client how long to wait', async () => {
    await consumeTimes(limiters, 'resendAddress', 'ann@example.org', 3);
    const err = await refused(limiters.consume('resendAddress', 'ann@example.org'));
    expect(err.status).toBe(429);
    expect(err.details).toEqual({ retryAfter: 3600 });
    expect(err.message).toBe('too many attempts; try again in 3600 s');
  });

  it('the wait is rounded up to whole seconds: 1.3 s left is "2"', async () => {
    const spec = { points: 1, duration: 10 };
    await limiters.consume('chat-burst-1', 'room:ann', spec);
    jest.advanceTimersByTime(8700);
    expect(retryAfter(await refused(limiters.consume('chat-burst-1', 'room:ann', spec)))).toBe(2);
  });

  it('a limit that never expires (duration 0) still asks the client to wait at least 1 s', async () => {
    const spec = { points: 1, duration: 0 };
    await limiters.consume('forever', 'k', spec);
    expect(retryAfter(await refused(limiters.consume('forever', 'k', spec)))).toBe(1);
  });

  it('a limit given by the caller (chat) counts with that spec', async () => {
    const spec = { points: 3, duration: 10 };
    await consumeTimes(limiters, 'chat-burst-3', 'room:ann', 3, spec);
    expect(retryAfter(await refused(limiters.consume('chat-burst-3', 'room:ann', spec)))).toBe(10);
    jest.advanceTimersByTime(10_000);
    await limiters.consume('chat-burst-3', 'room:ann', spec);
  });

  it('a configured override replaces the points and duration of a named limit', async () => {
    limiters = new Limiters({ prefix: 'unit:', specs: { registerIp: { points: 2, duration: 60 } } });
    await consumeTimes(limiters, 'registerIp', 'ip', 2);
    expect(retryAfter(await refused(limiters.consume('registerIp', 'ip')))).toBe(60);
  });

  it('an override that names no block keeps the limit’s own block', async () => {
    limiters = new Limiters({ prefix: 'unit:', specs: { loginPair: { points: 1, duration: 60 } } });
    await limiters.consume('loginPair', 'ann@example.org');
    expect(retryAfter(await refused(limiters.consume('loginPair', 'ann@example.org')))).toBe(15 * 60);
  });

  it('a name without a limit or a spec is a programming error, not a rate limit', async () => {
    const outcome = await limiters.consume('no-such-limit', 'k').then(
      () => 'passed',
      (err: unknown) => err,
    );
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(AppError);
  });

  describe('check (before a login is tried)', () => {
    it('does not count: checking a key any number of times leaves all its points', async () => {
      for (let i = 0; i < 20; i++) await limiters.check('loginPair', 'ann@example.org');
      await consumeTimes(limiters, 'loginPair', 'ann@example.org', LIMITS.loginPair.points);
      await refused(limiters.consume('loginPair', 'ann@example.org'));
    });

    it('passes a key never seen and one with points left', async () => {
      await limiters.check('loginIp', '198.51.100.7');
      await consumeTimes(limiters, 'loginIp', '198.51.100.7', LIMITS.loginIp.points - 1);
      await limiters.check('loginIp', '198.51.100.7');
    });

    it('refuses once the last point is used, for what is left of the window', async () => {
      await limiters.consume('loginPair', 'ann@example.org');
      jest.advanceTimersByTime(5 * MINUTE);
      await consumeTimes(limiters, 'loginPair', 'ann@example.org', 4);
      expect(retryAfter(await refused(limiters.check('loginPair', 'ann@example.org')))).toBe(10 * 60);
      jest.advanceTimersByTime(10 * MINUTE);
      await limiters.check('loginPair', 'ann@example.org');
    });

    it('refuses a blocked key for the whole block', async () => {
      await consumeTimes(limiters, 'loginPair', 'ann@example.org', 6).catch(() => undefined);
      jest.advanceTimersByTime(MINUTE);
      expect(retryAfter(await refused(limiters.check('loginPair', 'ann@example.org')))).toBe(14 * 60);
    });
  });

  describe('reset (after a successful login)', () => {
    it('gives a blocked key all its points back', async () => {
      await consumeTimes(limiters, 'loginPair', 'ann@example.org', 6).catch(() => undefined);
      await limiters.reset('loginPair', 'ann@example.org');
      await limiters.check('loginPair', 'ann@example.org');
      await consumeTimes(limiters, 'loginPair', 'ann@example.org', LIMITS.loginPair.points);
      await refused(limiters.consume('loginPair', 'ann@example.org'));
    });

    it('touches only that key and that limit', async () => {
      await consumeTimes(limiters, 'loginPair', 'ann@example.org', 5);
      await consumeTimes(limiters, 'loginPair', 'bob@example.org', 5);
      await consumeTimes(limiters, 'loginIp', 'ann@example.org', LIMITS.loginIp.points);
      await limiters.reset('loginPair', 'ann@example.org');
      await refused(limiters.check('loginPair', 'bob@example.org'));
      await refused(limiters.check('loginIp', 'ann@example.org'));
    });
  });
});
