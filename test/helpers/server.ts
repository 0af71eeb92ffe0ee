import { createDeps, createServer, testConfig } from '@liveticker/server';
import type { Config, Deps, LivetickerServer } from '@liveticker/server';
import type { MemoryHub } from '@liveticker/server';
import { createTestDatabase } from './db';
import type { Dialect, TestDatabase } from './db';
import { SHARED_REDIS_URL, cleanPrefix, freePort, randomPrefix } from './redis';

export const OPS_KEY = 'test-ops-key-0123456789abcdef';

export interface TestNode {
  url: string;
  server: LivetickerServer;
  deps: Deps;
  close(): Promise<void>;
}

export interface NodeOptions {
  databaseUrl: string;
  redisUrl?: string;
  redisPrefix?: string;
  hub?: MemoryHub;
  config?: Partial<Config>;
}

/** A server on a free loopback port, quiet, with the test ops key. */
export async function startNode(opts: NodeOptions): Promise<TestNode> {
  // The port is chosen first so PUBLIC_URL (the origin browsers are allowed from) is right.
  const port = await freePort();
  const config = testConfig({
    publicUrl: `http://127.0.0.1:${port}`,
    databaseUrl: opts.databaseUrl,
    redisUrl: opts.redisUrl,
    redisPrefix: opts.redisPrefix ?? 'lt:',
    adminApiKey: OPS_KEY,
    ...opts.config,
  });
  const deps = await createDeps(config, { memoryHub: opts.hub });
  const server = await createServer(deps);
  const addr = await server.listen(port, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    server,
    deps,
    async close() {
      await server.close();
      await deps.close();
    },
  };
}

export type BusKind = 'memory' | 'redis';
export const BUSES: BusKind[] = ['memory', 'redis'];

export interface TestSetup {
  db: TestDatabase;
  node: TestNode;
  url: string;
  redisPrefix?: string;
  close(): Promise<void>;
}

/** One node on a fresh database of `dialect` with the chosen bus (shared Redis, own prefix). */
export async function setup(dialect: Dialect, bus: BusKind = 'memory', config?: Partial<Config>): Promise<TestSetup> {
  const db = await createTestDatabase(dialect);
  const redisPrefix = bus === 'redis' ? randomPrefix() : undefined;
  const node = await startNode({
    databaseUrl: db.url,
    redisUrl: bus === 'redis' ? SHARED_REDIS_URL : undefined,
    redisPrefix,
    config,
  });
  return {
    db,
    node,
    url: node.url,
    redisPrefix,
    async close() {
      await node.close();
      if (redisPrefix) await cleanPrefix(SHARED_REDIS_URL, redisPrefix);
      await db.drop();
    },
  };
}
