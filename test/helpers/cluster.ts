import type { Config } from '@liveticker/server';
import { MemoryHub } from '@liveticker/server';
import { createTestDatabase } from './db';
import type { Dialect, TestDatabase } from './db';
import { SHARED_REDIS_URL, cleanPrefix, randomPrefix } from './redis';
import { OPS_KEY, startNode } from './server';
import type { BusKind, TestNode } from './server';
import { raw } from './api';

export interface Cluster {
  a: TestNode;
  b: TestNode;
  db: TestDatabase;
  close(): Promise<void>;
}

/** Two nodes on one database, sharing the bus: an in-process hub or Redis with a fresh prefix. */
export async function startCluster(dialect: Dialect, bus: BusKind, config: Partial<Config> = {}): Promise<Cluster> {
  const db = await createTestDatabase(dialect);
  const prefix = randomPrefix();
  const hub = new MemoryHub();
  const opts = {
    databaseUrl: db.url,
    redisUrl: bus === 'redis' ? SHARED_REDIS_URL : undefined,
    redisPrefix: prefix,
    hub,
    config: { scrypt: { logN: 10, r: 8, p: 1 }, ...config },
  };
  const a = await startNode(opts);
  const b = await startNode(opts);
  return {
    a,
    b,
    db,
    async close() {
      await a.close();
      await b.close();
      if (bus === 'redis') await cleanPrefix(SHARED_REDIS_URL, prefix);
      await db.drop();
    },
  };
}

let counter = 0;

/** A verified user of a role, logged in; returns its id and session token. */
export async function makeUser(url: string, role: 'reader' | 'editor' | 'moderator' | 'admin' = 'reader', name?: string) {
  const email = `user${++counter}-${Date.now()}@example.org`;
  // Staff get names of their own: a reader may not take a staff member's name (impersonation).
  name ??= role === 'reader' ? 'Reader' : `${role} ${counter}`;
  const created = await raw(url, 'POST', '/users', { email, password: 'a long secret', displayName: name, role }, { authorization: `Bearer ${OPS_KEY}` });
  if (created.status !== 201) throw new Error(`could not create user: ${JSON.stringify(created.body)}`);
  const login = await raw(url, 'POST', '/auth/login', { email, password: 'a long secret' });
  return { id: created.body.id as string, email, token: login.body.token as string };
}
