import type { Logger } from './logger';

/**
 * How a server stops: `drain` is a deploy (readers are told to reconnect elsewhere, requests
 * finish, bounded by a deadline); `now` is a test's or a failed start's close.
 */
export type StopMode = 'drain' | 'now';

/** A long-lived piece of a server (fan-out, sockets, scheduler, …) with a start and a stop. */
export interface Part {
  readonly name: string;
  start?(): void | Promise<void>;
  stop?(mode: StopMode): void | Promise<void>;
}

/**
 * The parts of a server in the order they start; they stop in reverse, whatever the reason (a
 * graceful shutdown, a close, a start that failed half-way). A stop that fails is logged and the
 * others still stop.
 */
export class Parts {
  private started: Part[] = [];

  constructor(
    private readonly parts: Part[],
    private readonly log: Logger,
  ) {}

  /** Starts every part in order; when one fails, the ones started are stopped and the error thrown. */
  async start(): Promise<void> {
    for (const part of this.parts) {
      try {
        await part.start?.();
      } catch (err) {
        await this.stop('now');
        throw err;
      }
      this.started.push(part);
    }
  }

  /** Stops the started parts in reverse order, each once. */
  async stop(mode: StopMode): Promise<void> {
    const started = this.started.reverse();
    this.started = [];
    for (const part of started) {
      try {
        await part.stop?.(mode);
      } catch (err) {
        this.log.error({ err, part: part.name }, 'a part failed to stop');
      }
    }
  }
}

/**
 * A part that does a round of work every `intervalMs`, and one at start (so what fell due while
 * every node was down is done when the first one starts), never two rounds at once: a round still
 * under way when the next is due makes that one skip. A round that fails is logged (`failure`)
 * and the next tries again; `stop` waits for the round under way.
 */
export abstract class Rounds implements Part {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private busy = false;

  protected constructor(
    readonly name: string,
    private readonly intervalMs: number,
    protected readonly log: Logger,
    private readonly failure: string,
  ) {}

  /** One round. */
  protected abstract round(): Promise<unknown>;

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.busy) return;
    this.busy = true;
    this.running = this.round()
      .then(() => undefined)
      .catch((err: unknown) => this.log.warn({ err }, this.failure))
      .finally(() => {
        this.busy = false;
      });
  }
}
