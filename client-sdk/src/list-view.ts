import type { Change, Order } from '@liveticker/schemas';
import { Emitter } from './emitter';
import { OrderedList } from './ordered';
import type { Item, ListOp } from './ordered';
import { LivetickerError } from './rest';
import type { ViewHost } from './host';
import { isTransient } from './streams';
import type { StreamSync } from './streams';

export interface PinnableItem extends Item {
  pinned: boolean;
  deletedAt: string | null;
}

export interface ListPage<T> {
  items: T[];
  pinned: T[];
  nextCursor: string | null;
}

export type ListViewChange<T, Extra = never> =
  | ListOp<T>
  | { op: 'pinned'; pinned: T[] }
  /** The whole list changed (first load, order switch, more loaded): render anew. */
  | { op: 'reset' }
  | Extra;

export interface ListViewOptions {
  order?: Order;
  /** Items per page, 1–100. */
  pageSize?: number;
}

/** A first page read at or after the stream position `(epoch, rev)` (a server-rendered page's). */
export interface ListStart<T> {
  rev: number;
  epoch: string;
  page: ListPage<T>;
}

/**
 * The engine under the ticker and chat views: follows one stream, loads pages in either order,
 * and places every live change where it belongs — inserts, edits, deletes and pins — using the
 * item's `rev` so an older copy never replaces a newer one.
 */
export abstract class ListView<T extends PinnableItem, Events extends { change: unknown; error: LivetickerError }> extends Emitter<Events> {
  pinned: T[] = [];
  /** Resolves once the first page is there. */
  readonly ready: Promise<void>;
  /** Started from a page read elsewhere (a server-rendered one): no first-page request. */
  readonly hydrated: boolean;
  protected list: OrderedList<T>;
  protected sync: StreamSync | undefined;
  private readonly pageSize: number;
  /** Latest copy of every item a change told us about (pages in flight may be older). */
  private readonly latest = new Map<string, T>();
  private loaded = false;
  private closed = false;
  private queued: Change[] = [];
  private loading: Promise<void> | undefined;

  protected constructor(
    protected readonly client: ViewHost,
    readonly id: string,
    private readonly stream: string,
    private readonly listPath: string,
    opts: ListViewOptions,
    initial?: ListStart<T>,
  ) {
    super();
    this.list = new OrderedList<T>(opts.order ?? 'newest');
    this.pageSize = opts.pageSize ?? 20;
    this.hydrated = initial !== undefined;
    this.ready = initial ? this.hydrate(initial) : this.start();
    this.ready.catch((err: LivetickerError) => this.emitChange('error', err));
  }

  /** A deleted item leaves the list (entries) or stays as a tombstone (chat messages). */
  protected abstract keepsTombstones: boolean;
  /** Loads what the view shows beside the list (e.g. the ticker), with the first page. */
  protected async loadExtra(): Promise<void> {}
  /** Changes that are not about the list's items. */
  protected onOtherChange(_change: Change): void {}
  /** Every newer version of an item, loaded or not, before the list places it. */
  protected onItem(_item: T): void {}
  /** Whether a change carries one of this list's items. */
  protected abstract isItemChange(change: Change): boolean;

  protected emitChange<K extends keyof Events>(event: K, value: Events[K]): void {
    this.emit(event as never, value as never);
  }

  get order(): Order {
    return this.list.order;
  }
  /** Items in the chosen order, pinned ones excluded (see `pinned`). */
  get items(): T[] {
    return this.list.items;
  }
  get hasMore(): boolean {
    return this.list.hasMore;
  }
  /** The stream revision this view reflects. */
  get rev(): number {
    return this.sync?.lastRev ?? -1;
  }

  /**
   * Takes the stream's position first (so every later change is heard), then the first page.
   * While the server cannot be reached this keeps trying (the client reports its status), so a
   * view opened during an outage comes alive when the server does; a final refusal (an unknown
   * ticker) rejects `ready`.
   */
  private async start(): Promise<void> {
    this.sync = this.client.follow(
      this.stream,
      (changes) => this.onChanges(changes),
      (err) => this.emitChange('error', err),
      () => void this.restart(),
    );
    for (let attempt = 0; ; attempt++) {
      if (this.closed || this.client.isClosed) return;
      try {
        if (this.sync.lastRev < 0) {
          await (this.client.isPolling ? this.sync.poll() : this.sync.sync());
          // A final refusal (an unknown ticker) rejects `ready`; anything else is tried again.
          if (this.sync.refusal) throw this.sync.refusal;
          if (this.sync.lastRev < 0) throw new LivetickerError('unavailable', 'not connected yet');
        }
        await this.loadFirst();
        return;
      } catch (err) {
        if (!isTransient(err)) throw err;
        await this.client.waitToRetry(attempt);
      }
    }
  }

