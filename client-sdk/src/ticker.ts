import type { Change, Entry, EntryList, Order, Ticker } from '@liveticker/schemas';
import { Emitter } from './emitter';
import { OrderedList } from './ordered';
import type { ListOp } from './ordered';
import type { LivetickerError } from './rest';
import type { LivetickerClient } from './client';
import type { StreamSync } from './streams';

export type TickerViewChange =
  | ListOp<Entry>
  | { op: 'pinned'; pinned: Entry[] }
  | { op: 'ticker'; ticker: Ticker }
  /** The whole list changed (first load, order switch): render `view.entries` anew. */
  | { op: 'reset' };

export interface TickerViewEvents extends Record<string, unknown> {
  change: TickerViewChange;
  error: LivetickerError;
}

export interface TickerViewOptions {
  order?: Order;
  /** Entries per page, 1–100. */
  pageSize?: number;
}

/**
 * A live, ordered view of one ticker: first page, `loadMore()`, live inserts, edits, deletes and
 * pins placed where they belong for the chosen order, gaps and reconnects healed from `lastRev`.
 * Render from `entries`, `pinned` and `ticker`, on every `change` event.
 */
export class TickerView extends Emitter<TickerViewEvents> {
  ticker: Ticker | undefined;
  pinned: Entry[] = [];
  /** Resolves once the first page is shown. */
  readonly ready: Promise<void>;
  private readonly list: OrderedList<Entry>;
  private readonly pageSize: number;
  private sync!: StreamSync;
  /** Latest copy of every entry a change told us about (pages in flight may be older). */
  private readonly latest = new Map<string, Entry>();
  private loaded = false;
  private queued: Change[] = [];
  private loading: Promise<void> | undefined;

  constructor(
    private readonly client: LivetickerClient,
    readonly id: string,
    opts: TickerViewOptions = {},
  ) {
    super();
    this.list = new OrderedList<Entry>(opts.order ?? 'newest');
    this.pageSize = opts.pageSize ?? 20;
    this.ready = this.start();
    this.ready.catch((err: LivetickerError) => this.emit('error', err));
  }

  get order(): Order {
    return this.list.order;
  }
  /** Entries in the chosen order, pinned ones excluded (see `pinned`). */
  get entries(): Entry[] {
    return this.list.items;
  }
  get hasMore(): boolean {
    return this.list.hasMore;
  }
  /** The stream revision this view reflects. */
  get rev(): number {
    return this.sync.lastRev;
  }

  private async start(): Promise<void> {
    this.sync = this.client.follow(`ticker:${this.id}`, (changes) => this.onChanges(changes), (err) => this.emit('error', err));
    await this.sync.sync();
    const [ticker, page] = await Promise.all([
      this.client.rest.get<Ticker>(`/tickers/${this.id}`),
      this.fetchPage(this.list.order, null),
    ]);
    if (!this.ticker || this.ticker.rev < ticker.rev) this.ticker = ticker;
    this.pinned = this.fresh(page.pinned).filter((e) => e.pinned).sort((a, b) => b.seq - a.seq);
    this.list.addPage(this.list.order, { items: this.fresh(page.items), nextCursor: page.nextCursor }, true);
    this.loaded = true;
    const queued = this.queued;
    this.queued = [];
    for (const change of queued) this.applyChange(change);
    this.emit('change', { op: 'reset' });
  }

  private fetchPage(order: Order, cursor: string | null): Promise<EntryList> {
    return this.client.rest.get<EntryList>(`/tickers/${this.id}/entries`, {
      order,
      limit: this.pageSize,
      cursor: cursor ?? undefined,
    });
  }

  /** Swaps page items for newer copies live changes brought, dropping deleted and pinned ones. */
  private fresh(items: Entry[]): Entry[] {
    return items
      .map((e) => {
        const newer = this.latest.get(e.id);
        return newer && newer.rev > e.rev ? newer : e;
      })
      .filter((e) => !e.deletedAt);
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
    this.emit('change', { op: 'reset' });
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
    this.emit('change', { op: 'reset' });
  }

  private onChanges(changes: Change[]): void {
    for (const change of changes) {
      if (!this.loaded) this.queued.push(change);
      else this.applyChange(change);
    }
  }

  private applyChange(change: Change): void {
    if (change.type === 'ticker.updated') {
      if (this.ticker && this.ticker.rev >= change.data.rev) return;
      this.ticker = change.data;
      this.emit('change', { op: 'ticker', ticker: change.data });
      return;
    }
    if (change.type !== 'entry.created' && change.type !== 'entry.updated' && change.type !== 'entry.deleted') return;
    const entry = change.data;
    const known = this.latest.get(entry.id) ?? this.list.get(entry.id) ?? this.pinned.find((p) => p.id === entry.id);
    if (known && known.rev >= entry.rev) return;
    this.latest.set(entry.id, entry);

    const wasPinned = this.pinned.some((p) => p.id === entry.id);
    if (wasPinned) this.pinned = this.pinned.filter((p) => p.id !== entry.id);
    if (!entry.deletedAt && entry.pinned) {
      this.pinned = [...this.pinned, entry].sort((a, b) => b.seq - a.seq);
    }
    if (wasPinned || (!entry.deletedAt && entry.pinned)) this.emit('change', { op: 'pinned', pinned: this.pinned });

    const op = entry.deletedAt || entry.pinned ? this.list.remove(entry.id) : this.list.upsert(entry);
    if (op) this.emit('change', op);
  }

  close(): void {
    this.client.unfollow(this.sync);
    this.removeAllListeners();
  }
}
