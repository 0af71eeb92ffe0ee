/** Handshakes in one second from which a node counts as being in a reconnect storm. */
export const STORM_HANDSHAKES_PER_S = 500;
/** How long a storm lasts after the last handshake that kept it going, ms. */
const STORM_TAIL_MS = 500;
/** Least time between two frames of one stream during a storm, ms. */
export const STORM_BATCH_MS = 1000;

/**
 * Tells when a node is taking a reconnect storm (a deploy just sent a whole audience back to it):
 * while handshakes arrive at STORM_HANDSHAKES_PER_S or more, and half a second after. During a
 * storm the fan-out sends each stream's changes at most once a second (STORM_BATCH_MS): a frame
 * costs one write per reader however many changes it holds, so the readers already back cost a
 * fraction of the CPU and the handshakes and resumes of the rest get it. The readers already
 * back see their updates up to a second later, for the few seconds it lasts.
 */
export class ReconnectStorm {
  private second = -1;
  private count = 0;
  private until = 0;

  constructor(
    private readonly opts: { perSecond?: number; now?: () => number; onStorm?: () => void } = {},
  ) {}

  private now(): number {
    return this.opts.now?.() ?? performance.now();
  }

  /** A handshake arrived. */
  readonly note = (): void => {
    const now = this.now();
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.count = 0;
    }
    if (++this.count < (this.opts.perSecond ?? STORM_HANDSHAKES_PER_S)) return;
    if (now >= this.until) this.opts.onStorm?.();
    this.until = now + STORM_TAIL_MS;
  };

  get active(): boolean {
    return this.now() < this.until;
  }

  /** The least time between two frames of one stream now, ms: STORM_BATCH_MS during a storm, else 0. */
  readonly batchMs = (): number => (this.active ? STORM_BATCH_MS : 0);
}
