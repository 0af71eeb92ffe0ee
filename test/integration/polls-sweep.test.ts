import type { Change, Entry } from '@liveticker/schemas';
import { testConfig } from '@liveticker/server';
import { sql } from 'kysely';
import { PollSweep } from '../../server/src/polls/polls.sweep';
import { closeIn, flushIn } from '../../server/src/polls/polls.service';
import { markPollDirty, pollForVote, upsertVote } from '../../server/src/polls/polls.repo';
import { commit } from '../../server/src/db/commit';
import { waitFor } from '../helpers/wait';
import { DIALECTS } from '../helpers/db';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { raw } from '../helpers/api';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const OPTIONS = [
  { id: 'yes', label: 'Yes' },
  { id: 'no', label: 'No' },
];

/**
 * The poll sweep on a clock of the test's: the server's own sweep runs once at start only, and
 * two sweeps of the test's stand for two nodes, each handing what it published to a recorder.
 */
for (const dialect of DIALECTS) {
  describe(`the poll sweep's coalescing (${dialect})`, () => {
    let t: TestSetup;
    let n = 0;
    const published: Entry[] = [];
    const node = () =>
      new PollSweep({
        db: t.node.server.ctx.db,
        publisher: { publish: (_stream: string, changes: Change[]) => published.push(...changes.map((c) => c.data as Entry)) },
        logger: t.node.deps.logger,
        intervalMs: 3_600_000,
        resultsGapMs: 1000,
      });
    beforeAll(async () => {
      t = await setup(dialect, 'memory', { scrypt: { logN: 10, r: 8, p: 1 }, polls: { ...testConfig().polls, sweepMs: 3_600_000 } });
    });
    afterAll(() => t.close());

    const pollIn = async (results: string) => {
      const id = `sweep-${++n}`;
      await raw(t.url, 'POST', '/tickers', { id, title: 'Sweep', status: 'live' }, ops);
      const p = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { kind: 'poll', poll: { question: 'Q?', options: OPTIONS, results } }, ops)).body as Entry;
      return { id, p };
    };
    const voteAs = async (id: string, p: Entry, optionId: string) => {
      const reader = await makeUser(t.url);
      expect((await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/votes`, { optionId }, { authorization: `Bearer ${reader.token}` })).status).toBe(200);
    };

    it('publishes a poll\'s counts at most once a second over every node, the next after the gap exact, and nothing when nothing changed', async () => {
      const { id, p } = await pollIn('always');
      const [one, two] = [node(), node()];
      const t0 = Date.now();
      const at = (ms: number) => new Date(t0 + ms);
      published.length = 0;

      await voteAs(id, p, 'yes');
      expect(await one.sweep(at(0))).toBe(1);
      expect(published.map((e) => e.poll!.results!.total)).toEqual([1]);

      await voteAs(id, p, 'no');
      await voteAs(id, p, 'no');
      // Within the second: neither node publishes, however many votes came.
      expect(await one.sweep(at(400))).toBe(0);
      expect(await two.sweep(at(999))).toBe(0);
      // The second is over: the other node publishes, and its counts are exact.
      expect(await two.sweep(at(1000))).toBe(1);
      expect(await one.sweep(at(1001))).toBe(0);
      expect(published.map((e) => e.poll!.results)).toEqual([
        { total: 1, counts: { yes: 1, no: 0 } },
        { total: 3, counts: { yes: 1, no: 2 } },
      ]);
      // No vote since: nothing to publish, even long after.
      expect(await one.sweep(at(5000))).toBe(0);
      expect(published).toHaveLength(2);
      // Each change took a revision of the ticker through the write path.
      const head = (await raw(t.url, 'GET', `/tickers/${id}/changes`)).body.rev as number;
      expect(published[1]!.rev).toBe(head);
    });

    it('counts nobody may see yet make no change at all; the close publishes them', async () => {
      const { id, p } = await pollIn('after-close');
      const sweep = node();
      published.length = 0;
      await voteAs(id, p, 'yes');
      expect(await sweep.sweep(new Date())).toBe(0);
      expect(published).toEqual([]);
      await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/close`, undefined, ops);
      const caught = (await raw(t.url, 'GET', `/tickers/${id}/changes?since=0`)).body.changes as Change[];
      expect((caught.pop()!.data as Entry).poll).toMatchObject({ closed: true, results: { total: 1 } });
    });
  });
}

