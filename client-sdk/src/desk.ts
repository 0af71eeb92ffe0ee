import { SOCKET_EVENTS } from '@liveticker/schemas/wire';
import type { Ack, DeskEditor, DeskPresenceEvent } from '@liveticker/schemas';
import { Emitter } from './emitter';
import { LivetickerError } from './rest';
import { backoff, isTransient } from './streams';
import type { ViewHost } from './host';

export type { DeskEditor, DeskPresenceEvent };

export interface DeskPresenceEvents extends Record<string, unknown> {
  /** The editors at the desk changed (someone came, went, or is editing another entry). */
  change: DeskEditor[];
  /** The server refused a command (`login_required`, `forbidden`, `not_found`, …). */
  error: LivetickerError;
}

/** How long a desk command may wait for its ack, ms. */
const ACK_TIMEOUT_MS = 10_000;

/**
 * This client at a ticker's desk (editors only): who else works on the ticker now, and on which
 * entry. Joins at once and again after every reconnect (with the token the client holds then),
 * saying again which entry it is editing. One row per editor however many tabs they have open.
 *
 * ```ts
 * const desk = openDesk(client, 'election');
 * desk.on('change', (editors) => render(editors));
 * desk.editing(entry.id); // …and desk.editing(null) when done
 * desk.close();
 * ```
 */
export class DeskPresence extends Emitter<DeskPresenceEvents> {
  /** Everyone at the desk, this client's user included, as last heard. */
  editors: DeskEditor[] = [];
  /** The entry this client is editing (sent again after a reconnect). */
  private current: string | null = null;
  /** The server has this socket at the desk (its join was acknowledged since the last connect). */
  private joined = false;
  /**
   * Commands go out one after another, each after the previous one's ack: an `editing` must not
   * overtake the `join` it needs, nor a `leave` the `join` it undoes.
   */
  private queue: Promise<void> = Promise.resolve();
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly client: ViewHost,
    readonly tickerId: string,
  ) {
    super();
    this.offs.push(
      client.onPush(SOCKET_EVENTS.deskPresence, (e) => {
        if (e?.tickerId === tickerId) this.take(e.editors);
      }),
      client.on('disconnect', () => {
        this.joined = false;
      }),
      // The server forgot this socket's desks with the old connection.
      client.on('connect', () => this.join()),
    );
    if (client.isConnected) this.join();
  }

  /** Says which entry this client is editing now (`null`: none); the others see it at once. */
  editing(entryId: string | null): void {
    if (this.closed) return;
    this.current = entryId;
    // Not at the desk yet: the join under way (or the next connect's) sends it.
    if (!this.joined) return;
    this.enqueue(async () => {
      if (!this.joined) return;
      const ack = await this.send(SOCKET_EVENTS.deskEditing, { tickerId: this.tickerId, entryId });
      if (ack && !ack.ok) this.refused(ack.error);
    });
  }

  /** Leaves the desk; the others see this client's editor go (unless another tab keeps them there). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const off of this.offs.splice(0)) off();
    // After any join still on its way, so the server is left with no seat.
    this.enqueue(async () => {
      void this.client.command(SOCKET_EVENTS.deskLeave, { tickerId: this.tickerId }, ACK_TIMEOUT_MS);
    }, true);
    this.removeAllListeners();
  }

  private join(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.enqueue(async () => {
      if (this.joined || !this.client.isConnected) return;
      // The list itself comes as `desk:presence`, before this ack.
      const ack = await this.send(SOCKET_EVENTS.deskJoin, { tickerId: this.tickerId });
      if (this.closed) return;
      if (!ack) {
        // No answer in time on a live socket: ask again (a dropped socket joins on its next connect).
        if (this.client.isConnected) this.retry();
        return;
      }
      if (!ack.ok) {
        const err = this.refused(ack.error);
        if (isTransient(err)) this.retry();
        return;
      }
      this.joined = true;
      this.failures = 0;
      const entryId = this.current;
      if (entryId !== null) {
        const sent = await this.send(SOCKET_EVENTS.deskEditing, { tickerId: this.tickerId, entryId });
        if (sent && !sent.ok) this.refused(sent.error);
      }
    });
  }

  private retry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.join();
    }, backoff(this.failures++, 1000, 30_000));
  }

  private enqueue(task: () => Promise<void>, evenClosed = false): void {
    this.queue = this.queue.then(() => (this.closed && !evenClosed ? undefined : task())).catch(() => undefined);
  }

  /**
   * Emits a command and resolves with its ack, or undefined when none came (not connected, timed
   * out, or the socket dropped meanwhile: then at once, so the next connect's join is not held up).
   */
  private send<T extends object = object>(event: string, payload: object): Promise<Ack<T> | undefined> {
    return this.client.command<T>(event, payload, ACK_TIMEOUT_MS);
  }

  private refused(error: { code: LivetickerError['code']; message: string; details?: unknown }): LivetickerError {
    const err = new LivetickerError(error.code, error.message, undefined, error.details);
    this.emit('error', err);
    return err;
  }

  private take(editors: DeskEditor[]): void {
    if (this.closed || !Array.isArray(editors)) return;
    if (JSON.stringify(editors) === JSON.stringify(this.editors)) return;
    this.editors = editors;
    this.emit('change', editors);
  }
}

/**
 * `client` at a ticker's desk (editors): who else works on it now and on which entry. A function
 * of its own, not a client method, so the readers' script does not carry it.
 */
export function openDesk(client: ViewHost, tickerId: string): DeskPresence {
  return new DeskPresence(client, tickerId);
}
