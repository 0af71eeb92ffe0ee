import type { DatabaseConnection, Driver } from 'kysely';
import type { Logger } from '../logger';

/** Whether a database error means "no room to store anything": SQLite's SQLITE_FULL, PostgreSQL's disk_full. */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === '53100';
}

/** Connection errors of node and SQLSTATEs of PostgreSQL that say the database is away for now. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03']);

/**
 * Whether a query failed because the database cannot be reached right now (a connection refused,
 * reset or ended, the server shutting down or starting: SQLSTATE class 08 and 57P01–03), not
 * because of the query: the client should try again (found by the chaos soak's cut-pg).
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (UNREACHABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /^Connection terminated|connection error and is not queryable|^timeout exceeded when trying to connect/.test(message);
}

/** How often, while storage is full, the node logs it again, ms. */
const RELOG_MS = 60_000;

/**
 * Whether this node's database can store anything. A write that fails for lack of space marks
 * storage failing (logged with the cause, once a minute); a write that succeeds afterwards clears
 * it. While it fails, `/readyz` answers 503 and re-probes with a small write of its own.
 */
export class StorageHealth {
  failing?: { since: string; code: string; message: string };
  private loggedAt = 0;

  constructor(private readonly logger?: Logger) {}

  noteError(err: unknown): void {
    if (!isStorageFull(err)) return;
    const e = err as { code: string; message: string };
    if (!this.failing) {
      this.failing = { since: new Date().toISOString(), code: e.code, message: e.message };
      this.loggedAt = 0;
    }
    if (Date.now() - this.loggedAt > RELOG_MS) {
      this.loggedAt = Date.now();
      this.logger?.error({ code: e.code, cause: e.message, since: this.failing.since }, 'storage full: every write fails until space is freed (readyz answers 503)');
    }
  }

  noteWrite(): void {
    if (!this.failing) return;
    this.logger?.warn({ since: this.failing.since }, 'storage writable again');
    this.failing = undefined;
  }
}

const WRITE = /^\s*(insert|update|delete)\b/i;
const BEGIN = /^\s*(begin|start transaction)\b/i;
const COMMIT = /^\s*commit\b/i;
const ROLLBACK = /^\s*rollback\b/i;
const WATCHED = Symbol('storage-watched');

/**
 * Wraps a Kysely driver: every query's failure is shown to `health`, and a rollback that fails
 * because the database already rolled back (SQLite does after SQLITE_FULL: "cannot rollback - no
 * transaction is active") no longer hides the error that caused it.
 */
export function watchDriver(driver: Driver, health: StorageHealth): Driver {
  const acquire = driver.acquireConnection.bind(driver);
  driver.acquireConnection = async () => {
    const conn = (await acquire()) as DatabaseConnection & { [WATCHED]?: true };
    if (!conn[WATCHED]) {
      conn[WATCHED] = true;
      const execute = conn.executeQuery.bind(conn);
      // Inside a transaction a statement can succeed in cache and its commit fail for lack of
      // space: only a commit, or a write outside a transaction, proves that storage took it.
      let inTransaction = false;
      conn.executeQuery = async <R>(query: Parameters<DatabaseConnection['executeQuery']>[0]) => {
        const sql = query.sql;
        if (BEGIN.test(sql)) inTransaction = true;
        try {
          const result = await execute<R>(query);
          if (health.failing && (COMMIT.test(sql) || (!inTransaction && WRITE.test(sql)))) health.noteWrite();
          return result;
        } catch (err) {
          health.noteError(err);
          throw err;
        } finally {
          if (COMMIT.test(sql) || ROLLBACK.test(sql)) inTransaction = false;
        }
      };
    }
    return conn;
  };
  const rollback = driver.rollbackTransaction.bind(driver);
  driver.rollbackTransaction = async (conn) => {
    try {
      await rollback(conn);
    } catch (err) {
      if (/no transaction is active/i.test(String((err as Error)?.message))) return;
      throw err;
    }
  };
  return driver;
}
