import type { Change, InboxItem, InboxList, User } from '@liveticker/schemas';
import { userStream } from '@liveticker/schemas/wire';
import { Emitter } from './emitter';
import { LivetickerError } from './rest';
import type { ViewHost } from './host';
import { isTransient } from './streams';
import type { StreamSync } from './streams';
import { appendPage, isOlder, mergeItem, placeItem, readUpTo, removeItem } from './inbox-order';

/**
 * What changed in the reader's chats: `update` a chat's item (`from` its old index, -1 when it is
 * new to the list; `to` its new one), `remove` one the reader left, `reset` the whole list.
 */
export type InboxViewChange = { op: 'update'; item: InboxItem; from: number; to: number } | { op: 'remove'; tickerId: string; index: number } | { op: 'reset' };

export interface InboxViewEvents extends Record<string, unknown> {
  change: InboxViewChange;
  error: LivetickerError;
}

export interface InboxViewOptions {
  /** The reader's user id, when known (else `GET /me` asks). */
  userId?: string;
  /** Chats per page, 1–100 (default 20). */
  pageSize?: number;
}

/**
 * A live view of the logged-in reader's chats ("Chats"): every chat they wrote in, newest
 * activity first, with the story's title, its status, the last message, unread counts and
 * replies to them. It follows the reader's own stream (`user:<id>`), so a chat with new activity
 * moves to the top as it happens, and a reconnect catches up like every other view.
 * Render from `items` on every `change`; `markRead` and `leave` change the reader's inbox.
 */
export class InboxView extends Emitter<InboxViewEvents> {
  items: InboxItem[] = [];
  /** Resolves once the first page is there; rejects when the reader is not logged in. */
  readonly ready: Promise<void>;
  private sync: StreamSync | undefined;
  private cursor: string | null = null;
  private loaded = false;
  private closed = false;
  private queued: Change[] = [];
  private readonly pageSize: number;

  constructor(
    private readonly client: ViewHost,
    opts: InboxViewOptions = {},
  ) {
    super();
    this.pageSize = opts.pageSize ?? 20;
    this.ready = this.start(opts.userId);
    this.ready.catch((err: LivetickerError) => this.emit('error', err));
  }

  /** More chats than those loaded: `loadMore()` brings the next page. */
  get hasMore(): boolean {
    return this.cursor !== null;
  }

  /** The chat of a ticker, if loaded. */
  get(tickerId: string): InboxItem | undefined {
    return this.items.find((i) => i.tickerId === tickerId);
  }

  /** Takes the stream's position first (so every later change is heard), then the first page. */
  private async start(userId: string | undefined): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed || this.client.isClosed) return;
      try {
        userId ??= (await this.client.rest.get<User>('/me')).id;
        break;
      } catch (err) {
        if (!isTransient(err)) throw err;
        await this.client.waitToRetry(attempt);
      }
    }
    if (this.closed) return;
    this.sync = this.client.follow(
      userStream(userId),
      (changes) => this.onChanges(changes),
      (err) => this.emit('error', err),
      () => void this.reload(),
    );
    for (let attempt = 0; ; attempt++) {
      if (this.closed || this.client.isClosed) return;
      try {
        if (this.sync.lastRev < 0) {
          await this.sync.sync();
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

  private async loadFirst(): Promise<void> {
    const page = await this.client.rest.get<InboxList>('/me/chats', { limit: this.pageSize });
    if (this.closed) return;
    this.items = page.items;
    this.cursor = page.nextCursor;
    this.loaded = true;
    const queued = this.queued;
    this.queued = [];
    for (const change of queued) this.apply(change);
    this.emit('change', { op: 'reset' });
  }

  /** The stream's history changed under us (database restored): the list is read afresh. */
  private async reload(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.loaded = false;
    this.queued = [];
    for (let attempt = 0; !this.closed && !this.client.isClosed; attempt++) {
      try {
        return await this.loadFirst();
      } catch (err) {
        if (!isTransient(err)) return void this.emit('error', err as LivetickerError);
        await this.client.waitToRetry(attempt);
      }
    }
  }

  /** Loads the next page of older chats; resolves false when there is none. */
  async loadMore(): Promise<boolean> {
    await this.ready;
    if (this.cursor === null) return false;
    const page = await this.client.rest.get<InboxList>('/me/chats', { limit: this.pageSize, cursor: this.cursor });
    if (this.closed) return false;
    this.items = appendPage(this.items, page.items);
    this.cursor = page.nextCursor;
    this.emit('change', { op: 'reset' });
    return true;
  }

  private onChanges(changes: Change[]): void {
    for (const change of changes) {
      if (!this.loaded) this.queued.push(change);
      else this.apply(change);
    }
  }

  private apply(change: Change): void {
    if (change.type === 'inbox.updated') this.place(mergeItem(change.data, this.get(change.data.tickerId)));
    else if (change.type === 'inbox.removed') this.drop(change.data.tickerId);
  }

  private place(item: InboxItem): void {
    const placed = placeItem(this.items, item, this.cursor === null);
    this.items = placed.items;
    if (placed.to >= 0) this.emit('change', { op: 'update', item, from: placed.from, to: placed.to });
    else if (placed.from >= 0) this.emit('change', { op: 'remove', tickerId: item.tickerId, index: placed.from });
  }

  private drop(tickerId: string): void {
    const { items, index } = removeItem(this.items, tickerId);
    if (index < 0) return;
    this.items = items;
    this.emit('change', { op: 'remove', tickerId, index });
  }

  /**
   * The reader has seen a chat up to `rev` (a revision of its stream, e.g. `ChatView.rev`): the
   * counts go to zero here at once, and on the server for every device and tab. Never backwards.
   */
  async markRead(tickerId: string, rev: number): Promise<InboxItem> {
    const known = this.get(tickerId);
    if (known) {
      const seen = readUpTo(known, rev);
      if (seen !== known) this.place(seen);
    }
    const answer = await this.client.rest.put<InboxItem>(`/me/chats/${encodeURIComponent(tickerId)}/read`, { rev });
    // A change the stream brought meanwhile is newer than this answer: it stays.
    if (!this.closed && this.get(tickerId) && !isOlder(answer, this.get(tickerId))) this.place(answer);
    return answer;
  }

  /** Leaves a chat: it is gone from the inbox until the reader writes there again. */
  async leave(tickerId: string): Promise<void> {
    await this.client.rest.delete(`/me/chats/${encodeURIComponent(tickerId)}`);
    if (!this.closed) this.drop(tickerId);
  }

  close(): void {
    this.closed = true;
    if (this.sync) this.client.unfollow(this.sync);
    this.removeAllListeners();
  }
}

/**
 * `client`'s reader's chats ("Chats"): unread counts, replies to them, newest activity first.
 * Needs a login (the client's token or session cookie); `ready` rejects without. A function of its
 * own, not a client method, so the readers' script does not carry it (the Chats panel's script does).
 */
export function openInbox(client: ViewHost, opts?: InboxViewOptions): InboxView {
  return new InboxView(client, opts);
}
