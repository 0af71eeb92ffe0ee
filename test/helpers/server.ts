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

/**
 * A server on a free loopback port, quiet, with the test ops key. The port is picked before the
 * server is built (PUBLIC_URL, the origin browsers are allowed from, must name it); another
 * process may take it in between, so a start that meets EADDRINUSE is tried on another port.
 */
export async function startNode(opts: NodeOptions): Promise<TestNode> {
  for (let attempt = 0; ; attempt++) {
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
    let addr;
    try {
      addr = await server.listen(port, '127.0.0.1');
    } catch (err) {
      await server.close();
      await deps.close();
      if ((err as { code?: string }).code === 'EADDRINUSE' && attempt < 5) continue;
      throw err;
    }
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
