import { Id, Slug } from '@liveticker/schemas';
import { AppError } from '../errors';

/** A path id that fails the schema cannot name anything: 404, never a query with junk. */
export function tickerIdParam(value: unknown): string {
  const r = Slug.safeParse(value);
  if (!r.success) throw new AppError('not_found', 'no such ticker');
  return r.data;
}

export function idParam(value: unknown, what: string): string {
  const r = Id.safeParse(value);
  if (!r.success) throw new AppError('not_found', `no such ${what}`);
  return r.data;
}

/**
 * `decodeURIComponent` for text from outside (a path taken apart by hand, a query value): a
 * malformed escape (`%E0%A4`, a lone `%`) is undefined, for the caller to answer 400 or 404,
 * never a throw that ends as a 500.
 */
export function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
