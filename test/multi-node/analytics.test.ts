import { startCluster } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { OPS_KEY } from '../helpers/server';
import { raw } from '../helpers/api';

/**
 * The readers' beacons' limit per address holds across nodes (issue 28): counted with the other
 * limits in Redis, so an address reaching two nodes gets the limit once, not once per node.
 */
describe('analytics beacons on two nodes (postgres, Redis)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster('postgres', 'redis', { limitOverrides: { analyticsIp: { points: 3, duration: 60 } } });
    expect((await raw(c.a.url, 'POST', '/tickers', { id: 'spread', title: 'Spread', status: 'live' }, { authorization: `Bearer ${OPS_KEY}` })).status).toBe(201);
  });
  afterAll(() => c.close());

  let n = 0;
  const send = (url: string) => raw(url, 'POST', '/analytics/events', { batchId: `spread-batch-${++n}`, tickerId: 'spread', events: [{ type: 'page.view' }] });

  it('lets one address send its batches a minute across both nodes together, then answers 429 on either', async () => {
    expect((await send(c.a.url)).status).toBe(204);
    expect((await send(c.b.url)).status).toBe(204);
    expect((await send(c.a.url)).status).toBe(204);
    const refused = await send(c.b.url);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send(c.a.url)).status).toBe(429);
    const rows = await c.a.server.ctx.db.selectFrom('analytics_minutes').select('page_views').where('ticker_id', '=', 'spread').execute();
    expect(rows.reduce((s, r) => s + r.page_views, 0)).toBe(3);
  });
});
