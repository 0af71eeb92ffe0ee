import { ERROR_STATUS } from '@liveticker/schemas';
import type { ErrorBody, ErrorCode } from '@liveticker/schemas';
import type { ZodError } from 'zod';
import { isDatabaseUnreachable, isStorageFull } from './db/health';

/**
 * The one error type of the server: a stable `code`, its HTTP status, public `details` for the
 * client, and private `context` that goes to the log only.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly context?: Record<string, unknown>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export function validationError(error: ZodError, what = 'input'): AppError {
  return new AppError(
    'validation_failed',
    `invalid ${what}`,
    error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

/**
 * The path of the first string holding a NUL character, if any. NUL is refused in every input:
 * PostgreSQL cannot store it in text (a 500 there), and no reader needs it.
 */
function findNul(value: unknown, path: string[] = [], depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || '(value)' : undefined;
  if (depth > 20 || value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return [...path, '(key)'].join('.');
    const found = findNul(v, [...path, k], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Parses with a zod schema or throws `validation_failed` listing each problem. */
export function parseInput<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } }, value: unknown, what?: string): T {
  const nul = findNul(value);
  if (nul !== undefined) throw new AppError('validation_failed', `invalid ${what ?? 'input'}`, [{ path: nul, message: 'must not contain NUL characters' }]);
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, what);
  return r.data;
}

/** Turns any thrown value into the wire shape; unknown errors become `internal` (no stack). */
export function toWireError(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  // The database has no room: not our bug per request (the storage health logs the cause).
  if (isStorageFull(err)) {
    return { status: 503, body: { error: { code: 'unavailable', message: 'the server cannot save anything right now (storage full); try again later' } }, internal: false };
  }
  // The database is away for a moment (a restart, a failover, a cut connection): try again.
  if (isDatabaseUnreachable(err)) {
    return { status: 503, body: { error: { code: 'unavailable', message: 'the database cannot be reached right now; try again' } }, internal: false };
  }
  if (err instanceof AppError) {
    const error: ErrorBody['error'] = { code: err.code, message: err.message };
    if (err.details !== undefined) error.details = err.details;
    return { status: err.status, body: { error }, internal: false };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, internal: true };
}
