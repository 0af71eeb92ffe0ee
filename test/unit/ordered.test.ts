import { OrderedList } from '../../client-sdk/src/ordered';
import type { Item, Page } from '../../client-sdk/src/ordered';

/** What list-view keeps in the list: an entry or chat message, reduced to what ordering reads. */
interface Post extends Item {
  body: string;
  deletedAt: string | null;
}

function post(id: string, seq: number, rev = seq, more: Partial<Post> = {}): Post {
  return { id, seq, rev, body: `${id}@${rev}`, deletedAt: null, ...more };
}

const ids = (list: OrderedList<Post>) => list.items.map((i) => i.id);
const page = (items: Post[], nextCursor: string | null = null): Page<Post> => ({ items, nextCursor });

/** A newest-first list whose first page holds e, d, c (seq 5, 4, 3) and has more below. */
function newestWithMore(): OrderedList<Post> {
  const list = new OrderedList<Post>('newest');
  list.addPage('newest', page([post('e', 5), post('d', 4), post('c', 3)], 'cur-1'), true);
  return list;
}

/** An oldest-first list whose first page holds a, b, c (seq 1, 2, 3) and has more after. */
function oldestWithMore(): OrderedList<Post> {
  const list = new OrderedList<Post>('oldest');
  list.addPage('oldest', page([post('a', 1), post('b', 2), post('c', 3)], 'cur-1'), true);
  return list;
}

