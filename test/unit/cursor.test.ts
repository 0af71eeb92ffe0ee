import { z } from 'zod';
import { decodeCursor, encodeCursor, seqPage } from '../../server/src/db/cursor';
import { AppError } from '../../server/src/errors';

type Order = 'newest' | 'oldest';

/** A stream's items as the repositories answer `fetch`: after a seq, in the order, at most `limit`. */
function table(seqs: number[]) {
  const calls: Array<{ afterSeq: number | undefined; limit: number }> = [];
  const fetchIn = (order: Order) => async (afterSeq: number | undefined, limit: number) => {
    calls.push({ afterSeq, limit });
    const sorted = [...seqs].sort((a, b) => (order === 'newest' ? b - a : a - b));
    const after = afterSeq === undefined ? sorted : sorted.filter((s) => (order === 'newest' ? s < afterSeq : s > afterSeq));
    return after.slice(0, limit).map((seq) => ({ seq, id: `e${seq}` }));
  };
  return { calls, fetchIn };
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

async function rejectionOf(p: Promise<unknown>): Promise<AppError> {
  const outcome = await p.then(
    () => 'resolved',
    (err: unknown) => err,
  );
  if (outcome instanceof AppError) return outcome;
  throw new Error(`expected an AppError, got ${String(outcome)}`);
}

describe('cursors', () => {
  const Shape = z.object({ o: z.enum(['newest', 'oldest']), s: z.number().int() });

  it('a cursor is opaque URL-safe text that decodes to what it was made from', () => {
    const cursor = encodeCursor({ o: 'newest', s: 41 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(Shape, cursor)).toEqual({ o: 'newest', s: 41 });
  });

  it('garbage, broken JSON and a cursor of another list are all the same 400 invalid_cursor', () => {
    const garbage = errorOf(() => decodeCursor(Shape, '%%%not-base64%%%'));
    const brokenJson = errorOf(() => decodeCursor(Shape, Buffer.from('{"o":').toString('base64url')));
    const otherList = errorOf(() => decodeCursor(Shape, encodeCursor({ c: '2026-01-01', i: 'abc' })));
    for (const err of [garbage, brokenJson, otherList]) {
      expect(err.code).toBe('invalid_cursor');
      expect(err.status).toBe(400);
      expect(err.message).toBe('the cursor is not valid for this list');
    }
  });

  describe('seqPage', () => {
    it.each(['newest', 'oldest'] as const)('a %s-first reader paging 3 at a time gets each of 7 items once, in order', async (order) => {
      const { fetchIn } = table([1, 2, 3, 4, 5, 6, 7]);
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await seqPage({ order, limit: 3, cursor }, fetchIn(order));
        seen.push(...page.items.map((i) => i.seq));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 10); // a cursor that never advances fails here instead of hanging
      expect(seen).toEqual(order === 'newest' ? [7, 6, 5, 4, 3, 2, 1] : [1, 2, 3, 4, 5, 6, 7]);
      expect(pages).toBe(3);
    });

    it('asks for one row more than the page to know whether there is a next page, and continues after the last seq', async () => {
      const { calls, fetchIn } = table([1, 2, 3, 4, 5]);
      const first = await seqPage({ order: 'newest', limit: 2 }, fetchIn('newest'));
      expect(first.items.map((i) => i.seq)).toEqual([5, 4]);
      expect(decodeCursor(z.object({ o: z.string(), s: z.number() }), first.nextCursor!)).toEqual({ o: 'newest', s: 4 });
      await seqPage({ order: 'newest', limit: 2, cursor: first.nextCursor! }, fetchIn('newest'));
      expect(calls).toEqual([
        { afterSeq: undefined, limit: 3 },
        { afterSeq: 4, limit: 3 },
      ]);
    });

    it('a page that holds exactly the rest of the list has no next cursor', async () => {
      const { fetchIn } = table([1, 2, 3]);
      const page = await seqPage({ order: 'oldest', limit: 3 }, fetchIn('oldest'));
      expect(page.items).toHaveLength(3);
      expect(page.nextCursor).toBeNull();
    });

    it('an empty list is one empty page', async () => {
      const { fetchIn } = table([]);
      expect(await seqPage({ order: 'newest', limit: 20 }, fetchIn('newest'))).toEqual({ items: [], nextCursor: null });
    });

    it('a cursor made for the other order is refused, not silently misread', async () => {
      const { calls, fetchIn } = table([1, 2, 3, 4]);
      const { nextCursor } = await seqPage({ order: 'newest', limit: 2 }, fetchIn('newest'));
      const err = await rejectionOf(seqPage({ order: 'oldest', limit: 2, cursor: nextCursor! }, fetchIn('oldest')));
      expect(err.code).toBe('invalid_cursor');
      expect(err.message).toBe('the cursor was made for the other order');
      expect(calls).toHaveLength(1);
    });

    it('a forged cursor is refused before the database is asked', async () => {
      const { calls, fetchIn } = table([1, 2]);
      const forged = encodeCursor({ o: 'newest', s: 'DROP TABLE' });
      expect((await rejectionOf(seqPage({ order: 'newest', limit: 2, cursor: forged }, fetchIn('newest')))).code).toBe('invalid_cursor');
      expect(calls).toEqual([]);
    });
  });
});
