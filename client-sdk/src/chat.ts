import { SOCKET_EVENTS, chatStream } from '@liveticker/schemas/wire';
import type { Change, Message } from '@liveticker/schemas';
import { ListView } from './list-view';
import type { ListViewChange, ListViewOptions } from './list-view';
import { LivetickerError } from './rest';
import type { ViewHost } from './host';

export type ChatViewChange = ListViewChange<Message, { op: 'presence'; readers: number }>;

export interface ChatViewEvents extends Record<string, unknown> {
  change: ChatViewChange;
  error: LivetickerError;
}

export interface SendOptions {
  replyTo?: string;
  /** Tries before giving up; every try reuses the same clientId, so none posts twice. */
  attempts?: number;
  /** How long one try waits for the server's answer, ms. */
  timeoutMs?: number;
}

/** Codes worth retrying: the message may not have reached the server. */
const RETRYABLE = new Set(['unavailable', 'internal']);

function randomClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A live view of a ticker's chat with the ticker view's guarantees (order, load more, resume, no
 * loss, no duplicates). Deleted messages stay as tombstones (`deletedAt` set, no text).
 */
export class ChatView extends ListView<Message, ChatViewEvents> {
  /** Readers of this ticker across all nodes, as last pushed (at most once a second). */
  readers: number | undefined;
  protected keepsTombstones = true;
  private readonly offPresence: () => void;

  constructor(client: ViewHost, id: string, opts: ListViewOptions = {}) {
    super(client, id, chatStream(id), `/tickers/${id}/messages`, opts);
    this.offPresence = client.onPush(SOCKET_EVENTS.presence, (e) => {
      if (e.stream !== chatStream(id)) return;
      this.readers = e.readers;
      this.emitChange('change', { op: 'presence', readers: e.readers });
    });
  }

  get messages(): Message[] {
    return this.items;
  }

  protected isItemChange(change: Change): boolean {
    return change.type === 'message.created' || change.type === 'message.updated' || change.type === 'message.deleted';
  }

  /**
   * Sends a message and resolves with it as stored (status `pending` when held for review).
   * Retries after timeouts and reconnects with the same clientId; refusals (`slow_mode`,
   * `muted`, …) reject with a LivetickerError carrying their code.
   */
  async send(text: string, opts: SendOptions = {}): Promise<Message> {
    const clientId = randomClientId();
    const attempts = opts.attempts ?? 5;
    let last: LivetickerError | undefined;
    for (let i = 0; i < attempts; i++) {
      if (!this.client.isConnected) await this.client.connected(opts.timeoutMs ?? 10_000).catch(() => undefined);
      try {
        const ack = await this.client.command<{ message: Message }>(
          SOCKET_EVENTS.chatSend,
          { tickerId: this.id, body: text, clientId, ...(opts.replyTo ? { replyTo: opts.replyTo } : {}) },
          opts.timeoutMs ?? 10_000,
        );
        if (!ack) throw new LivetickerError('unavailable', 'no answer from the server');
        if (ack.ok) return ack.message;
        last = new LivetickerError(ack.error.code, ack.error.message, undefined, ack.error.details);
        if (!RETRYABLE.has(ack.error.code)) throw last;
      } catch (err) {
        if (err instanceof LivetickerError && !RETRYABLE.has(err.code)) throw err;
        last = new LivetickerError('unavailable', 'no answer from the server');
      }
      await new Promise((r) => setTimeout(r, Math.min(4000, 250 * 2 ** i)));
    }
    throw last ?? new LivetickerError('unavailable', 'could not send');
  }

  override close(): void {
    this.offPresence();
    super.close();
  }
}
