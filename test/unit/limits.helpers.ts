import type { LimitSpec, Limiters } from '../../server/src/auth/limits';
import { AppError } from '../../server/src/errors';

/** Awaits a call that must be refused with `rate_limited` and returns its error. */
export async function refused(call: Promise<unknown>): Promise<AppError> {
  const outcome = await call.then(
    () => 'passed',
    (err: unknown) => err,
  );
  if (!(outcome instanceof AppError)) throw new Error(`expected a rate_limited refusal, got: ${String(outcome)}`);
  expect(outcome.code).toBe('rate_limited');
  return outcome;
}

export const retryAfter = (err: AppError) => (err.details as { retryAfter: number }).retryAfter;

export async function consumeTimes(limiters: Limiters, name: string, key: string, times: number, spec?: LimitSpec): Promise<void> {
  for (let i = 0; i < times; i++) await limiters.consume(name, key, spec);
}
