import type { Order } from '@liveticker/schemas';

export interface Item {
  id: string;
  /** Position in the stream: items are ordered by it. */
  seq: number;
  /** Revision of the item's last change: an older copy never replaces a newer one. */
  rev: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface Window<T> {
  /** In display order for its `order`. */
  items: T[];
  cursor: string | null;
  /** Everything up to the far end is loaded. */
  exhausted: boolean;
  /**
   * Seq of the furthest item a page brought: the loaded run reaches this far even after that
   * item left the list (pinned), and the next page starts after it.
   */
  reach?: number;
}

export type ListOp<T> =
  | { op: 'insert'; item: T; index: number }
  | { op: 'update'; item: T; index: number }
  | { op: 'remove'; item: T; index: number };

/**
 * The loaded part of a stream's list, in one or both orders. A window holds a contiguous run
 * from its start (the newest or the oldest item) down to where paging stopped; a live item is
 * placed only where it belongs in that run, never past the unloaded gap.
 */
export class OrderedList<T extends Item> {
  private readonly windows: Partial<Record<Order, Window<T>>> = {};

  constructor(public order: Order) {}

  has(order: Order): boolean {
    return this.windows[order] !== undefined || this.windows[order === 'newest' ? 'oldest' : 'newest']?.exhausted === true;
  }

  /** The items in the current order. */
  get items(): T[] {
    return this.window(this.order)?.items ?? [];
  }

  get hasMore(): boolean {
    const w = this.window(this.order);
    return !w || !w.exhausted;
  }

  get cursor(): string | null {
    return this.window(this.order)?.cursor ?? null;
  }

  /**
   * The window of an order; when only the other order is loaded and complete, it is derived
   * by reversing it (no request).
   */
  private window(order: Order): Window<T> | undefined {
    const own = this.windows[order];
    if (own) return own;
    const other = this.windows[order === 'newest' ? 'oldest' : 'newest'];
    if (other?.exhausted) {
      const derived = { items: [...other.items].reverse(), cursor: null, exhausted: true };
      this.windows[order] = derived;
      return derived;
    }
    return undefined;
  }

  private before(order: Order, a: T, b: T): boolean {
    return order === 'newest' ? a.seq > b.seq : a.seq < b.seq;
  }

  /** Whether an item with this seq lies in the loaded run of a window. */
  private inRange(order: Order, w: Window<T>, seq: number): boolean {
    if (w.exhausted) return true;
    if (w.reach === undefined) return false;
    return order === 'newest' ? seq >= w.reach : seq <= w.reach;
  }

  /** Adds a fetched page to the end of an order's window. */
  addPage(order: Order, page: Page<T>, first: boolean): void {
    let w = this.windows[order];
    if (first || !w) this.windows[order] = w = { items: [], cursor: null, exhausted: false };
    const seen = new Map(w.items.map((i) => [i.id, i]));
    for (const item of page.items) {
      if (w.reach === undefined || (order === 'newest' ? item.seq < w.reach : item.seq > w.reach)) w.reach = item.seq;
      const known = seen.get(item.id);
      if (known && known.rev >= item.rev) continue;
      this.placeIn(order, w, item);
      seen.set(item.id, item);
    }
    w.cursor = page.nextCursor;
    w.exhausted = page.nextCursor === null;
  }

  private placeIn(order: Order, w: Window<T>, item: T): void {
    const at = w.items.findIndex((i) => i.id === item.id);
    if (at >= 0) w.items.splice(at, 1);
    let index = w.items.findIndex((i) => this.before(order, item, i));
    if (index < 0) index = w.items.length;
    w.items.splice(index, 0, item);
  }

  /** Current copy of an item, if loaded in any window. */
  get(id: string): T | undefined {
    for (const w of Object.values(this.windows)) {
      // Stryker disable next-line OptionalChaining: a window key is never set to undefined
      const found = w?.items.find((i) => i.id === id);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Inserts or replaces an item in every window whose loaded run covers it; returns what changed
   * in the current order.
   */
  upsert(item: T): ListOp<T> | undefined {
    // A current order derived from the other one must exist before the change: derived after
    // it, it would hold the change but the op for it would be lost.
    this.window(this.order);
    let op: ListOp<T> | undefined;
    for (const order of ['newest', 'oldest'] as const) {
      const w = this.windows[order];
      if (!w) continue;
      const at = w.items.findIndex((i) => i.id === item.id);
      if (at >= 0 && w.items[at].rev > item.rev) continue;
      if (at < 0 && !this.inRange(order, w, item.seq)) continue;
      this.placeIn(order, w, item);
      if (order === this.order) {
        const index = w.items.findIndex((i) => i.id === item.id);
        op = { op: at >= 0 ? 'update' : 'insert', item, index };
      }
    }
    return op;
  }

  remove(id: string): ListOp<T> | undefined {
    this.window(this.order); // as in upsert
    let op: ListOp<T> | undefined;
    for (const order of ['newest', 'oldest'] as const) {
      const w = this.windows[order];
      // Stryker disable next-line UnaryOperator: without a window `at` is never read (!w first)
      const at = w?.items.findIndex((i) => i.id === id) ?? -1;
      if (!w || at < 0) continue;
      const [item] = w.items.splice(at, 1);
      if (order === this.order) op = { op: 'remove', item, index: at };
    }
    return op;
  }
}
