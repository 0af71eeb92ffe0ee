import { Readable } from 'node:stream';
import { MissCache, MissCachingStore } from '../../server/src/media/store.misses';
import type { MediaStore, StoredFile } from '../../server/src/media/store';

describe('MissCache (keys a store does not have, for a while, at most so many)', () => {
  let now = 0;
  const cache = (max = 3, ttlMs = 1000) => new MissCache({ max, ttlMs, now: () => now });
  beforeEach(() => {
    now = 1_000_000;
  });

  it('remembers a key for its time, then forgets it; a hit does not make it live longer', () => {
    const c = cache();
    c.add('a');
    now += 600;
    expect(c.has('a')).toBe(true);
    now += 399;
    expect(c.has('a')).toBe(true);
    now += 1;
    expect(c.has('a')).toBe(false);
    expect(c.size).toBe(0);
  });

  it('keeps at most `max` keys: the least recently asked one goes first', () => {
    const c = cache(3);
    c.add('a');
    c.add('b');
    c.add('c');
    expect(c.has('a')).toBe(true); // a is the most recent now
    c.add('d');
    expect(c.size).toBe(3);
    expect([c.has('a'), c.has('b'), c.has('c'), c.has('d')]).toEqual([true, false, true, true]);
  });

  it('adding a key again renews it; deleting forgets it', () => {
    const c = cache();
    c.add('a');
    now += 900;
    c.add('a');
    now += 900;
    expect(c.has('a')).toBe(true);
    c.delete('a');
    expect(c.has('a')).toBe(false);
  });
});

describe('MissCachingStore', () => {
  function fakeStore(files: Set<string>) {
    const opened: string[] = [];
    const store: MediaStore = {
      async put(key) {
        files.add(key);
      },
      async open(key): Promise<StoredFile | undefined> {
        opened.push(key);
        return files.has(key) ? { body: Readable.from([]) } : undefined;
      },
      async delete(key) {
        files.delete(key);
      },
      close() {},
    };
    return { store, opened };
  }

  it('asks the store once per missing key, every time for keys it has, and again for a key it stored since', async () => {
    const { store, opened } = fakeStore(new Set(['there-640.jpg']));
    const cached = new MissCachingStore(store, new MissCache({ max: 10, ttlMs: 60_000 }));
    expect(await cached.open('nope-640.jpg')).toBeUndefined();
    expect(await cached.open('nope-640.jpg')).toBeUndefined();
    expect(await cached.open('there-640.jpg')).toBeDefined();
    expect(await cached.open('there-640.jpg')).toBeDefined();
    expect(opened).toEqual(['nope-640.jpg', 'there-640.jpg', 'there-640.jpg']);
    await cached.put('nope-640.jpg', Buffer.from('x'), 'image/jpeg');
    expect(await cached.open('nope-640.jpg')).toBeDefined();
  });

  it('does not remember a failure of the store as a miss', async () => {
    const { store } = fakeStore(new Set());
    let down = true;
    const flaky: MediaStore = { ...store, open: async (key) => (down ? Promise.reject(new Error('unavailable')) : store.open(key)) };
    const cached = new MissCachingStore(flaky, new MissCache({ max: 10, ttlMs: 60_000 }));
    await expect(cached.open('k-640.jpg')).rejects.toThrow('unavailable');
    down = false;
    await store.put('k-640.jpg', Buffer.from('x'), 'image/jpeg');
    expect(await cached.open('k-640.jpg')).toBeDefined();
  });
});