describe('a close on PostgreSQL waits for the votes under way', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('postgres', 'memory', { polls: { ...testConfig().polls, sweepMs: 3_600_000 } });
  });
  afterAll(() => t.close());

  it('a vote that read the poll open before the close is in the final counts, because the close waited for it', async () => {
    const ctx = t.node.server.ctx;
    await raw(t.url, 'POST', '/tickers', { id: 'held', title: 'Held', status: 'live' }, ops);
    const p = (await raw(t.url, 'POST', '/tickers/held/entries', { kind: 'poll', poll: { question: 'Q?', options: OPTIONS } }, ops)).body as Entry;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let readOpen!: () => void;
    const wasOpen = new Promise<void>((r) => (readOpen = r));
    // A vote's transaction, as castVote runs it, held open after it read the poll open and voted.
    const voting = ctx.db.transaction().execute(async (trx) => {
      const row = await pollForVote(trx, 'postgres', 'held', p.id);
      expect(row?.poll_closed_at).toBeNull();
      await upsertVote(trx, { entryId: p.id, voter: 'u:held', optionId: 'no', member: true, at: new Date().toISOString() });
      readOpen();
      await held;
    });
    await wasOpen;
    const closing = commit(ctx, (w) => closeIn(w, 'held', p.id, new Date().toISOString()));
    try {
      // The close waits on the poll's row (a lock wait shows in pg_stat_activity), not on a timer.
      await waitFor(async () => {
        const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(ctx.db);
        return Number(rows[0]!.n) > 0;
      }, 'the close to wait for the vote', 5000);
    } finally {
      release();
    }
    await voting;
    const closed = await closing;
    expect(closed!.data.poll).toMatchObject({ closed: true, results: { total: 1, counts: { yes: 0, no: 1 } } });
  });

  it.each(['publishing counts', 'closing'] as const)('%s takes the stream lock before the poll row, as an edit does: the two never deadlock', async (what) => {
    const ctx = t.node.server.ctx;
    const tid = what === 'closing' ? 'order-close' : 'order';
    await raw(t.url, 'POST', '/tickers', { id: tid, title: 'Order', status: 'live' }, ops);
    const p = (await raw(t.url, 'POST', `/tickers/${tid}/entries`, { kind: 'poll', poll: { question: 'Q?', options: OPTIONS } }, ops)).body as Entry;
    await ctx.db.transaction().execute((trx) => upsertVote(trx, { entryId: p.id, voter: 'u:order', optionId: 'yes', member: true, at: new Date().toISOString() }));
    await markPollDirty(ctx.db, tid, p.id);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const hasStream = new Promise<void>((r) => (locked = r));
    // An edit of the poll, as patchEntry runs it: the stream's revision first, the row after.
    const edit = ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('streams').set({ rev: sql`rev + 1` }).where('name', '=', `ticker:${tid}`).execute();
      locked();
      await held;
      await trx.updateTable('entries').set({ updated_at: new Date().toISOString() }).where('id', '=', p.id).execute();
      throw new Error('rolled back on purpose');
    });
    await hasStream;
    const flushing = commit(ctx, (w) => (what === 'closing' ? closeIn(w, tid, p.id, new Date().toISOString()) : flushIn(w, tid, p.id, new Date(), 1000)));
    try {
      await waitFor(async () => {
        const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(ctx.db);
        return Number(rows[0]!.n) > 0;
      }, 'the counts to wait for the edit', 5000);
    } finally {
      release();
    }
    await expect(edit).rejects.toThrow('rolled back on purpose');
    const out = await flushing;
    expect(out).toMatchObject({ type: 'entry.updated', data: { poll: { closed: what === 'closing', results: { total: 1 } } } });
  });
});
