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

describe('nodes started while their Redis is away', () => {
  it('start and serve their own readers live, then join each other once Redis is back', async () => {
    const redis = await OwnRedis.start();
    await redis.kill();
    const db = await createTestDatabase('postgres');
    const nodes: TestNode[] = [];
    const clients: LivetickerClient[] = [];
    try {
      // Before: "failed to start: Connection is closed" — a node could not come back during an outage.
      nodes.push(await startNode({ databaseUrl: db.url, redisUrl: redis.url }), await startNode({ databaseUrl: db.url, redisUrl: redis.url }));
      const [a, b] = nodes as [TestNode, TestNode];
      expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
      await opsApi(a.url).createTicker({ id: 'cold', title: 'Cold start', status: 'live' });
      const view = (node: TestNode) => {
        const c = createClient({ url: node.url });
        clients.push(c);
        return c.ticker('cold');
      };
      const [onA, onB] = [view(a), view(b)];
      await Promise.all([onA.ready, onB.ready]);
      const first = await opsApi(a.url).post('cold', { body: '<p>without Redis</p>' });
      await waitFor(() => onA.entries.some((e) => e.id === first.id), "the node's own reader, live without Redis");
      await redis.start();
      // The other node's reader is healed from the database once Redis answers…
      await waitFor(() => onB.entries.some((e) => e.id === first.id), 'the other node caught up when Redis came', 20_000);
      // …and from then on changes cross between the nodes live.
      const second = await opsApi(a.url).post('cold', { body: '<p>with Redis</p>' });
      await waitFor(() => onB.entries.some((e) => e.id === second.id), 'live across the nodes');
    } finally {
      for (const c of clients) c.close();
      for (const n of nodes) await n.close();
      await redis.kill();
      await db.drop();
    }
  }, 60_000);
});
