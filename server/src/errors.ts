import { ERROR_STATUS } from '@liveticker/schemas';
import type { ErrorBody, ErrorCode } from '@liveticker/schemas';
import type { ZodError } from 'zod';

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

/** Parses with a zod schema or throws `validation_failed` listing each problem. */
export function parseInput<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } }, value: unknown, what?: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, what);
  return r.data;
}

/** Turns any thrown value into the wire shape; unknown errors become `internal` (no stack). */
export function toWireError(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (err instanceof AppError) {
    const error: ErrorBody['error'] = { code: err.code, message: err.message };
    if (err.details !== undefined) error.details = err.details;
    return { status: err.status, body: { error }, internal: false };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, internal: true };
}
