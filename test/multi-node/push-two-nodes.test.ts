import { MemoryHub, testConfig } from '@liveticker/server';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { OPS_KEY, startNode } from '../helpers/server';
import type { TestNode } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { PushReceiver } from '../helpers/push-receiver';
import type { DeviceSubscription } from '../helpers/push-receiver';

/**
 * Two nodes on one PostgreSQL database push to the same followers: both read the ticker's stream
 * and both look for due follows, yet every follow gets every entry once, and both sign with the
 * one VAPID pair the first of them made.
 */
describe('Web Push from two nodes sharing PostgreSQL', () => {
  let db: TestDatabase;
  let nodes: TestNode[] = [];
  let receiver: PushReceiver;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    receiver = await new PushReceiver().start();
    const hub = new MemoryHub();
    const config = { push: { ...testConfig().push, allowPrivate: true, caFile: receiver.caFile, pollMs: 20, backoffMs: 100, leaseMs: 2000, minIntervalMs: 1000 } };
    // Started at once: both find no VAPID pair and make one; the first write wins.
    nodes = await Promise.all([startNode({ databaseUrl: db.url, hub, config }), startNode({ databaseUrl: db.url, hub, config })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await receiver?.close();
    await db?.drop();
  });

  it('every follow gets each entry once, whichever node reads the stream and pushes, all signed with one VAPID pair', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const keys = await Promise.all(nodes.map(async (n) => (await raw(n.url, 'GET', '/push/public-key')).body.publicKey as string));
    expect(keys[0]).toBe(keys[1]);
    const api = opsApi(a.url);
    // The nodes' counts before: the other test may have run first.
    const sentBefore = await Promise.all(nodes.map(async (n) => (await n.deps.metrics.pushesSent.get()).values[0]?.value ?? 0));
    await api.createTicker({ id: 'shared', title: 'Shared', status: 'live' });
    const subs: DeviceSubscription[] = [];
    for (let i = 0; i < 8; i++) {
      const sub = receiver.subscribe();
      // Followed through either node.
      const res = await raw(nodes[i % 2]!.url, 'POST', '/tickers/shared/followers', { subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics: 'key-events' });
      expect(res.status).toBe(201);
      subs.push(sub);
    }
    const published: string[] = [];
    // One at a time through alternating nodes, each waited for: one push each.
    for (let i = 0; i < 4; i++) {
      const e = await opsApi(nodes[i % 2]!.url).post('shared', { kind: 'key-event', title: `Moment ${i}`, body: `<p>${i}</p>` });
      published.push(e.id);
      await waitFor(() => subs.every((s) => receiver.delivered(s).length >= i + 1), `entry ${i} at every follow`);
    }
    // A burst through both nodes at once: summed up or not, never twice.
    const burst = await Promise.all([0, 1, 2, 3].map((i) => opsApi(nodes[i % 2]!.url).post('shared', { kind: 'key-event', body: `<p>burst ${i}</p>` })));
    const lastRev = Math.max(...burst.map((e) => e.rev));
    await waitFor(() => subs.every((s) => receiver.delivered(s).some((p) => p.payload?.rev === lastRev)), 'the burst at every follow');
    // Settled: no follow leased, every follow served up to the newest entry.
    await waitFor(async () => {
      // This ticker's follows only: the other test's (run first in some orders) are of another stream.
      const rows = await b.server.ctx.db.selectFrom('push_follows').selectAll().where('ticker_id', '=', 'shared').execute();
      const stream = await b.server.ctx.db.selectFrom('push_streams').selectAll().where('ticker_id', '=', 'shared').execute();
      // Told on a time-out: which follows were not settled, and where the stream was read to.
      if (rows.every((r) => r.lease_owner === null && Number(r.pushed_rev) >= lastRev)) return true;
      throw new Error(`last rev ${lastRev}; stream ${JSON.stringify(stream)}; follows ${JSON.stringify(rows.filter((r) => r.lease_owner !== null || Number(r.pushed_rev) < lastRev))}`);
      // Two nodes' rounds on a loaded machine (the full run): a lease let go a round later.
    }, 'every follow settled', 30_000);
    for (const s of subs) {
      const pushes = receiver.requests(s);
      expect(pushes.flatMap((p) => p.problems)).toEqual([]);
      expect(pushes.every((p) => p.vapidKey === keys[0])).toBe(true);
      // The first four one by one, the burst in as many pushes as it took: 8 entries in all, none twice.
      expect(pushes.slice(0, 4).map((p) => p.payload.entryId)).toEqual(published);
      expect(pushes.reduce((sum, p) => sum + p.payload.count, 0)).toBe(8);
      const revs = pushes.map((p) => p.payload.rev);
      expect(revs).toEqual([...new Set(revs)].sort((x, y) => x - y));
    }
    // Every push the receiver took was sent, and counted, by exactly one of the nodes.
    const sent = await Promise.all(nodes.map(async (n, i) => ((await n.deps.metrics.pushesSent.get()).values[0]?.value ?? 0) - sentBefore[i]!));
    expect(sent[0]! + sent[1]!).toBe(subs.reduce((sum, s) => sum + receiver.requests(s).length, 0));
  });

  it('a manual push sent through either node reaches every follow once, both topics, whichever node pushes', async () => {
    const api = opsApi(nodes[0]!.url);
    await api.createTicker({ id: 'breaking', title: 'Breaking', status: 'live' });
    const subs: DeviceSubscription[] = [];
    for (let i = 0; i < 8; i++) {
      const sub = receiver.subscribe();
      const res = await raw(nodes[i % 2]!.url, 'POST', '/tickers/breaking/followers', { subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics: i % 2 ? 'all' : 'key-events' });
      expect(res.status).toBe(201);
      subs.push(sub);
    }
    const sentBefore = await Promise.all(nodes.map(async (n) => (await n.deps.metrics.pushesSent.get()).values[0]?.value ?? 0));
    // Two at once, one through each node.
    const made = await Promise.all(
      nodes.map((n, i) => raw(n.url, 'POST', '/tickers/breaking/pushes', { text: `Breaking ${i}` }, { authorization: `Bearer ${OPS_KEY}` })),
    );
    expect(made.map((r) => r.status)).toEqual([201, 201]);
    const ids = made.map((r) => r.body.id as string);
    await waitFor(() => subs.every((s) => ids.every((id) => receiver.delivered(s).some((p) => p.payload?.entryId === id))), 'both manual pushes at every follow');
    await waitFor(async () => {
      const rows = await nodes[1]!.server.ctx.db.selectFrom('push_follows').select(['manual_seq', 'lease_owner']).where('ticker_id', '=', 'breaking').execute();
      return rows.every((r) => r.lease_owner === null && Number(r.manual_seq) === 2);
    }, 'every follow settled');
    for (const s of subs) {
      const pushes = receiver.requests(s);
      expect(pushes.flatMap((p) => p.problems)).toEqual([]);
      expect(pushes.map((p) => p.payload.entryId).sort()).toEqual([...ids].sort());
      expect(pushes.every((p) => p.headers.urgency === 'high' && p.payload.kind === 'manual')).toBe(true);
    }
    const sentAfter = await Promise.all(nodes.map(async (n) => (await n.deps.metrics.pushesSent.get()).values[0]?.value ?? 0));
    expect(sentAfter[0]! - sentBefore[0]! + sentAfter[1]! - sentBefore[1]!).toBe(16);
  });
});