  /**
   * Takes over a first page someone else read (the server, rendering the page) instead of asking
   * for it: the stream is followed from that page's position, so every change after it comes as a
   * catch-up (a change the page already shows is recognised by its rev and placed no second time).
   */
  private async hydrate(initial: ListStart<T>): Promise<void> {
    // Subclass fields and the caller's listeners come first: they are set after this constructor.
    await Promise.resolve();
    if (this.closed) return;
    this.sync = this.client.follow(
      this.stream,
      (changes) => this.onChanges(changes),
      (err) => this.emitChange('error', err),
      () => void this.restart(),
    );
    this.sync.lastRev = initial.rev;
    this.sync.epoch = initial.epoch;
    this.takeFirst(initial.page);
    void (this.client.isPolling ? this.sync.poll() : this.sync.sync());
  }

  private async loadFirst(): Promise<void> {
    const [page] = await Promise.all([this.fetchPage(this.list.order, null), this.loadExtra()]);
    if (this.closed) return;
    this.takeFirst(page);
  }

  private takeFirst(page: ListPage<T>): void {
    this.pinned = this.fresh(page.pinned).filter((e) => e.pinned).sort((a, b) => b.seq - a.seq);
    this.list.addPage(this.list.order, { items: this.fresh(page.items), nextCursor: page.nextCursor }, true);
    this.loaded = true;
    const queued = this.queued;
    this.queued = [];
    for (const change of queued) this.applyChange(change);
    this.emitChange('change', { op: 'reset' } as Events['change']);
  }

  /**
   * The stream's history changed under us (database restored, ticker recreated): what the view
   * holds may be wrong, so it is dropped and loaded afresh from the new position.
   */
  private restarting: Promise<void> = Promise.resolve();

  /** Resets run one after another: an overlapping one would replace a list already updated. */
  private restart(): Promise<void> {
    this.restarting = this.restarting.then(() => this.reload());
    return this.restarting;
  }

  private async reload(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.list = new OrderedList<T>(this.list.order);
    this.pinned = [];
    this.latest.clear();
    this.loaded = false;
    this.queued = [];
    for (let attempt = 0; !this.closed && !this.client.isClosed; attempt++) {
      try {
        await this.loadFirst();
        return;
      } catch (err) {
        if (!isTransient(err)) return this.emitChange('error', err as LivetickerError);
        await this.client.waitToRetry(attempt);
      }
    }
  }

  private fetchPage(order: Order, cursor: string | null): Promise<ListPage<T>> {
    return this.client.rest.get<ListPage<T>>(this.listPath, { order, limit: this.pageSize, cursor: cursor ?? undefined });
  }

  /** Swaps page items for newer copies live changes brought; drops deleted (unless kept) and pinned ones. */
  private fresh(items: T[]): T[] {
    return items
      .map((e) => {
        const newer = this.latest.get(e.id);
        return newer && newer.rev > e.rev ? newer : e;
      })
      .filter((e) => this.keepsTombstones || !e.deletedAt);
  }

  /** Loads the next page in the current order; resolves false when there is no more. */
  async loadMore(): Promise<boolean> {
    await this.ready;
    if (this.loading) await this.loading;
    if (!this.list.hasMore) return false;
    const order = this.list.order;
    this.loading = (async () => {
      const page = await this.fetchPage(order, this.list.cursor);
      this.list.addPage(order, { items: this.fresh(page.items).filter((e) => !e.pinned), nextCursor: page.nextCursor }, false);
    })();
    try {
      await this.loading;
    } finally {
      this.loading = undefined;
    }
    this.emitChange('change', { op: 'reset' } as Events['change']);
    return true;
  }

  /** Switches between newest-first and oldest-first; fetches only a page it never loaded. */
  async setOrder(order: Order): Promise<void> {
    await this.ready;
    if (order === this.list.order) return;
    if (!this.list.has(order)) {
      const page = await this.fetchPage(order, null);
      this.list.addPage(order, { items: this.fresh(page.items).filter((e) => !e.pinned), nextCursor: page.nextCursor }, true);
    }
    this.list.order = order;
    this.emitChange('change', { op: 'reset' } as Events['change']);
  }

  private onChanges(changes: Change[]): void {
    for (const change of changes) {
      if (!this.loaded) this.queued.push(change);
      else this.applyChange(change);
    }
  }

  private applyChange(change: Change): void {
    if (!this.isItemChange(change)) {
      this.onOtherChange(change);
      return;
    }
    const item = change.data as unknown as T;
    const known = this.latest.get(item.id) ?? this.list.get(item.id) ?? this.pinned.find((p) => p.id === item.id);
    if (known && known.rev >= item.rev) return;
    this.latest.set(item.id, item);
    this.onItem(item);

    const wasPinned = this.pinned.some((p) => p.id === item.id);
    if (wasPinned) this.pinned = this.pinned.filter((p) => p.id !== item.id);
    const nowPinned = !item.deletedAt && item.pinned;
    if (nowPinned) this.pinned = [...this.pinned, item].sort((a, b) => b.seq - a.seq);
    if (wasPinned || nowPinned) this.emitChange('change', { op: 'pinned', pinned: this.pinned } as Events['change']);

    const leaves = nowPinned || (item.deletedAt && !this.keepsTombstones);
    const op = leaves ? this.list.remove(item.id) : this.list.upsert(item);
    if (op) this.emitChange('change', op as Events['change']);
  }

  close(): void {
    this.closed = true;
    if (this.sync) this.client.unfollow(this.sync);
    this.removeAllListeners();
  }
}
