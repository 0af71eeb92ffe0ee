import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import calculateSlot from 'cluster-key-slot';
import type { Socket } from 'socket.io-client';
import { createClient } from '@liveticker/client-sdk';
import type { LivetickerClient, TickerView } from '@liveticker/client-sdk';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { OwnRedisCluster, randomPrefix } from '../helpers/redis';
import { ServerProcess } from '../helpers/process';
import { handshakeOutcome, waitFor, withTimeout } from '../helpers/wait';

const OPS = 'test-ops-key-0123456789abcdef';

/** One request on a connection of its own. */
function once(url: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${url}${p}`, { method, agent: false, headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const metric = async (url: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec((await once(url, 'GET', '/metrics')).text)?.[1] ?? 0);

/** The master port owning a slot, from CLUSTER SLOTS of any node. */
async function ownerOf(cluster: OwnRedisCluster, ports: number[], key: string): Promise<number> {
  const slot = calculateSlot(key);
  const r = cluster.client(ports[0]!);
  await r.connect();
  try {
    const ranges = (await r.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no owner for slot ${slot}`);
    return Number(range[2][1]);
  } finally {
    r.disconnect();
  }
}

/** How many clients hold a sharded subscription to a channel, on the master that owns it. */
async function shardSubscribers(cluster: OwnRedisCluster, port: number, channel: string): Promise<number> {
  const r = cluster.client(port);
  await r.connect();
  try {
    const [, n] = (await r.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
    return Number(n);
  } finally {
    r.disconnect();
  }
}

describe('two nodes on a three-master Redis Cluster (REDIS_CLUSTER_NODES: sharded pub/sub)', () => {
  let dir: string;
  let cluster: OwnRedisCluster;
  let db: TestDatabase;
  let prefix: string;
  const nodes: ServerProcess[] = [];
  const clients: LivetickerClient[] = [];
  const raws: Socket[] = [];
  /** Ticker ids whose channels live on each master (one per master). */
  let tickers: string[] = [];
  const views = new Map<string, TickerView[]>();
  const want = new Map<string, string[]>();
  const channel = (id: string) => `${prefix}s:ticker:${id}`;
  const bodies = (v: TickerView) => v.entries.map((e) => e.body);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-rcluster-'));
    // Password-protected (requirepass): every connection, the shard subscribers' too, must AUTH.
    cluster = await OwnRedisCluster.start(dir, { password: 'cluster-secret-1' });
    db = await createTestDatabase('postgres');
    prefix = randomPrefix();
    const env = {
      DATABASE_URL: db.url,
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_CLUSTER_PASSWORD: cluster.password!,
      REDIS_PREFIX: prefix,
      TRUST_PROXY: '1',
      MAX_SOCKETS_PER_IP: '5',
      SCRYPT_LOG_N: '10',
      SHUTDOWN_TIMEOUT_MS: '3000',
      // No periodic sweep: what the bus lost must come back through the heal after a shard change.
      HEAL_INTERVAL_MS: '0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    nodes.push(await ServerProcess.start(env));
    nodes.push(await ServerProcess.start(env));
    // One ticker per master: their channels' slots are owned by three different shards.
    const byMaster = new Map<number, string>();
    for (let i = 0; byMaster.size < 3 && i < 200; i++) {
      const owner = await ownerOf(cluster, cluster.ports, channel(`c${i}`));
      if (!byMaster.has(owner)) byMaster.set(owner, `c${i}`);
    }
    tickers = cluster.ports.map((p) => byMaster.get(p)!);
    expect(tickers.every(Boolean)).toBe(true);
    for (const id of tickers) {
      expect((await once(nodes[0].url, 'POST', '/api/v1/tickers', { id, title: `On shard ${id}`, status: 'live' }, { authorization: `Bearer ${OPS}` })).status).toBe(201);
      want.set(id, []);
    }
    // A reader on each node follows every ticker (each its own reader: one test process is one
    // "page" to the SDK's default reader id).
    for (const [i, node] of nodes.entries()) {
      const c = createClient({ url: node.url, reconnectDelayMaxMs: 500, readerId: `reader-${i}-abcdef` });
      clients.push(c);
      for (const id of tickers) {
        const v = c.ticker(id, { order: 'oldest', pageSize: 100 });
        views.set(id, [...(views.get(id) ?? []), v]);
        await v.ready;
      }
    }
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of raws) s.close();
    for (const n of nodes) await n.stop();
    await cluster?.stop();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = async (node: ServerProcess, id: string) => {
    const body = `<p>${id} entry ${want.get(id)!.length}</p>`;
    want.get(id)!.push(body);
    const res = await once(node.url, 'POST', `/api/v1/tickers/${id}/entries`, { body }, { authorization: `Bearer ${OPS}` });
    expect(res.status).toBe(201);
  };
  const converged = (what: string, timeoutMs = 20_000) =>
    waitFor(() => tickers.every((id) => views.get(id)!.every((v) => bodies(v).length === want.get(id)!.length)), what, timeoutMs).then(() => {
      for (const id of tickers) for (const v of views.get(id)!) expect(bodies(v)).toEqual(want.get(id));
    });

  it('delivers over sharded channels on every shard: each stream is subscribed on the master that owns it, by both nodes', async () => {
    for (const id of tickers) {
      const owner = await ownerOf(cluster, cluster.ports, channel(id));
      await waitFor(async () => (await shardSubscribers(cluster, owner, channel(id))) === 2, `both nodes subscribed to ${id} on its shard`);
    }
    const before = await metric(nodes[1].url, 'liveticker_bus_changes_received_total');
    for (let round = 0; round < 3; round++) for (const id of tickers) await post(nodes[0], id);
    await converged('every reader has every entry');
    // Node 2's readers got node 1's entries over the bus, not from the database sweep.
    await waitFor(async () => (await metric(nodes[1].url, 'liveticker_bus_changes_received_total')) - before >= 9, 'node 2 heard 9 changes on the bus');
  }, 60_000);

  it('throttles, reader counts and socket counts hold across the nodes (hash-tagged keys)', async () => {
    const created = await once(nodes[0].url, 'POST', '/api/v1/users', { email: 'ed-cluster@example.org', password: 'a long secret', displayName: 'Ed Itor', role: 'editor' }, { authorization: `Bearer ${OPS}` });
    expect(created.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await once(nodes[i % 2].url, 'POST', '/api/v1/auth/login', { email: 'ed-cluster@example.org', password: `wrong ${i}` }, { 'x-forwarded-for': '203.0.113.7' })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);

    const presence: number[] = [];
    clients[0].socket.on('presence', (p: { stream: string; readers: number }) => {
      if (p.stream === `ticker:${tickers[0]}`) presence.push(p.readers);
    });
    // A third reader (its own reader id) joins on node 2: both nodes' readers are told 3.
    const third = createClient({ url: nodes[1].url, readerId: 'reader-3-abcdef' });
    clients.push(third);
    await third.ticker(tickers[0], { order: 'oldest' }).ready;
    await waitFor(() => presence.at(-1) === 3, `presence says 3 readers (got ${presence.join(',')})`);

    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => handshakeOutcome(nodes[i % 2].url, '203.0.113.9', raws)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(5);
    for (const s of raws.splice(0)) s.close();
  }, 30_000);

  it('a slot moved to another master (resharding): the nodes follow the channel there', async () => {
    const id = tickers[1];
    const slot = calculateSlot(channel(id));
    const [from, to] = [cluster.ports[1], cluster.ports[2]];
    const target = cluster.client(to);
    await target.connect();
    const targetId = String(await target.call('CLUSTER', 'MYID'));
    target.disconnect();
    // A slot of channels only (no keys) moves at once: every master is told its new owner.
    for (const port of [to, from, cluster.ports[0]]) {
      const r = cluster.client(port);
      await r.connect();
      await r.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
      r.disconnect();
    }
    expect(await ownerOf(cluster, [to], channel(id))).toBe(to);
    // Posted at once: published before node 2 subscribed on the new owner, only the heal after
    // the move brings it to node 2's readers (here the nodes usually follow first: Redis tells
    // its subscribers at once when a slot moves away).
    await post(nodes[0], id);
    await waitFor(async () => (await shardSubscribers(cluster, to, channel(id))) === 2, 'both nodes subscribed on the new owner', 20_000);
    await converged('every reader has the entry posted during the move');
    expect(await shardSubscribers(cluster, from, channel(id))).toBe(0);
    const before = await metric(nodes[1].url, 'liveticker_bus_changes_received_total');
    await post(nodes[0], id);
    await converged('every reader has the entry posted after the move');
    await waitFor(async () => (await metric(nodes[1].url, 'liveticker_bus_changes_received_total')) - before >= 1, 'node 2 heard it on the bus');
    expect(nodes.map((n) => /shard map changed: moving subscriptions/.test(n.log))).toEqual([true, true]);
  }, 60_000);

  it('a master killed and started again: readers converge on everything posted meanwhile, and the bus carries changes again', async () => {
    const victim = cluster.ports[0];
    // A ticker on the victim's shard that node 2 relays to nobody yet.
    let lateId = '';
    for (let i = 0; !lateId && i < 200; i++) if ((await ownerOf(cluster, cluster.ports, channel(`late${i}`))) === victim) lateId = `late${i}`;
    expect((await once(nodes[0].url, 'POST', '/api/v1/tickers', { id: lateId, title: 'Late', status: 'live' }, { authorization: `Bearer ${OPS}` })).status).toBe(201);
    await cluster.kill(victim);
    // The others notice (node timeout 1 s) and refuse commands (CLUSTERDOWN): entries are still
    // written to the database, their publishes fail.
    await cluster.waitState('fail', cluster.ports.slice(1));
    // A reader arriving now is not held until the master is back: node 2 gives up subscribing
    // soon and serves it from the database; the channel is placed again when the shard returns.
    const late = createClient({ url: nodes[1].url, reconnectDelayMaxMs: 500, readerId: 'reader-late-abcdef' });
    clients.push(late);
    const lateView = late.ticker(lateId, { order: 'oldest', pageSize: 100 });
    await withTimeout(lateView.ready, 'a reader joining during the outage', 10_000);
    for (const id of tickers) await post(nodes[0], id);
    await cluster.restart(victim);
    await cluster.waitOk();
    await converged('every reader has the entries posted during the outage', 30_000);
    expect(nodes[1].log).toMatch(/shard subscriber back: catching up streams|shard map changed: moving subscriptions/);
    // The nodes subscribed again on the master that came back, and the bus works again.
    await waitFor(async () => (await shardSubscribers(cluster, victim, channel(tickers[0]))) === 2, 'both nodes subscribed again on the restarted master', 20_000);
    const before = await metric(nodes[1].url, 'liveticker_bus_changes_received_total');
    for (const id of tickers) await post(nodes[0], id);
    await converged('every reader has the entries posted after the outage');
    await waitFor(async () => (await metric(nodes[1].url, 'liveticker_bus_changes_received_total')) - before >= 3, 'node 2 heard the new changes on the bus');
    // The late reader's stream is on the bus again too.
    await waitFor(async () => (await shardSubscribers(cluster, victim, channel(lateId))) === 1, 'node 2 subscribed to the late stream on the restarted master', 20_000);
    expect((await once(nodes[0].url, 'POST', `/api/v1/tickers/${lateId}/entries`, { body: '<p>for the late reader</p>' }, { authorization: `Bearer ${OPS}` })).status).toBe(201);
    await waitFor(() => bodies(lateView).includes('<p>for the late reader</p>'), 'the late reader has the new entry');
  }, 90_000);
});

describe('nodes started while every master of their Redis Cluster is away', () => {
  it('start, serve their own readers, and deliver across nodes once the cluster is back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-rcluster-cold-'));
    const cluster = await OwnRedisCluster.start(dir);
    await cluster.stop();
    const db = await createTestDatabase('postgres');
    const nodes: ServerProcess[] = [];
    const clients: LivetickerClient[] = [];
    try {
      const env = { DATABASE_URL: db.url, REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PREFIX: randomPrefix(), SCRYPT_LOG_N: '10', SHUTDOWN_TIMEOUT_MS: '3000', HEAL_INTERVAL_MS: '0' };
      // Before: the node exited at start ("failed to start"), so none could come back during an outage.
      nodes.push(await ServerProcess.start(env), await ServerProcess.start(env));
      expect((await once(nodes[0]!.url, 'POST', '/api/v1/tickers', { id: 'cold', title: 'Cold cluster', status: 'live' }, { authorization: `Bearer ${OPS}` })).status).toBe(201);
      const views = nodes.map((n, i) => {
        const c = createClient({ url: n.url, reconnectDelayMaxMs: 500, readerId: `cold-${i}-abcdef` });
        clients.push(c);
        return c.ticker('cold', { order: 'oldest' });
      });
      await Promise.all(views.map((v) => v.ready));
      const post = (node: ServerProcess, body: string) => once(node.url, 'POST', '/api/v1/tickers/cold/entries', { body }, { authorization: `Bearer ${OPS}` });
      expect((await post(nodes[0]!, '<p>no cluster</p>')).status).toBe(201);
      await waitFor(() => views[0]!.entries.some((e) => e.body === '<p>no cluster</p>'), "the node's own reader, without Redis");
      for (const port of cluster.ports) await cluster.restart(port);
      await cluster.waitOk();
      // The other node heals from the database once the cluster answers, then changes cross live.
      await waitFor(() => views[1]!.entries.some((e) => e.body === '<p>no cluster</p>'), 'the other node caught up', 30_000);
      expect((await post(nodes[0]!, '<p>cluster back</p>')).status).toBe(201);
      await waitFor(() => views[1]!.entries.some((e) => e.body === '<p>cluster back</p>'), 'live across the nodes', 30_000);
    } finally {
      for (const c of clients) c.close();
      for (const n of nodes) await n.stop();
      await cluster.stop();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
