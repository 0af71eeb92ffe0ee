import pg from 'pg';
import { createTestDatabase } from './db';
import type { TestDatabase } from './db';
import { ServerProcess } from './process';
import { PushReceiver } from './push-receiver';

export interface PushNodes {
  db: TestDatabase;
  /** The two processes; a test that restarts one puts the new one in its place. */
  nodes: ServerProcess[];
  receiver: PushReceiver;
  /** A connection to the nodes' database, for looking at the follows' claims. */
  client: pg.Client;
}

/**
 * Two server processes on one fresh PostgreSQL database, pushing to a push service of the test's
 * own (private addresses allowed, its CA trusted, 2 s leases), started before the file's tests
 * and stopped after them. `env` adds to or overrides the nodes' environment.
 */
export function twoPushNodes(env: Record<string, string> = {}): PushNodes {
  const t = { nodes: [] as ServerProcess[] } as PushNodes;
  beforeAll(async () => {
    t.db = await createTestDatabase('postgres');
    t.receiver = await new PushReceiver().start();
    const all = { DATABASE_URL: t.db.url, PUSH_ALLOW_PRIVATE: 'true', PUSH_CA_FILE: t.receiver.caFile, PUSH_LEASE_SECONDS: '2', SEED_DEMO: 'false', LOG_LEVEL: 'warn', ...env };
    t.nodes.push(...(await Promise.all([ServerProcess.start(all), ServerProcess.start(all)])));
    t.client = new pg.Client({ connectionString: t.db.url });
    await t.client.connect();
  }, 60_000);
  afterAll(async () => {
    await t.client?.end();
    await Promise.all(t.nodes.map((n) => n.stop()));
    await t.receiver?.close();
    await t.db?.drop();
  });
  return t;
}
