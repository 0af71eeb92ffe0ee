import { createClient } from '@liveticker/client-sdk';
import type { LivetickerClient, TickerView } from '@liveticker/client-sdk';
import type { Entry } from '@liveticker/schemas';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { OwnRedis } from '../helpers/redis';
import { startNode } from '../helpers/server';
import type { TestNode } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { sleep, waitFor } from '../helpers/wait';

describe('Redis killed and restarted mid-stream', () => {
  let redis: OwnRedis;
  let db: TestDatabase;
  let a: TestNode;
  let b: TestNode;
  const clients: LivetickerClient[] = [];

  beforeAll(async () => {
    redis = await OwnRedis.start();
    db = await createTestDatabase('postgres');
    a = await startNode({ databaseUrl: db.url, redisUrl: redis.url });
    b = await startNode({ databaseUrl: db.url, redisUrl: redis.url });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await a?.close();
    await b?.close();
    await redis?.kill();
    await db?.drop();
  });

  it('every client converges to the database state', async () => {
    const onA = opsApi(a.url);
    const onB = opsApi(b.url);
    await onA.createTicker({ id: 'outage', title: 'Outage' });
    const views: TickerView[] = [];
    for (const node of [a, b, a, b]) {
      const c = createClient({ url: node.url });
      clients.push(c);
      views.push(c.ticker('outage', { pageSize: 100 }));
    }
    await Promise.all(views.map((v) => v.ready));

    const posted: Entry[] = [];
    for (let i = 0; i < 60; i++) {
      if (i === 20) await redis.kill();
      if (i === 40) await redis.start();
      const api = i % 2 ? onA : onB;
      posted.push(await api.post('outage', { body: `entry ${i}` }));
      if (i % 7 === 0) await api.edit('outage', posted[i].id, { version: 1, body: `entry ${i} (edited)` });
      if (i % 11 === 0 && i > 0) await api.remove('outage', posted[i - 1].id);
      await sleep(15);
    }

    const truth = (await raw(a.url, 'GET', '/tickers/outage/entries?limit=100')).body.items as Entry[];
    const expected = truth.map((e) => `${e.id}:${e.body}`);
    expect(truth.length).toBeGreaterThan(50);
    await waitFor(
      () => views.every((v) => v.entries.map((e) => `${e.id}:${e.body}`).join() === expected.join()),
      'all views equal the database',
      20_000,
    );
  });
});
