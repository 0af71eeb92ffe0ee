import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Change, Entry } from '@liveticker/schemas';
import { testConfig } from '@liveticker/server';
import { BUSES } from '../helpers/server';
import { OPS_KEY } from '../helpers/server';
import { makeUser, startCluster } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const OPTIONS = [
  { id: 'a', label: 'Candidate A' },
  { id: 'b', label: 'Candidate B' },
  { id: 'c', label: 'Candidate C' },
];

for (const bus of BUSES) {
  describe(`polls on two nodes (postgres, ${bus} bus)`, () => {
    let c: Cluster;
    let n = 0;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      c = await startCluster('postgres', bus, {
        // The close race casts hundreds of anonymous votes from 127.0.0.1.
        polls: { ...testConfig().polls, votesPerAddress: 100_000 },
        limitOverrides: { voteIp: { points: 100_000, duration: 60 }, voteUser: { points: 100_000, duration: 60 } },
      });
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await c.close();
    });

    const ticker = async () => {
      const id = `two-${bus}-${++n}`;
      expect((await raw(c.a.url, 'POST', '/tickers', { id, title: 'Debate night', status: 'live' }, ops)).status).toBe(201);
      return id;
    };
    const poll = async (tickerId: string, extra: Record<string, unknown> = {}) =>
      (await raw(c.a.url, 'POST', `/tickers/${tickerId}/entries`, { kind: 'poll', poll: { question: 'Who won?', options: OPTIONS, ...extra } }, ops)).body as Entry;
    const vote = (url: string, tickerId: string, entryId: string, optionId: string, headers: Record<string, string> = {}) =>
      raw(url, 'POST', `/tickers/${tickerId}/entries/${entryId}/votes`, { optionId }, headers);
    /** The poll entry's states a reader on `url` is sent on `ticker:<id>`, in order. */
    const watch = async (url: string, tickerId: string, entryId: string) => {
      const s = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(s);
      const got: Entry[] = [];
      const take = (changes: Change[]) => got.push(...changes.map((ch) => ch.data as Entry).filter((e) => e.id === entryId));
      s.on('changes', (frame: { changes: Change[] }) => take(frame.changes));
      const ack = await s.timeout(5000).emitWithAck('subscribe', { stream: `ticker:${tickerId}`, since: 0 });
      expect(ack.ok).toBe(true);
      take(ack.changes);
      return got;
    };
    const inDatabase = async (entryId: string) =>
      Number((await c.a.server.ctx.db.selectFrom('poll_votes').select((eb) => eb.fn.countAll().as('n')).where('entry_id', '=', entryId).executeTakeFirstOrThrow()).n);

    it('50 votes of one reader at once, half on each node, leave one vote: counted once everywhere', async () => {
      const id = await ticker();
      const p = await poll(id);
      const seen = await watch(c.b.url, id, p.id);
      const reader = await makeUser(c.a.url);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => vote(i % 2 ? c.b.url : c.a.url, id, p.id, OPTIONS[i % 3]!.id, bearer(reader.token))),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
      for (const a of answers) expect(a.body.results.total).toBe(1);
      expect(await inDatabase(p.id)).toBe(1);
      const mine = (await raw(c.b.url, 'GET', `/tickers/${id}/entries/${p.id}/votes`, undefined, bearer(reader.token))).body;
      const final = (await waitFor(() => seen.filter((e) => e.poll?.results?.total === 1 && e.poll.results.counts[mine.optionId] === 1).pop(), 'the one vote on the stream'))!;
      expect(final.poll!.results!.total).toBe(1);
      expect(seen.every((e) => (e.poll?.results?.total ?? 0) <= 1)).toBe(true);
    });

    it("votes on one node move the counts a reader on the other sees, exact after the last, never backwards", async () => {
      const id = await ticker();
      const p = await poll(id);
      const seen = await watch(c.b.url, id, p.id);
      const readers = await Promise.all(Array.from({ length: 9 }, () => makeUser(c.a.url)));
      await Promise.all(readers.map((r, i) => vote(i % 2 ? c.a.url : c.b.url, id, p.id, OPTIONS[i % 3]!.id, bearer(r.token))));
      const last = (await waitFor(() => seen.find((e) => e.poll?.results?.total === 9), 'the exact counts on node b'))!;
      expect(last.poll!.results).toEqual({ total: 9, counts: { a: 3, b: 3, c: 3 } });
      const totals = seen.map((e) => e.poll!.results!.total);
      expect(totals).toEqual([...totals].sort((x, y) => x - y));
    });

    it('a close while votes arrive on both nodes: every vote accepted is in the final counts, none sent after closesAt is', async () => {
      const id = await ticker();
      const closesAt = new Date(Date.now() + 1500);
      const p = await poll(id, { allowAnonymous: true, closesAt: closesAt.toISOString() });
      const seen = await watch(c.a.url, id, p.id);
      let accepted = 0;
      let refused = 0;
      const lateAccepted: number[] = [];
      // Waves of 10 anonymous devices, alternating nodes, until the close has been refusing for a while.
      for (let wave = 0; refused < 30; wave++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const sentAt = Date.now();
            const res = await vote(i % 2 ? c.b.url : c.a.url, id, p.id, OPTIONS[(wave + i) % 3]!.id);
            return { sentAt, res };
          }),
        );
        for (const { sentAt, res } of answers) {
          if (res.status === 200) {
            accepted++;
            if (sentAt > closesAt.getTime()) lateAccepted.push(sentAt);
          } else {
            expect(res.body.error.code).toBe('poll_closed');
            refused++;
          }
        }
      }
      expect(lateAccepted).toEqual([]);
      expect(accepted).toBeGreaterThan(0);
      const closed = (await waitFor(() => seen.find((e) => e.poll?.closed), 'the closing change'))!;
      expect(closed.poll!.results!.total).toBe(accepted);
      expect(await inDatabase(p.id)).toBe(accepted);
      // Nothing after the close: the counts on the stream stay the final ones.
      expect(seen.filter((e) => e.rev > closed.rev)).toEqual([]);
    });
  });
}

describe('the anonymous cap per address holds over two nodes (postgres, Redis)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster('postgres', 'redis');
  });
  afterAll(() => c.close());

  it('30 new devices from one address, alternating nodes: 20 votes count, 10 are refused with vote_limit_reached', async () => {
    await raw(c.a.url, 'POST', '/tickers', { id: 'cap', title: 'Cap', status: 'live' }, ops);
    const p = (await raw(c.a.url, 'POST', '/tickers/cap/entries', { kind: 'poll', poll: { question: 'Q?', options: OPTIONS, allowAnonymous: true } }, ops)).body as Entry;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => raw(i % 2 ? c.b.url : c.a.url, 'POST', `/tickers/cap/entries/${p.id}/votes`, { optionId: 'a' })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(20);
    expect(answers.filter((a) => a.status === 429).map((a) => a.body.error.code)).toEqual(Array(10).fill('vote_limit_reached'));
    const desk = await raw(c.b.url, 'GET', `/tickers/cap/entries/${p.id}`, undefined, ops);
    expect(desk.body.poll.results.total).toBe(20);
  });
});
