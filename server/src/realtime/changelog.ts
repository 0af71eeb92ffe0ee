import { parseStream } from '@liveticker/schemas';
import type { Change } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import { headRev, streamPosition } from '../db/database';

/**
 * Most changes one catch-up answer carries; a client further behind asks again (`more`). With
 * entries of up to 20,000 characters, the rows read for one answer stay within a few MB.
 */
export const MAX_CATCH_UP = 200;

/**
 * About the most bytes (as JSON) one catch-up answer carries: a change count alone lets a few
 * anonymous `since=0` requests for a ticker of long entries take hundreds of MB. At least one
 * change always goes, so a client always moves on.
 */
export const MAX_CATCH_UP_BYTES = 1024 * 1024;

/** How many of `changes` (in rev order) fit in `maxBytes` of JSON (at least one), and their size. */
export function fitBytes(changes: readonly Change[], maxBytes = MAX_CATCH_UP_BYTES): { count: number; bytes: number } {
  let bytes = 0;
  for (let i = 0; i < changes.length; i++) {
    const size = Buffer.byteLength(JSON.stringify(changes[i]));
    if (bytes + size > maxBytes && i > 0) return { count: i, bytes };
    bytes += size;
  }
  return { count: changes.length, bytes };
}

export interface ChangesSince {
  /** The revision the answer brings the caller up to. */
  rev: number;
  epoch: string;
  changes: Change[];
  /** True when there are more changes after `rev`. */
  more: boolean;
  /** The caller's position is not in this history (other epoch, or ahead of the head): start over. */
  reset?: boolean;
  /** About how many bytes the changes are as JSON (what the answer costs its reader). */
  bytes?: number;
}

export interface CatchUpBody {
  rev: number;
  epoch: string;
  changes: Change[];
  more?: true;
  reset?: true;
}

/** The wire shape of a catch-up answer: `more` and `reset` only when true. */
export function changesBody(got: ChangesSince): CatchUpBody {
  const body: CatchUpBody = { rev: got.rev, epoch: got.epoch, changes: got.changes };
  if (got.more) body.more = true;
  if (got.reset) body.reset = true;
  return body;
}

/** Reads the changes of one kind of stream after `since`, up to and including `head`. */
export type ChangeSource = (db: Db, tickerId: string, since: number, head: number, limit: number) => Promise<Change[]>;

/**
 * "Changes since rev N" for every stream kind: the head is read first and the sources only
 * return rows at or below it, so an answer is a consistent prefix of the stream.
 */
export class ChangeLog {
  private readonly sources = new Map<string, ChangeSource>();

  constructor(private readonly db: Db) {}

  register(kind: string, source: ChangeSource): void {
    this.sources.set(kind, source);
  }

  /** Undefined when the stream does not exist. */
  async head(stream: string): Promise<number | undefined> {
    return headRev(this.db, stream);
  }

  /** Heads of many streams in one query (the fan-out's periodic sweep). */
  async heads(streams: string[]): Promise<Map<string, number>> {
    if (streams.length === 0) return new Map();
    const rows = await this.db.selectFrom('streams').select(['name', 'rev']).where('name', 'in', streams).execute();
    return new Map(rows.map((r) => [r.name, r.rev]));
  }

  /** Head and epoch of a stream; undefined when it does not exist. */
  position(stream: string): Promise<{ rev: number; epoch: string } | undefined> {
    return streamPosition(this.db, stream);
  }

  /**
   * The changes after `since`. A position from another epoch, or ahead of the head, cannot be
   * continued: the answer says `reset` with the current head, and the caller starts over.
   * `pos` may pass a position the caller has just read.
   */
  since(stream: string, since: number, epoch?: string, limit = MAX_CATCH_UP, pos?: { rev: number; epoch: string }): Promise<ChangesSince | undefined> {
    return this.read(this.db, stream, since, epoch, limit, pos);
  }

  /**
   * Like `since`, read in one snapshot. A plain answer reads the head, then the rows: an item
   * created at or below the head and changed again in between is then left out (its row is above
   * the head) and comes with the next answer as an update. A view does not care (it upserts);
   * a reader for whom the first change's type matters (a webhook saying `entry.created`) does.
   */
  sinceInSnapshot(stream: string, since: number, epoch?: string, limit = MAX_CATCH_UP): Promise<ChangesSince | undefined> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute((trx) => this.read(trx, stream, since, epoch, limit));
  }

  private async read(db: Db | Trx, stream: string, since: number, epoch: string | undefined, limit: number, pos?: { rev: number; epoch: string }): Promise<ChangesSince | undefined> {
    const at = pos ?? (await streamPosition(db, stream));
    if (at === undefined) return undefined;
    const head = at.rev;
    if ((epoch && epoch !== at.epoch) || since > head) return { rev: head, epoch: at.epoch, changes: [], more: false, reset: true };
    if (since === head) return { rev: head, epoch: at.epoch, changes: [], more: false };
    const { kind, tickerId } = parseStream(stream);
    const source = this.sources.get(kind);
    if (!source) return undefined;
    const changes = await source(db as Db, tickerId, since, head, limit + 1);
    // Every source gives each item once, in its current state at its last rev, in rev order: any
    // prefix is a consistent answer, and the items after it come with the next `since`.
    const fit = fitBytes(changes.length > limit ? changes.slice(0, limit) : changes);
    const more = changes.length > fit.count;
    if (more) changes.length = fit.count;
    return { rev: more ? changes[changes.length - 1].rev : head, epoch: at.epoch, changes, more, bytes: fit.bytes };
  }
}
