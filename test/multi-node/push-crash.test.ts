import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { twoPushNodes } from '../helpers/push-nodes';
import type { DeviceSubscription } from '../helpers/push-receiver';

/**
 * Two server processes on one PostgreSQL database push to a ticker's followers through a slow
 * push service. The node pushing dies (SIGKILL) in the middle of the round: the other one takes
 * its follows over once their leases ran out, and every follow gets the entry; only the pushes
 * the dead node had under way can come twice.
 */
describe('Web Push across a crash of the pushing node', () => {
  const t = twoPushNodes();

  it('SIGKILL mid-round: the other node pushes the rest once the leases ran out; every follow gets the entry, at most the pushes under way twice', async () => {
    const { nodes, receiver, client } = t;
    const api = opsApi(nodes[0]!.url);
    await api.createTicker({ id: 'crash', title: 'Crash', status: 'live' });
    const subs: DeviceSubscription[] = [];
    // 48 through each node: under the 50 an hour one address may make (each node counts its own without Redis).
    for (let i = 0; i < 96; i++) {
      const sub = receiver.subscribe();
      const res = await raw(nodes[i % 2]!.url, 'POST', '/tickers/crash/followers', { subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics: 'key-events' });
      expect(res.status).toBe(201);
      subs.push(sub);
    }
    receiver.delayMs = 100;
    const entry = await api.post('crash', { kind: 'key-event', title: 'Breaking', body: '<p>now</p>' });
    await waitFor(() => receiver.pushes.length >= 10, 'the first pushes', 15_000);
    const held = await client.query<{ lease_owner: string }>('SELECT lease_owner FROM push_follows WHERE lease_owner IS NOT NULL LIMIT 1');
    const owner = held.rows[0]!.lease_owner;
    const victim = nodes.find((n) => owner.includes(`-${n.pid}-`))!;
    expect(victim).toBeDefined();
    await victim.kill();
    // It died mid-round: some follows had not had their push yet.
    expect(subs.filter((s) => receiver.delivered(s).length === 0).length).toBeGreaterThan(0);
    await waitFor(() => subs.every((s) => receiver.delivered(s).length >= 1), 'the entry at every follow', 30_000);
    for (const s of subs) {
      for (const p of receiver.requests(s)) {
        expect(p.problems).toEqual([]);
        expect(p.payload).toMatchObject({ entryId: entry.id, rev: entry.rev, count: 1 });
      }
    }
    // Twice only where the dead node's push had reached the service and its write had not followed:
    // at most the pushes one node has under way at once (its concurrency, 32).
    const twice = subs.filter((s) => receiver.requests(s).length > 1).length;
    expect(twice).toBeLessThanOrEqual(32);
    await waitFor(async () => (await client.query('SELECT count(*)::int AS n FROM push_follows WHERE pushed_rev < $1', [entry.rev])).rows[0].n === 0, 'every follow settled');
    nodes[nodes.indexOf(victim)] = await victim.restart();
  }, 90_000);
});