describe('OrderedList', () => {
  describe('pages', () => {
    it('an empty list in either order shows nothing and has more to load', () => {
      for (const order of ['newest', 'oldest'] as const) {
        const list = new OrderedList<Post>(order);
        expect(list.items).toEqual([]);
        expect(list.hasMore).toBe(true);
        expect(list.cursor).toBeNull();
        expect(list.has(order)).toBe(false);
      }
    });

    it('a newest-first reader sees the first page newest on top and can load more with its cursor', () => {
      const list = newestWithMore();
      expect(ids(list)).toEqual(['e', 'd', 'c']);
      expect(list.hasMore).toBe(true);
      expect(list.cursor).toBe('cur-1');
      expect(list.has('newest')).toBe(true);
    });

    it('an oldest-first reader sees the first page oldest on top', () => {
      expect(ids(oldestWithMore())).toEqual(['a', 'b', 'c']);
    });

    it('"load more" appends the next page below the loaded run, and the last page ends the list', () => {
      const list = newestWithMore();
      list.addPage('newest', page([post('b', 2)], 'cur-2'), false);
      expect(ids(list)).toEqual(['e', 'd', 'c', 'b']);
      expect(list.cursor).toBe('cur-2');
      expect(list.hasMore).toBe(true);

      list.addPage('newest', page([post('a', 1)]), false);
      expect(ids(list)).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(list.hasMore).toBe(false);
      expect(list.cursor).toBeNull();
    });

    it('a page whose items arrive out of order is still shown in seq order, in both orders', () => {
      const newest = new OrderedList<Post>('newest');
      newest.addPage('newest', page([post('b', 2), post('c', 3), post('a', 1)]), true);
      expect(ids(newest)).toEqual(['c', 'b', 'a']);
      const oldest = new OrderedList<Post>('oldest');
      oldest.addPage('oldest', page([post('b', 2), post('c', 3), post('a', 1)]), true);
      expect(ids(oldest)).toEqual(['a', 'b', 'c']);
    });

    it('a page that repeats an item already loaded keeps one copy: the newer one, where it belongs', () => {
      const list = newestWithMore();
      list.addPage('newest', page([post('c', 3, 9), post('b', 2)], 'cur-2'), false);
      expect(ids(list)).toEqual(['e', 'd', 'c', 'b']);
      expect(list.get('c')?.rev).toBe(9);
    });

    it('a page never brings back an older copy of an item a live change already updated', () => {
      const list = newestWithMore();
      list.upsert(post('c', 3, 8, { body: 'corrected' }));
      list.addPage('newest', page([post('c', 3, 3), post('b', 2)], 'cur-2'), false);
      expect(ids(list)).toEqual(['e', 'd', 'c', 'b']);
      expect(list.get('c')).toMatchObject({ rev: 8, body: 'corrected' });
    });

    it('a page with the same copy of an item the list already has leaves that copy in place', () => {
      const list = newestWithMore();
      const before = list.get('c');
      list.addPage('newest', page([post('c', 3, 3, { body: 'same rev, other object' }), post('b', 2)], 'cur-2'), false);
      expect(list.get('c')).toBe(before);
      expect(ids(list)).toEqual(['e', 'd', 'c', 'b']);
    });

    it('a new first page replaces what was loaded in that order', () => {
      const list = newestWithMore();
      list.addPage('newest', page([post('f', 6), post('e', 5)], 'fresh'), true);
      expect(ids(list)).toEqual(['f', 'e']);
      expect(list.cursor).toBe('fresh');
    });

    it('a page that holds two copies of one item keeps the newer, whichever comes first', () => {
      const list = new OrderedList<Post>('newest');
      list.addPage('newest', page([post('b', 2, 7, { body: 'new' }), post('b', 2, 3, { body: 'old' }), post('a', 1)]), true);
      expect(ids(list)).toEqual(['b', 'a']);
      expect(list.get('b')).toMatchObject({ rev: 7, body: 'new' });
    });

    it('a next page for an order that has no first page yet starts that order', () => {
      const list = new OrderedList<Post>('newest');
      list.addPage('newest', page([post('b', 2), post('a', 1)], 'cur-1'), false);
      expect(ids(list)).toEqual(['b', 'a']);
      expect(list.cursor).toBe('cur-1');
      expect(list.has('newest')).toBe(true);
    });

    it('a first page that is also the last one means there is nothing more to load', () => {
      const list = new OrderedList<Post>('newest');
      list.addPage('newest', page([post('a', 1)]), true);
      expect(list.hasMore).toBe(false);
    });
  });

  describe('live changes', () => {
    it('a new entry goes on top of a newest-first list and is reported as an insert at 0', () => {
      const list = newestWithMore();
      const op = list.upsert(post('f', 6));
      expect(op).toEqual({ op: 'insert', item: post('f', 6), index: 0 });
      expect(ids(list)).toEqual(['f', 'e', 'd', 'c']);
    });

    it('new entries that arrive out of order are still shown in seq order', () => {
      const list = newestWithMore();
      expect(list.upsert(post('g', 7))?.index).toBe(0);
      expect(list.upsert(post('f', 6))).toEqual({ op: 'insert', item: post('f', 6), index: 1 });
      expect(ids(list)).toEqual(['g', 'f', 'e', 'd', 'c']);
    });

    it('an item that belongs inside the loaded run is inserted at its place, not at an end', () => {
      const list = new OrderedList<Post>('newest');
      list.addPage('newest', page([post('e', 5), post('c', 3), post('a', 1)], 'cur-1'), true);
      expect(list.upsert(post('d', 4))).toMatchObject({ op: 'insert', index: 1 });
      expect(ids(list)).toEqual(['e', 'd', 'c', 'a']);
    });

    it('the oldest item of a loaded run is still inside it: a live copy of its neighbour at equal seq is placed', () => {
      // The run of a newest-first list reaches down to its last item's seq, inclusive.
      const list = newestWithMore();
      const op = list.upsert(post('c2', 3));
      expect(op).toMatchObject({ op: 'insert', index: 3 });
      expect(ids(list)).toEqual(['e', 'd', 'c', 'c2']);
    });

    it('in an oldest-first list too, an item with the same seq as one loaded goes after it', () => {
      const list = new OrderedList<Post>('oldest');
      list.addPage('oldest', page([post('a', 1), post('b', 2), post('c', 3)]), true);
      expect(list.upsert(post('b2', 2))).toMatchObject({ op: 'insert', index: 2 });
      expect(ids(list)).toEqual(['a', 'b', 'b2', 'c']);
    });

    it('an oldest-first reader who has not scrolled to the end gets an unpinned entry back in its place', () => {
      const list = oldestWithMore();
      list.remove('b');
      expect(list.upsert(post('b', 2, 9))).toMatchObject({ op: 'insert', index: 1 });
      expect(ids(list)).toEqual(['a', 'b', 'c']);
    });

    it('an item below the loaded part of a newest-first list waits for its page (it lies in the unloaded gap)', () => {
      const list = newestWithMore();
      expect(list.upsert(post('b', 2, 10))).toBeUndefined();
      expect(ids(list)).toEqual(['e', 'd', 'c']);
      expect(list.get('b')).toBeUndefined();
      list.addPage('newest', page([post('b', 2, 10), post('a', 1)]), false);
      expect(ids(list)).toEqual(['e', 'd', 'c', 'b', 'a']);
    });

    it('an oldest-first reader who has not scrolled to the end does not get new entries in the middle', () => {
      const list = oldestWithMore();
      expect(list.upsert(post('z', 26))).toBeUndefined();
      expect(ids(list)).toEqual(['a', 'b', 'c']);
    });

    it('an oldest-first reader at the end of the list gets a new entry appended at the bottom', () => {
      const list = new OrderedList<Post>('oldest');
      list.addPage('oldest', page([post('a', 1), post('b', 2)]), true);
      expect(list.upsert(post('c', 3))).toEqual({ op: 'insert', item: post('c', 3), index: 2 });
      expect(ids(list)).toEqual(['a', 'b', 'c']);
    });

    it('the first live item of an empty but complete list is shown; of an empty unfinished one it is not', () => {
      const complete = new OrderedList<Post>('oldest');
      complete.addPage('oldest', page([]), true);
      expect(complete.upsert(post('a', 1))).toMatchObject({ op: 'insert', index: 0 });
      expect(ids(complete)).toEqual(['a']);

      const unfinished = new OrderedList<Post>('oldest');
      unfinished.addPage('oldest', page([], 'cur'), true);
      expect(unfinished.upsert(post('a', 1))).toBeUndefined();
      expect(ids(unfinished)).toEqual([]);
    });

    it('a live change before any page is loaded is not shown (the first page brings it)', () => {
      const list = new OrderedList<Post>('newest');
      expect(list.upsert(post('a', 1))).toBeUndefined();
      expect(list.remove('a')).toBeUndefined();
      expect(list.items).toEqual([]);
    });

    it('an edit replaces the item where it is and is reported as an update at its index', () => {
      const list = newestWithMore();
      const edited = post('d', 4, 6, { body: 'edited' });
      expect(list.upsert(edited)).toEqual({ op: 'update', item: edited, index: 1 });
      expect(ids(list)).toEqual(['e', 'd', 'c']);
      expect(list.get('d')).toBe(edited);
    });

    it('an edit of the oldest loaded item of an unfinished list is applied (it is loaded, so it is in range)', () => {
      const list = oldestWithMore();
      const edited = post('c', 3, 7, { body: 'edited' });
      expect(list.upsert(edited)).toEqual({ op: 'update', item: edited, index: 2 });
    });

    it('an older copy of an item never replaces a newer one, and nothing is reported', () => {
      const list = newestWithMore();
      list.upsert(post('d', 4, 9, { body: 'newest text' }));
      expect(list.upsert(post('d', 4, 8, { body: 'stale text' }))).toBeUndefined();
      expect(list.get('d')).toMatchObject({ rev: 9, body: 'newest text' });
      expect(ids(list)).toEqual(['e', 'd', 'c']);
    });

    it('the top item too: an older copy does not replace it, an edit is an update at 0', () => {
      const list = newestWithMore();
      expect(list.upsert(post('e', 5, 9, { body: 'edited' }))).toEqual({ op: 'update', item: post('e', 5, 9, { body: 'edited' }), index: 0 });
      expect(list.upsert(post('e', 5, 6, { body: 'stale' }))).toBeUndefined();
      expect(list.get('e')).toMatchObject({ rev: 9, body: 'edited' });
    });

    it('a deleted entry leaves the list and the removal names the index it had', () => {
      const list = newestWithMore();
      const op = list.remove('d');
      expect(op).toEqual({ op: 'remove', item: post('d', 4), index: 1 });
      expect(ids(list)).toEqual(['e', 'c']);
      expect(list.get('d')).toBeUndefined();
    });

    it('removing an item the list does not hold changes nothing and reports nothing', () => {
      const list = newestWithMore();
      expect(list.remove('nope')).toBeUndefined();
      expect(ids(list)).toEqual(['e', 'd', 'c']);
    });

    it('a deleted chat message stays as a tombstone in its place', () => {
      // Chat keeps tombstones: list-view upserts the deleted copy instead of removing it.
      const list = newestWithMore();
      const tombstone = post('d', 4, 7, { body: '', deletedAt: '2026-01-01T00:00:00.000Z' });
      expect(list.upsert(tombstone)).toEqual({ op: 'update', item: tombstone, index: 1 });
      expect(ids(list)).toEqual(['e', 'd', 'c']);
      expect(list.get('d')?.deletedAt).not.toBeNull();
    });

    it('an entry that is pinned leaves the list and comes back to its place when unpinned', () => {
      // list-view removes pinned items (they show apart) and upserts them again once unpinned.
      const list = newestWithMore();
      expect(list.remove('d')).toMatchObject({ op: 'remove', index: 1 });
      expect(ids(list)).toEqual(['e', 'c']);
      expect(list.upsert(post('d', 4, 8))).toMatchObject({ op: 'insert', index: 1 });
      expect(ids(list)).toEqual(['e', 'd', 'c']);
    });

    it.each(['newest', 'oldest'] as const)(
      'a list shown %s first and not loaded to its end gets its last loaded entry back when it is unpinned',
      (order) => {
        // The next page starts after the last loaded seq (the cursor): if the entry does not
        // come back live, it is gone until the reader reloads.
        const list = order === 'newest' ? newestWithMore() : oldestWithMore();
        const last = list.items[list.items.length - 1];
        expect(list.remove(last.id)).toMatchObject({ op: 'remove', index: 2 });
        expect(list.upsert({ ...last, rev: last.rev + 10 })).toMatchObject({ op: 'insert', index: 2 });
        expect(list.items.map((i) => i.id)).toEqual(order === 'newest' ? ['e', 'd', 'c'] : ['a', 'b', 'c']);
      },
    );

    it.each(['newest', 'oldest'] as const)(
      'a %s-first page given out of order reaches to its furthest item, wherever that came in the page',
      (order) => {
        const list = new OrderedList<Post>(order);
        const furthest = order === 'newest' ? post('a', 1) : post('c', 3);
        const others = order === 'newest' ? [post('c', 3), post('b', 2)] : [post('a', 1), post('b', 2)];
        list.addPage(order, page([others[0], furthest, others[1]], 'cur-1'), true);
        list.remove(furthest.id);
        expect(list.upsert({ ...furthest, rev: 9 })).toMatchObject({ op: 'insert', index: 2 });
      },
    );

    it('get finds the current copy of an item in whichever order holds it', () => {
      const list = newestWithMore();
      list.addPage('oldest', page([post('a', 1), post('b', 2)], 'cur-o'), true);
      expect(list.get('e')?.seq).toBe(5);
      expect(list.get('a')?.seq).toBe(1);
      expect(list.get('zz')).toBeUndefined();
    });
  });

  describe('both orders', () => {
    it('the other order of an unfinished list has to be fetched', () => {
      const list = newestWithMore();
      expect(list.has('oldest')).toBe(false);
      list.order = 'oldest';
      expect(list.items).toEqual([]);
      expect(list.hasMore).toBe(true);
    });

    it('once one order is loaded to its end, the other is its reverse without a request', () => {
      const list = new OrderedList<Post>('newest');
      list.addPage('newest', page([post('c', 3), post('b', 2), post('a', 1)]), true);
      expect(list.has('oldest')).toBe(true);
      list.order = 'oldest';
      expect(ids(list)).toEqual(['a', 'b', 'c']);
      expect(list.hasMore).toBe(false);
      expect(list.cursor).toBeNull();
      // The derived order is its own copy: reading it did not reverse the newest-first one.
      list.order = 'newest';
      expect(ids(list)).toEqual(['c', 'b', 'a']);
    });

    it('a live change right after switching to the derived order is reported in that order', () => {
      // setOrder() only sets `order` when the other order is complete: nothing has read the
      // derived order yet when the next change arrives.
      const list = new OrderedList<Post>('newest');
      list.addPage('newest', page([post('c', 3), post('b', 2), post('a', 1)]), true);
      list.order = 'oldest';
      expect(list.upsert(post('d', 4))).toEqual({ op: 'insert', item: post('d', 4), index: 3 });
      expect(list.remove('a')).toEqual({ op: 'remove', item: post('a', 1), index: 0 });
      expect(ids(list)).toEqual(['b', 'c', 'd']);
      list.order = 'newest';
      expect(ids(list)).toEqual(['d', 'c', 'b']);
    });

    it('once the oldest-first order is complete, newest-first is its reverse without a request', () => {
      const list = new OrderedList<Post>('oldest');
      list.addPage('oldest', page([post('a', 1), post('b', 2), post('c', 3)]), true);
      expect(list.has('newest')).toBe(true);
      list.order = 'newest';
      expect(ids(list)).toEqual(['c', 'b', 'a']);
      expect(list.hasMore).toBe(false);
    });

    it('switching back and forth keeps each order’s loaded run and cursor', () => {
      const list = newestWithMore();
      list.addPage('oldest', page([post('a', 1), post('b', 2)], 'cur-o'), true);
      list.order = 'oldest';
      expect(ids(list)).toEqual(['a', 'b']);
      expect(list.cursor).toBe('cur-o');
      list.order = 'newest';
      expect(ids(list)).toEqual(['e', 'd', 'c']);
      expect(list.cursor).toBe('cur-1');
      expect(list.has('newest') && list.has('oldest')).toBe(true);
    });

    it('with both orders partly loaded, a new entry lands only at the newest end', () => {
      const list = newestWithMore();
      list.addPage('oldest', page([post('a', 1), post('b', 2)], 'cur-o'), true);
      expect(list.upsert(post('f', 6))).toMatchObject({ op: 'insert', index: 0 });
      list.order = 'oldest';
      expect(ids(list)).toEqual(['a', 'b']);
    });

    it('a change only the other order holds updates it there and reports nothing for the current one', () => {
      const list = newestWithMore();
      list.addPage('oldest', page([post('a', 1), post('b', 2)], 'cur-o'), true);
      expect(list.upsert(post('a', 1, 9, { body: 'edited' }))).toBeUndefined();
      expect(list.get('a')?.body).toBe('edited');
      expect(list.remove('b')).toBeUndefined();
      list.order = 'oldest';
      expect(ids(list)).toEqual(['a']);
    });

    it('an edit and a removal of an item loaded in both orders reach both, with each order’s index', () => {
      const list = new OrderedList<Post>('oldest');
      list.addPage('newest', page([post('c', 3), post('b', 2), post('a', 1)]), true);
      list.addPage('oldest', page([post('a', 1), post('b', 2), post('c', 3)]), true);
      expect(list.upsert(post('c', 3, 5, { body: 'edited' }))).toMatchObject({ op: 'update', index: 2 });
      list.order = 'newest';
      expect(list.items[0].body).toBe('edited');
      expect(list.remove('c')).toMatchObject({ op: 'remove', index: 0 });
      list.order = 'oldest';
      expect(ids(list)).toEqual(['a', 'b']);
    });
  });
});
