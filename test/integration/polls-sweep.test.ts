import type { Change, Entry } from '@liveticker/schemas';
import { testConfig } from '@liveticker/server';
import { PollSweep } from '../../server/src/polls/polls.sweep';
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
