import type { Change } from '@liveticker/schemas';

/**
 * The changes after `since` as the database would answer them: each item once, in its latest
 * state, at the rev of its last change, in rev order; created after `since` means `*.created`
 * even if edited since (see tickers.changes.ts, chat.changes.ts).
 */
export function compact(recent: Change[], since: number): Change[] {
  const latest = new Map<string, Change>();
  for (const c of recent) {
    if (c.rev <= since) continue;
    const key = `${c.type.slice(0, c.type.indexOf('.'))}:${c.data.id}`;
    latest.delete(key); // re-inserting keeps the map in the order of last changes, i.e. rev order
    latest.set(key, c);
  }
  return [...latest.values()].map((c) => {
    const seq = (c.data as { seq?: unknown }).seq;
    if (c.type.endsWith('.deleted') || typeof seq !== 'number') return c;
    const kind = c.type.slice(0, c.type.indexOf('.'));
    const type = `${kind}.${seq > since ? 'created' : 'updated'}` as Change['type'];
    return type === c.type ? c : ({ ...c, type } as Change);
  });
}

/**
 * The last changes a node relayed of one stream, in rev order, complete from `from` (exclusive)
 * in the catch-up sense (a row's change may stand in for earlier ones of the same row): what
 * answers a resume without the database. Holds at most `limit` changes; older ones fall out and
 * `from` moves up with them.
 */
export class RecentChanges {
  private changes: Change[] = [];
  /** The position the kept changes continue from; -1 before the first reset. */
  from = -1;
  /** Moves on with every change to what is kept: answers computed from it are good while it stands. */
  version = 0;

  constructor(private readonly limit: number) {}

  /** Starts again at `from` with `changes` (all after it), or none. */
  reset(from: number, changes: Change[] = []): void {
    this.from = from;
    this.changes = changes;
    this.version++;
  }

  /** Forgets everything (the stream is no longer relayed); the next activation resets. */
  clear(): void {
    this.changes = [];
    this.version++;
  }

  add(changes: Change[]): void {
    if (changes.length === 0) return;
    this.version++;
    this.changes.push(...changes);
    const over = this.changes.length - this.limit;
    if (over > 0) {
      this.from = this.changes[over - 1]!.rev;
      this.changes.splice(0, over);
    }
  }

  /** The changes after `since` (compacted), or undefined when they are no longer all here. */
  since(since: number): Change[] | undefined {
    return since < this.from ? undefined : compact(this.changes, since);
  }
}
