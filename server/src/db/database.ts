import fs from 'node:fs';
import path from 'node:path';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Transaction } from 'kysely';
import type { Logger } from '../logger';
import type { Tables } from './tables';
import { StorageHealth, watchDriver } from './health';
import { migrations } from './migrations';

export type Db = Kysely<Tables>;
export type Trx = Transaction<Tables>;
export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  db: Db;
  dialect: DialectName;
  /** Whether writes currently fail for lack of space (disk full). */
  health: StorageHealth;
  close(): Promise<void>;
}

/**
 * Opens SQLite (a path or `sqlite:` URL, WAL mode) or PostgreSQL (`postgres://`).
 * `close()` resolves only once every connection is really gone (see below).
 */
export async function openDatabase(url: string, logger?: Logger): Promise<Database> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { Pool, types } = await import('pg');
    // COUNT(*) and other int8 come back as strings by default; our counters fit in a double.
    types.setTypeParser(20, (v: string) => Number(v));
    const pool = new Pool({ connectionString: url, max: 10, application_name: 'liveticker' });
    // An idle connection that the server ends (restart, failover, pg_terminate_backend) makes the
    // pool emit 'error'; unheard, that would crash the process. The pool drops that client and
    // opens a new one on the next query, so a warning is all it needs.
    pool.on('error', (err: Error & { code?: string }) => logger?.warn({ err: err.message, code: err.code }, 'idle PostgreSQL connection lost'));
    // pool.end() resolves as soon as its clients are *asked* to end, before their sockets close;
    // count them ourselves so close() means closed (else a DROP DATABASE right after it races them).
    let open = 0;
    let drained: (() => void) | undefined;
    pool.on('connect', (client) => {
      open++;
      // A connection that breaks while checked out (a query under way: a request, a sweep, a
      // deliverer) errs on its client, where the pool does not listen: the query fails with the
      // error, the pool drops the client, and an unheard 'error' must not end the process (found
      // by the chaos soak's cut-pg; test/faults/pg-connection-reset.test.ts).
      client.on('error', (err: Error & { code?: string }) => logger?.warn({ err: err.message, code: err.code }, 'PostgreSQL connection lost during a query'));
    });
    pool.on('remove', () => {
      open--;
      if (open === 0) drained?.();
    });
    const health = new StorageHealth(logger);
    const dialect = new PostgresDialect({ pool });
    const createDriver = dialect.createDriver.bind(dialect);
    dialect.createDriver = () => watchDriver(createDriver(), health);
    const db = new Kysely<Tables>({ dialect });
    return {
      db,
      dialect: 'postgres',
      health,
      async close() {
        await db.destroy();
        if (open > 0) await new Promise<void>((resolve) => (drained = resolve));
      },
    };
  }
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\//, '') : url;
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const health = new StorageHealth(logger);
  const dialect = new SqliteDialect({ database: sqlite });
  const createDriver = dialect.createDriver.bind(dialect);
  dialect.createDriver = () => {
    const driver = watchDriver(createDriver(), health);
    // Several processes may write the file (WORKERS > 1): a transaction takes the write lock at
    // BEGIN, so one that reads before it writes waits its turn (busy_timeout) instead of failing
    // with SQLITE_BUSY when another process committed in between. One process's transactions
    // are serialized by Kysely already, so this costs it nothing.
    driver.beginTransaction = async (conn) => {
      await conn.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  };
  const db = new Kysely<Tables>({ dialect });
  return { db, dialect: 'sqlite', health, close: () => db.destroy() };
}

/** Runs pending migrations; throws with the failing migration's name. */
export async function migrate(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function headRev(db: Db | Trx, stream: string): Promise<number | undefined> {
  return (await streamPosition(db, stream))?.rev;
}

/** A stream's head revision and epoch; undefined when the stream does not exist. */
export async function streamPosition(db: Db | Trx, stream: string): Promise<{ rev: number; epoch: string } | undefined> {
  return db.selectFrom('streams').select(['rev', 'epoch']).where('name', '=', stream).executeTakeFirst();
}

/**
 * Whether a database error is a unique-key violation (two writers raced for the same id or
 * address): PostgreSQL's 23505, SQLite's SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
