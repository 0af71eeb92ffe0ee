/**
 * Work under way on this node by key: a caller with the key of work still running gets that work's
 * promise instead of starting it again (a client's retry arriving while its first try is being
 * written: it must get the first try's answer, and must not count against the limits a second
 * time). Across nodes the database's unique index is the last word.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** `work`'s promise, or the one already under way for `key` (`first` false). */
  run(key: string, work: () => Promise<T>): { promise: Promise<T>; first: boolean } {
    const under = this.running.get(key);
    if (under) return { promise: under, first: false };
    const promise = work().finally(() => this.running.delete(key));
    this.running.set(key, promise);
    return { promise, first: true };
  }
}
