import type { Change, Entry, Ticker } from '@liveticker/schemas';
import { ListView } from './list-view';
import type { ListViewChange, ListViewOptions } from './list-view';
import type { LivetickerError } from './rest';
import type { LivetickerClient } from './client';

export type TickerViewChange = ListViewChange<Entry, { op: 'ticker'; ticker: Ticker }>;

export interface TickerViewEvents extends Record<string, unknown> {
  change: TickerViewChange;
  error: LivetickerError;
}

export type TickerViewOptions = ListViewOptions;

/**
 * A live, ordered view of one ticker: first page, `loadMore()`, live inserts, edits, deletes and
 * pins placed where they belong for the chosen order, gaps and reconnects healed from `lastRev`.
 * Render from `entries`, `pinned` and `ticker`, on every `change` event.
 */
export class TickerView extends ListView<Entry, TickerViewEvents> {
  ticker: Ticker | undefined;
  protected keepsTombstones = false;

  constructor(client: LivetickerClient, id: string, opts: TickerViewOptions = {}) {
    super(client, id, `ticker:${id}`, `/tickers/${id}/entries`, opts);
  }

  /** Entries in the chosen order, pinned ones excluded (see `pinned`). */
  get entries(): Entry[] {
    return this.items;
  }

  protected override async loadExtra(): Promise<void> {
    const ticker = await this.client.rest.get<Ticker>(`/tickers/${this.id}`);
    if (!this.ticker || this.ticker.rev < ticker.rev) this.ticker = ticker;
  }

  protected isItemChange(change: Change): boolean {
    return change.type === 'entry.created' || change.type === 'entry.updated' || change.type === 'entry.deleted';
  }

  protected override onOtherChange(change: Change): void {
    if (change.type !== 'ticker.updated') return;
    if (this.ticker && this.ticker.rev >= change.data.rev) return;
    this.ticker = change.data;
    this.emitChange('change', { op: 'ticker', ticker: change.data });
  }
}
