import pg from 'pg';
import type { Entry } from '@liveticker/schemas';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { ServerProcess } from '../helpers/process';
import { OPS_KEY } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { WebhookReceiver } from '../helpers/webhook-receiver';

const auth = { authorization: `Bearer ${OPS_KEY}` };

/**
 * Two server processes on one PostgreSQL database deliver one endpoint's webhooks. The node that
 * holds the endpoint dies (SIGKILL) in the middle of a backlog, or stops (SIGTERM): the other one
 * takes over from the cursors, and the receiver gets every event, once per id.
 */
describe('webhook delivery across a crash and a deploy of the delivering node', () => {
  let db: TestDatabase;
  let nodes: ServerProcess[] = [];
  let receiver: WebhookReceiver;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const env = { DATABASE_URL: db.url, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_LEASE_SECONDS: '2' };
    nodes = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    receiver = await new WebhookReceiver().start();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await receiver?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.drop();
  });

  /** The process holding the endpoint's lease (node ids carry the pid). */
  const holder = async (hookId: string): Promise<ServerProcess> => {
    const owner = await waitFor(async () => (await client.query<{ lease_owner: string | null }>('SELECT lease_owner FROM webhooks WHERE id = $1', [hookId])).rows[0]?.lease_owner, 'a node to claim the endpoint');
    const node = nodes.find((n) => n.running && owner!.includes(`-${n.pid}-`));
    if (!node) throw new Error(`no running node holds ${owner}`);
    return node;
  };

  it('SIGKILL of the delivering node mid-backlog: the other node goes on after the lease ran out; every event arrives, once per id', async () => {
    const api = opsApi(nodes[0]!.url);
    await api.createTicker({ id: 'crash', title: 'Crash', status: 'live' });
    const hook = (await raw(nodes[1]!.url, 'POST', '/webhooks', { url: receiver.url, events: ['entry.created'], tickerId: 'crash' }, auth)).body;
    receiver.secret = hook.secret;
    receiver.delayMs = 150;
    receiver.duplicates = 0;
    const posted: Entry[] = [];
    for (let i = 0; i < 12; i++) posted.push(await api.post('crash', { body: `<p>event ${i}</p>` }));
    // This ticker's events only: the tests run in a random order and share the receiver.
    const mine = () => receiver.events.filter((e) => e.body.data.tickerId === 'crash');
    await waitFor(() => mine().length >= 3, 'the first deliveries', 15_000);
    const victim = await holder(hook.id);
    await victim.kill();
    await waitFor(() => mine().length >= 12, 'every event after the crash', 30_000);
    expect(mine().map((e) => e.body.data.id)).toEqual(posted.map((p) => p.id));
    // At most the one in flight when the node died came twice (same id, deduped by the receiver).
    expect(receiver.duplicates).toBeLessThanOrEqual(1);
    const survivor = await holder(hook.id);
    expect(survivor).not.toBe(victim);
    nodes[nodes.indexOf(victim)] = await victim.restart();
  }, 90_000);

  it('SIGTERM (a deploy) hands the endpoint over at once: the lease is given back, nothing waits for it to run out', async () => {
    const api = opsApi(nodes[0]!.url);
    await api.createTicker({ id: 'deploy', title: 'Deploy', status: 'live' });
    const hook = (await raw(nodes[0]!.url, 'POST', '/webhooks', { url: receiver.url, events: ['entry.created'], tickerId: 'deploy' }, auth)).body;
    receiver.secret = hook.secret;
    receiver.delayMs = 0;
    const first = await api.post('deploy', { body: '<p>before the deploy</p>' });
    await waitFor(() => receiver.events.some((e) => e.body.data.id === first.id), 'the first event');
    const leaving = await holder(hook.id);
    const staying = nodes.find((n) => n !== leaving)!;
    await leaving.stop();
    const lease = (await client.query<{ lease_owner: string | null }>('SELECT lease_owner FROM webhooks WHERE id = $1', [hook.id])).rows[0]!.lease_owner;
    expect(lease === null || lease.includes(`-${staying.pid}-`)).toBe(true);
    const after = await opsApi(staying.url).post('deploy', { body: '<p>after the deploy</p>' });
    await waitFor(() => receiver.events.some((e) => e.body.data.id === after.id), 'the event after the deploy');
    nodes[nodes.indexOf(leaving)] = await leaving.restart();
  }, 60_000);
});
