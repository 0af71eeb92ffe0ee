import { parseStream } from '@liveticker/schemas';
import type { Change } from '@liveticker/schemas';
import type { Db } from '../db/database';
import { headRev } from '../db/database';

/** Most changes one catch-up answer carries; a client further behind asks again (`more`). */
export const MAX_CATCH_UP = 5000;

export interface ChangesSince {
  /** The revision the answer brings the caller up to. */
  rev: number;
  changes: Change[];
  /** True when there are more changes after `rev`. */
  more: boolean;
}

/** The wire shape of a catch-up answer: `more` only when there is more. */
export function changesBody(got: ChangesSince): { rev: number; changes: Change[]; more?: true } {
  return got.more ? { rev: got.rev, changes: got.changes, more: true } : { rev: got.rev, changes: got.changes };
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

  async since(stream: string, since: number, limit = MAX_CATCH_UP): Promise<ChangesSince | undefined> {
    const head = await headRev(this.db, stream);
    if (head === undefined) return undefined;
    if (since >= head) return { rev: head, changes: [], more: false };
    const { kind, tickerId } = parseStream(stream);
    const source = this.sources.get(kind);
    if (!source) return undefined;
    const changes = await source(this.db, tickerId, since, head, limit + 1);
    const more = changes.length > limit;
    if (more) changes.length = limit;
    return { rev: more ? changes[changes.length - 1].rev : head, changes, more };
  }
}
