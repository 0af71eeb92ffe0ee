import { io as connect } from 'socket.io-client';
import { Redis } from 'ioredis';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { SHARED_REDIS_URL } from '../helpers/redis';
import { opsApi } from '../helpers/api';
import { waitFor } from '../helpers/wait';

describe('Redis bus channels', () => {
  let t: TestSetup;
  let redis: Redis;
  beforeAll(async () => {
    t = await setup('sqlite', 'redis', { releaseAfterMs: 200 });
    redis = new Redis(SHARED_REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  const channels = async () => (await redis.pubsub('CHANNELS', `${t.redisPrefix}s:*`)) as string[];

  it('a node listens to a stream’s channel only while it has readers of that stream', async () => {
    await opsApi(t.url).createTicker({ id: 'quiet', title: 'Quiet' });
    expect(await channels()).toEqual([]);
    const s = connect(t.url, { transports: ['websocket'], reconnection: false });
    expect((await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:quiet' })).ok).toBe(true);
    expect(await channels()).toEqual([`${t.redisPrefix}s:ticker:quiet`]);
    s.disconnect();
    await waitFor(async () => (await channels()).length === 0, 'channel released');
  });
});
