import fs from 'node:fs';
import path from 'node:path';
import type { Change, StreamName } from '@liveticker/schemas';
import { chatStream, modStream, tickerStream, tickerStreams } from '@liveticker/schemas';
import { headRev, migrate, openDatabase } from '../../server/src/db/database';
import type { Database } from '../../server/src/db/database';
import { commit, createStreams } from '../../server/src/db/commit';
import { DIALECTS, createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';

/** What a publisher was handed, in order. */
function recordingPublisher() {
  const got: Array<{ stream: string; revs: number[] }> = [];
  return { got, publisher: { publish: (stream: string, changes: Change[]) => got.push({ stream, revs: changes.map((c) => c.rev) }) } };
}

const fakeChange = (rev: number): Change => ({ rev, type: 'ticker.updated', data: { id: 'w' } }) as unknown as Change;

for (const dialect of DIALECTS) {
  describe(`the write primitive, commit() (${dialect})`, () => {
    let tdb: TestDatabase;
    let database: Database;
    beforeAll(async () => {
      tdb = await createTestDatabase(dialect);
      database = await openDatabase(tdb.url);
      await migrate(database.db);
      await database.db.transaction().execute((trx) => createStreams(trx, tickerStreams('w')));
    });
    afterAll(async () => {
      await database.close();
      await tdb.drop();
    });

    it('a write that throws publishes nothing and leaves every revision it took where it was', async () => {
      const { got, publisher } = recordingPublisher();
      const before = await Promise.all(tickerStreams('w').map((s) => headRev(database.db, s)));
      await expect(
        commit({ db: database.db, publisher }, async (w) => {
          w.record(tickerStream('w'), fakeChange(await w.rev(tickerStream('w'))));
          w.record(chatStream('w'), fakeChange(await w.rev(chatStream('w'))));
          await w.change(modStream('w'), 'ticker.updated', async () => {
            throw new Error('the row could not be written');
          });
        }),
      ).rejects.toThrow('the row could not be written');
      expect(got).toEqual([]);
      expect(await Promise.all(tickerStreams('w').map((s) => headRev(database.db, s)))).toEqual(before);
    });

    it('a write that commits publishes each stream once, its changes in revision order, after the commit', async () => {
      const { got, publisher } = recordingPublisher();
      const start = (await headRev(database.db, tickerStream('w')))!;
      let publishedBeforeCommit = false;
      await commit({ db: database.db, publisher }, async (w) => {
        const a = await w.rev(tickerStream('w'));
        const b = await w.rev(tickerStream('w'));
        const c = await w.rev(chatStream('w'));
        // Recorded out of order: published in order.
        w.record(tickerStream('w'), fakeChange(b));
        w.record(chatStream('w'), fakeChange(c));
        w.record(tickerStream('w'), fakeChange(a));
        publishedBeforeCommit = got.length > 0;
      });
      expect(publishedBeforeCommit).toBe(false);
      expect(got).toEqual([
        { stream: tickerStream('w'), revs: [start + 1, start + 2] },
        { stream: chatStream('w'), revs: [expect.any(Number)] },
      ]);
      expect(await headRev(database.db, tickerStream('w'))).toBe(start + 2);
    });

    it('a stream that does not exist is an error, and nothing is published', async () => {
      const { got, publisher } = recordingPublisher();
      await expect(commit({ db: database.db, publisher }, (w) => w.change('ticker:nope' as StreamName, 'ticker.updated', async () => ({}) as never))).rejects.toThrow(/stream ticker:nope does not exist/);
      expect(got).toEqual([]);
    });
  });
}

describe('one write path', () => {
  /** Every TypeScript file under a folder. */
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const p = path.join(dir, d.name);
      return d.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
    });
  const root = path.join(__dirname, '..', '..');
  const files = [...sources(path.join(root, 'server', 'src')), ...sources(path.join(root, 'test', 'helpers'))];
  const primitive = path.join(root, 'server', 'src', 'db', 'commit.ts');

  it('takes revisions (nextRev) and hands changes to the publisher (publisher.publish) only in db/commit.ts', () => {
    const outside = files
      .filter((f) => f !== primitive)
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${path.relative(root, f)}:${i + 1}` }))
          .filter(({ line }) => /\bnextRev\(|publisher\.publish\(|set\(\{ rev: sql`rev \+ 1`|\('rev', '\+', 1\)/.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(outside).toEqual([]);
    // The check reads what it claims to: the primitive itself has both.
    const own = fs.readFileSync(primitive, 'utf8');
    expect(own).toMatch(/\bnextRev\(/);
    expect(own).toMatch(/publisher\.publish\(/);
  });
});
