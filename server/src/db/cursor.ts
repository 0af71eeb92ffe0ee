import { z } from 'zod';
import { AppError } from '../errors';

/**
 * Opaque keyset cursors: base64url JSON holding the order and the last key seen. A cursor is
 * only valid for the list and order that made it.
 */
export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(schema: z.ZodType<T>, cursor: string): T {
  try {
    const json: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
  } catch {
    // falls through to the same error as a well-formed but wrong cursor
  }
  throw new AppError('invalid_cursor', 'the cursor is not valid for this list');
}

const SeqCursor = z.object({ o: z.enum(['newest', 'oldest']), s: z.number().int() });

/**
 * Pages of a stream's items (entries, messages) by `seq`, in either order: the cursor holds the
 * order and the last seq seen, so a page never shifts when items are added or deleted.
 */
export async function seqPage<T extends { seq: number }>(
  query: { order: 'newest' | 'oldest'; limit: number; cursor?: string },
  fetch: (afterSeq: number | undefined, limit: number) => Promise<T[]>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  let afterSeq: number | undefined;
  if (query.cursor) {
    const c = decodeCursor(SeqCursor, query.cursor);
    if (c.o !== query.order) throw new AppError('invalid_cursor', 'the cursor was made for the other order');
    afterSeq = c.s;
  }
  const rows = await fetch(afterSeq, query.limit + 1);
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor({ o: query.order, s: last.seq }) : null };
}
