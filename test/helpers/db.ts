import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export type Dialect = 'sqlite' | 'postgres';
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

/** The PostgreSQL server tests create their databases on (trust auth, database `test`). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of a dialect: a temp SQLite file or a new PostgreSQL database. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-test-'));
    return {
      url: path.join(dir, 'test.sqlite'),
      async drop() {
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `lt_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    /**
     * Drops the database once nobody uses it. Not WITH (FORCE): terminating a pool's connections
     * under it is what made teardowns fail at random (57P01 as an unhandled error). A process
     * just stopped may need a moment to go; a connection still open after 10 s is a leak in the
     * code under test, and the error names it.
     */
    async drop() {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        const until = Date.now() + 10_000;
        for (;;) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name}`);
            return;
          } catch (err) {
            if ((err as { code?: string }).code !== '55006' || Date.now() > until) {
              const open = await c.query('SELECT application_name, state, query FROM pg_stat_activity WHERE datname = $1', [name]);
              throw new Error(`cannot drop ${name}: ${(err as Error).message}; still connected: ${JSON.stringify(open.rows)}`);
            }
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}
