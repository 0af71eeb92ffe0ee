// What one reader holds of one stream, applied as the SDK applies it (streams.ts): changes past
// the position in rev order, a frame starting past the position is a gap (ask again), a catch-up
// with `reset` starts over. It keeps what the checker compares with the database.

export interface EntryState {
  version: number;
  body: string;
  deleted: boolean;
  /** A poll's counts as last received (option id → votes), when the stream carries them. */
  counts?: Record<string, number>;
}

export interface Change {
  rev: number;
  type: string;
  data: { id?: string; version?: number; body?: string; deletedAt?: string | null; status?: string; poll?: { results?: { counts: Record<string, number> } } };
}

/** One latency sample: an entry's creation received live, `t0` the editor's stamp (ms since the epoch). */
export interface Latency {
  t0: number;
  ms: number;
  /** The reader that received it (for when each reader resumed after a fault). */
  reader: number;
}

export class StreamView {
  lastRev = -1;
  epoch: string | undefined;
  readonly entries = new Map<string, EntryState>();
  /** Changes applied whose entry was created twice past the position: a delivered duplicate. */
  duplicates: string[] = [];
  /** Changes out of rev order inside what was applied (never expected). */
  disorder = 0;
  gaps = 0;
  resets = 0;
  /** Date.now() of the last change applied (live or catch-up). */
  lastChangeAt = 0;
  /** Date.now() of each change applied, kept coarse (one per second) for the stuck check. */
  readonly changeSeconds = new Set<number>();

  constructor(
    readonly stream: string,
    /** The reader holding the view (its latency samples name it). */
    readonly reader = -1,
  ) {}

  /** The `subscribe` command from the position held (from scratch: since 0, the whole history). */
  command(): Record<string, unknown> {
    const cmd: Record<string, unknown> = { stream: this.stream, since: Math.max(0, this.lastRev) };
    if (this.epoch) cmd.epoch = this.epoch;
    return cmd;
  }

  /**
   * A subscribe ack: applied; returns whether to ask again (`more`, or a `reset` that emptied the
   * view and now loads it from 0).
   */
  ack(a: { rev: number; epoch: string; changes: Change[]; more?: boolean; reset?: boolean }): boolean {
    if (a.reset) {
      this.resets++;
      this.entries.clear();
      this.lastRev = -1;
      this.epoch = a.epoch;
      return true;
    }
    this.apply(a.changes, false);
    this.lastRev = Math.max(this.lastRev, a.rev);
    this.epoch = a.epoch;
    return !!a.more;
  }

  /** A pushed frame: 'ok' applied (or old), 'gap' when the reader must ask again. */
  frame(f: { since: number; rev: number; changes: Change[] }, latencies?: Latency[]): 'ok' | 'gap' {
    if (f.rev <= this.lastRev) return 'ok';
    if (f.since > this.lastRev) {
      this.gaps++;
      return 'gap';
    }
    this.apply(f.changes, true, latencies);
    this.lastRev = f.rev;
    return 'ok';
  }

  private apply(changes: Change[], live: boolean, latencies?: Latency[]): void {
    let prev = this.lastRev;
    const now = Date.now();
    for (const c of changes) {
      if (c.rev <= this.lastRev) continue; // the overlap of a frame with the position: the SDK drops it
      if (c.rev <= prev) this.disorder++;
      prev = c.rev;
      this.lastChangeAt = now;
      this.changeSeconds.add(Math.floor(now / 1000));
      const id = c.data?.id;
      // Entries on ticker streams, messages on chat streams: each by id, its last state.
      if (!id || !(c.type.startsWith('entry.') || c.type.startsWith('message.'))) continue;
      const had = this.entries.get(id);
      if (c.type.endsWith('.created') && had) this.duplicates.push(`${id}@${c.rev}`);
      if (c.type.endsWith('.deleted') || c.data.deletedAt) {
        this.entries.set(id, { version: c.data.version ?? had?.version ?? 0, body: had?.body ?? '', deleted: true });
        continue;
      }
      this.entries.set(id, { version: c.data.version ?? 0, body: c.data.body ?? '', deleted: false, counts: c.data.poll?.results?.counts });
      if (live && c.type === 'entry.created' && latencies) {
        const t0 = /t0=(\d+)/.exec(c.data.body ?? '');
        if (t0) latencies.push({ t0: Number(t0[1]), ms: now - Number(t0[1]), reader: this.reader });
      }
    }
  }
}
