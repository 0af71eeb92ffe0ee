import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { LIMITS, Limiters } from '../../server/src/auth/limits';
import { LIMITS_REDIS_OPTIONS } from '../../server/src/deps';
import { consumeTimes, refused, retryAfter } from './limits.helpers';
import { SHARED_REDIS_URL, cleanPrefix, randomPrefix } from '../helpers/redis';

// Real ioredis clients configured as server/src/deps.ts configures its throttle connection (real
// timers: ioredis reconnects on its own timers). The shared Redis is used only under a random
// key prefix; the outage is a client pointed at a port nothing listens on.

const AS_DEPS: RedisOptions = { lazyConnect: true, ...LIMITS_REDIS_OPTIONS };


describe('Limiters (Redis store)', () => {
  const clients: Redis[] = [];
  let prefix: string;

  /** One node's connection, connected the way deps.ts does it. */
  async function node(url = SHARED_REDIS_URL): Promise<Redis> {
    const client = new Redis(url, AS_DEPS);
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  }

  beforeEach(() => {
    prefix = randomPrefix();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) {
      if (c.status === 'ready') await c.quit();
      else c.disconnect();
    }
    await cleanPrefix(SHARED_REDIS_URL, prefix);
  });

  it('two nodes share each limit: three failed logins on one and two on the other block the pair on both', async () => {
    const a = new Limiters({ redis: await node(), prefix });
    const b = new Limiters({ redis: await node(), prefix });
    await consumeTimes(a, 'loginPair', 'ann@example.org', 3);
    await consumeTimes(b, 'loginPair', 'ann@example.org', 2);
    await refused(a.check('loginPair', 'ann@example.org'));
    expect(retryAfter(await refused(b.consume('loginPair', 'ann@example.org')))).toBe(15 * 60);
    // The block is in Redis, so the other node refuses for the whole block too.
    const fromA = retryAfter(await refused(a.check('loginPair', 'ann@example.org')));
    expect(fromA).toBeGreaterThan(15 * 60 - 5);
    expect(fromA).toBeLessThanOrEqual(15 * 60);
  });

  it('a successful login on one node clears the account’s count for every node', async () => {
    const a = new Limiters({ redis: await node(), prefix });
    const b = new Limiters({ redis: await node(), prefix });
    await consumeTimes(a, 'loginPair', 'ann@example.org', 5);
    await refused(b.check('loginPair', 'ann@example.org'));
    await b.reset('loginPair', 'ann@example.org');
    await a.check('loginPair', 'ann@example.org');
    await consumeTimes(a, 'loginPair', 'ann@example.org', 5);
  });

  it('keeps its keys under the configured prefix, one key space per limit', async () => {
    const redis = await node();
    const limiters = new Limiters({ redis, prefix });
    await limiters.consume('registerIp', '203.0.113.9');
    await limiters.consume('resetIp', '203.0.113.9');
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual([`${prefix}rl:registerIp:203.0.113.9`, `${prefix}rl:resetIp:203.0.113.9`]);
  });

  it('each limit counts apart: registrations from an IP do not use up its reset mails', async () => {
    const limiters = new Limiters({ redis: await node(), prefix });
    await consumeTimes(limiters, 'registerIp', '203.0.113.9', LIMITS.registerIp.points);
    await refused(limiters.consume('registerIp', '203.0.113.9'));
    await consumeTimes(limiters, 'resetIp', '203.0.113.9', LIMITS.resetIp.points);
  });

  it('two deployments on one Redis (different prefixes) never count each other’s attempts', async () => {
    const ours = new Limiters({ redis: await node(), prefix });
    const theirs = new Limiters({ redis: await node(), prefix: `${prefix}other:` });
    await consumeTimes(ours, 'resendAddress', 'ann@example.org', 3);
    await refused(ours.consume('resendAddress', 'ann@example.org'));
    await consumeTimes(theirs, 'resendAddress', 'ann@example.org', 3);
  });

  describe('while Redis is unreachable', () => {
    /** A node whose Redis went away: the client keeps reconnecting, as after an outage. */
    async function cutOff(): Promise<Redis> {
      // disconnectTimeout only shortens teardown: ioredis arms a timer for the dead socket's close.
      const client = new Redis('redis://127.0.0.1:1', { ...AS_DEPS, disconnectTimeout: 0 });
      client.on('error', () => undefined);
      clients.push(client);
      await client.connect().catch(() => undefined);
      return client;
    }

    it('each limit still holds, counted in this node’s memory, and answers at once', async () => {
      const limiters = new Limiters({ redis: await cutOff(), prefix });
      const started = Date.now();
      await consumeTimes(limiters, 'loginPair', 'ann@example.org', 5);
      expect(retryAfter(await refused(limiters.consume('loginPair', 'ann@example.org')))).toBe(15 * 60);
      await refused(limiters.check('loginPair', 'ann@example.org'));
      await limiters.check('loginPair', 'bob@example.org');
      await limiters.reset('loginPair', 'ann@example.org');
      await limiters.check('loginPair', 'ann@example.org');
      // A login must not wait for ioredis to give up reconnecting (seconds per command).
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('counts in Redis again as soon as the connection is ready', async () => {
      const client = new Redis(SHARED_REDIS_URL, AS_DEPS);
      client.on('error', () => undefined);
      clients.push(client);
      const limiters = new Limiters({ redis: client, prefix });
      await limiters.consume('registerIp', '203.0.113.9'); // not connected: this node's memory
      await client.connect();
      expect(await client.keys(`${prefix}*`)).toEqual([]);
      await limiters.consume('registerIp', '203.0.113.9');
      expect(await client.get(`${prefix}rl:registerIp:203.0.113.9`)).toBe('1');
    });

    it('a caller-given limit (chat) holds too', async () => {
      const limiters = new Limiters({ redis: await cutOff(), prefix });
      const spec = { points: 2, duration: 10 };
      await limiters.consume('chat-burst-2', 'room:ann', spec);
      await limiters.consume('chat-burst-2', 'room:ann', spec);
      expect(retryAfter(await refused(limiters.consume('chat-burst-2', 'room:ann', spec)))).toBe(10);
    });
  });
});
