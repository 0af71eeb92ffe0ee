import type { Card, CardList, Change, Entry, KeyEventList, Ticker, TickerSnapshot } from '@liveticker/schemas';
import { tickerStream } from '@liveticker/schemas/wire';
import { ListView } from './list-view';
import type { ListViewChange, ListViewOptions } from './list-view';
import type { LivetickerError } from './rest';
import type { ViewHost } from './host';

export type TickerViewChange = ListViewChange<Entry, { op: 'ticker'; ticker: Ticker } | { op: 'key-events'; keyEvents: Entry[] } | { op: 'cards'; cards: Card[]; card: Card }>;

/** How many key events the view keeps (the latest ones). */
const KEY_EVENTS = 20;

export interface TickerViewEvents extends Record<string, unknown> {
  change: TickerViewChange;
  error: LivetickerError;
}

export interface TickerViewOptions extends ListViewOptions {
  /**
   * What a server-rendered ticker showed (its `data-liveticker-state`): the view starts from it
   * and goes live from its revision instead of asking for the first page, the ticker and its key
   * events again. Ignored when it is for another ticker or order.
   */
  snapshot?: TickerSnapshot;
}

/**
 * A live, ordered view of one ticker: first page, `loadMore()`, live inserts, edits, deletes and
 * pins placed where they belong for the chosen order, gaps and reconnects healed from `lastRev`.
 * Render from `entries`, `pinned` and `ticker`, on every `change` event.
 */
export class TickerView extends ListView<Entry, TickerViewEvents> {
  ticker: Ticker | undefined;
  /** The ticker's latest key events (entries of kind `key-event`), newest first, kept live. */
  keyEvents: Entry[] = [];
  /** The ticker's cards (scores, results, tables), pinned ones first, kept live. */
  cards: Card[] = [];
  /** The newest version seen of each card, deleted ones included (an older state never wins). */
  private readonly cardVersions = new Map<string, number>();
  protected keepsTombstones = false;

  constructor(client: ViewHost, id: string, opts: TickerViewOptions = {}) {
    const snap = opts.snapshot && opts.snapshot.ticker.id === id && opts.snapshot.order === (opts.order ?? 'newest') ? opts.snapshot : undefined;
    super(client, id, tickerStream(id), `/tickers/${id}/entries`, opts, snap && { rev: snap.rev, epoch: snap.epoch, page: snap });
    if (snap) {
      this.ticker = snap.ticker;
      this.keyEvents = snap.keyEvents.slice(0, KEY_EVENTS);
      for (const card of snap.cards ?? []) this.placeCard(card);
    }
  }

  /** Entries in the chosen order, pinned ones excluded (see `pinned`). */
  get entries(): Entry[] {
    return this.items;
  }

  protected override async loadExtra(): Promise<void> {
    const [ticker, keys, cards] = await Promise.all([
      this.client.rest.get<Ticker>(`/tickers/${this.id}`),
      this.client.rest.get<KeyEventList>(`/tickers/${this.id}/key-events`, { limit: String(KEY_EVENTS) }),
      this.client.rest.get<CardList>(`/tickers/${this.id}/cards`),
    ]);
    if (!this.ticker || this.ticker.rev < ticker.rev) this.ticker = ticker;
    // Loaded afresh (also after a reset: another history's versions must not hold old cards back).
    this.cards = [];
    this.cardVersions.clear();
    for (const card of cards.items) this.placeCard(card);
    // Changes heard meanwhile wait in the view's queue and are placed after this.
    this.keyEvents = keys.items;
  }

  protected override onItem(item: Entry): void {
    if (this.placeKeyEvent(item)) this.emitChange('change', { op: 'key-events', keyEvents: this.keyEvents });
  }

  /** Puts a newer version of an entry into (or out of) the key events; says whether they changed. */
  private placeKeyEvent(item: Entry): boolean {
    const at = this.keyEvents.findIndex((e) => e.id === item.id);
    if (at >= 0 && this.keyEvents[at].rev >= item.rev) return false;
    const isKey = item.kind === 'key-event' && !item.deletedAt;
    if (at < 0 && !isKey) return false;
    const rest = this.keyEvents.filter((e) => e.id !== item.id);
    this.keyEvents = (isKey ? [...rest, item].sort((a, b) => b.seq - a.seq) : rest).slice(0, KEY_EVENTS);
    return true;
  }

  protected isItemChange(change: Change): boolean {
    return change.type === 'entry.created' || change.type === 'entry.updated' || change.type === 'entry.deleted';
  }

  /** Puts a card's newer state in (or a deleted one out); says whether the cards changed. */
  private placeCard(card: Card): boolean {
    if ((this.cardVersions.get(card.id) ?? 0) >= card.version) return false;
    this.cardVersions.set(card.id, card.version);
    const rest = this.cards.filter((c) => c.id !== card.id);
    this.cards = card.deletedAt ? rest : [...rest, card].sort((a, b) => Number(b.pinned) - Number(a.pinned) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return true;
  }

  /** The cards attached to an entry (shown inside it). */
  cardsOf(entryId: string): Card[] {
    return this.cards.filter((c) => c.entryId === entryId);
  }

  protected override onOtherChange(change: Change): void {
    if (change.type === 'card.updated' || change.type === 'card.deleted') {
      if (this.placeCard(change.data)) this.emitChange('change', { op: 'cards', cards: this.cards, card: change.data });
      return;
    }
    if (change.type !== 'ticker.updated') return;
    if (this.ticker && this.ticker.rev >= change.data.rev) return;
    this.ticker = change.data;
    this.emitChange('change', { op: 'ticker', ticker: change.data });
  }
}
