import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Change, StreamName } from '@liveticker/schemas';
import type { ChangePublisher } from '../realtime/publisher';
import type { Db, Trx } from './database';

/**
 * The one write path: every change of a stream is written here (coral's `publishChanges`).
 *
 * `commit(ctx, async (w) => …)` runs the work in one transaction. Inside, `w.rev(stream)` takes the
 * stream's next revision (the row update also serializes writers of one stream: a row lock on
 * PostgreSQL, the single writer on SQLite) and `w.record(stream, change)` says what happened at
 * it. Only after the transaction has committed are each stream's changes handed to the publisher,
 * in revision order. When the work throws, the transaction rolls back: no revision was taken and
 * nothing is published.
 */
export interface Write {
  /** The transaction: every read and write of the work goes through it. */
  readonly trx: Trx;
  /** The next revision of `stream`, taken in this transaction. */
  rev(stream: StreamName): Promise<number>;
  /**
   * Holds `stream`'s revision lock without taking a revision (none may be taken after all). For
   * work that locks one of the stream's rows before it knows whether it makes a change: every
   * writer takes the stream's lock first and a row's after, so two of them never wait in a circle.
   */
  lock(stream: StreamName): Promise<void>;
  /** A change made at a revision this transaction took; published once it has committed. */
  record<C extends Change>(stream: StreamName, change: C): C;
  /** Takes the next revision of `stream`, lets `write` store the row at it, and records the change. */
  change<T extends Change['type']>(stream: StreamName, type: T, write: (rev: number) => Promise<ChangeOf<T>['data']>): Promise<ChangeOf<T>>;
}

/** The member of `Change` whose `type` may be `T` (`EntryChange` for `entry.updated`). */
export type ChangeOf<T extends Change['type']> = Change extends infer C ? (C extends { type: infer U } ? (T extends U ? C : never) : never) : never;

export interface CommitDeps {
  db: Db;
  publisher: ChangePublisher;
}

export async function commit<T>(ctx: CommitDeps, work: (w: Write) => Promise<T>): Promise<T> {
  const recorded = new Map<StreamName, Change[]>();
  const result = await ctx.db.transaction().execute((trx) => {
    recorded.clear();
    const w: Write = {
      trx,
      rev: (stream) => nextRev(trx, stream),
      async lock(stream) {
        // A write that changes nothing: a row lock on PostgreSQL, the write lock on SQLite.
        await trx.updateTable('streams').set({ rev: sql`rev` }).where('name', '=', stream).execute();
      },
      record(stream, change) {
        let list = recorded.get(stream);
        if (!list) recorded.set(stream, (list = []));
        list.push(change);
        return change;
      },
      async change(stream, type, write) {
        const rev = await nextRev(trx, stream);
        const data = await write(rev);
        // TypeScript cannot pair a generic `type` with its member of the union; `write`'s type did.
        return w.record(stream, { rev, type, data } as ChangeOf<typeof type>);
      },
    };
    return work(w);
  });
  for (const [stream, changes] of recorded) {
    if (changes.length) ctx.publisher.publish(stream, changes.sort((a, b) => a.rev - b.rev));
  }
  return result;
}

/** Takes the next revision of a stream inside a transaction; only `commit` calls it. */
async function nextRev(trx: Trx, stream: string): Promise<number> {
  const row = await trx
    .updateTable('streams')
    .set({ rev: sql`rev + 1` })
    .where('name', '=', stream)
    .returning('rev')
    .executeTakeFirst();
  if (!row) throw new Error(`stream ${stream} does not exist`);
  return row.rev;
}

/** A new name for a stream's history (see `Epoch` in schemas). */
export function newEpoch(): string {
  return randomBytes(8).toString('hex');
}

/** Makes streams at revision 0, each with a fresh epoch (a ticker's, when it is created). */
export async function createStreams(trx: Trx, names: StreamName[]): Promise<void> {
  await trx.insertInto('streams').values(names.map((name) => ({ name, rev: 0, epoch: newEpoch() }))).execute();
}

/**
 * Makes a stream at revision 0 with a fresh epoch unless it exists: a reader's `user:<id>` is
 * made when it first has something to say, or when its reader first follows it.
 */
export async function ensureStream(db: Db | Trx, name: StreamName): Promise<void> {
  await db
    .insertInto('streams')
    .values({ name, rev: 0, epoch: newEpoch() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}
