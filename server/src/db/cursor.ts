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
