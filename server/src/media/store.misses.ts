import type { MediaStore, StoredFile } from './store';

/** How many missing keys a node remembers; past it the least recently asked go first. */
export const MISS_CACHE_MAX = 10_000;
/** How long a missing key is remembered, ms. */
export const MISS_CACHE_TTL_MS = 60_000;

/**
 * Keys remembered for a while (each for `ttlMs` from when it was added), at most `max` of them:
 * a bounded LRU (a Map keeps insertion order; a hit moves its key to the end).
 */
export class MissCache {
  private readonly expires = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly opts: { max: number; ttlMs: number; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  has(key: string): boolean {
    const until = this.expires.get(key);
    if (until === undefined) return false;
    this.expires.delete(key);
    if (until <= this.now()) return false;
    this.expires.set(key, until);
    return true;
  }

  add(key: string): void {
    this.expires.delete(key);
    this.expires.set(key, this.now() + this.opts.ttlMs);
    while (this.expires.size > this.opts.max) this.expires.delete(this.expires.keys().next().value!);
  }

  delete(key: string): void {
    this.expires.delete(key);
  }

  get size(): number {
    return this.expires.size;
  }
}

/**
 * A store that remembers, for a while, which keys it does not have: a flood of guessed keys asks
 * the store (with a bucket: one GET each) once per key per minute, not once per request. Keys are
 * random and handed out only after their file is stored, so nobody asks for a key before it
 * exists; a key this node stores is forgotten as a miss all the same.
 */
export class MissCachingStore implements MediaStore {
  constructor(
    private readonly inner: MediaStore,
    readonly misses = new MissCache({ max: MISS_CACHE_MAX, ttlMs: MISS_CACHE_TTL_MS }),
  ) {}

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.inner.put(key, data, contentType);
    this.misses.delete(key);
  }

  async open(key: string): Promise<StoredFile | undefined> {
    if (this.misses.has(key)) return undefined;
    const file = await this.inner.open(key);
    if (!file) this.misses.add(key);
    return file;
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  close(): void {
    this.inner.close();
  }
}
