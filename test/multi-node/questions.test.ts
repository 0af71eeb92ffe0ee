import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Change, Entry, Question } from '@liveticker/schemas';
import { BUSES, OPS_KEY } from '../helpers/server';
import { makeUser, startCluster } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { QuestionSweep } from '../../server/src/questions/questions.sweep';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const bus of BUSES) {
  describe(`questions on two nodes (postgres, ${bus} bus)`, () => {
    let c: Cluster;
    let n = 0;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      c = await startCluster('postgres', bus, { limitOverrides: { questionIp: { points: 100_000, duration: 600 } } });
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await c.close();
    });

    const ticker = async () => {
      const id = `qtwo-${bus}-${++n}`;
      expect((await raw(c.a.url, 'POST', '/tickers', { id, title: 'Debate night', status: 'live' }, ops)).status).toBe(201);
      expect((await raw(c.a.url, 'PATCH', `/tickers/${id}`, { questions: { public: true } }, ops)).status).toBe(200);
      return id;
    };
    const ask = async (tickerId: string, token: string) =>
      (await raw(c.a.url, 'POST', `/tickers/${tickerId}/questions`, { body: 'Who pays for the recount?', clientId: `client-${++n}` }, bearer(token))).body as Question;
    /** The desk's view of one question on `questions:<id>` through `url`, every state it is sent. */
    const desk = async (url: string, tickerId: string) => {
      const s = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: OPS_KEY } });
      sockets.push(s);
      const got: Array<Question & { at: number }> = [];
      s.on('changes', (frame: { stream: string; changes: Change[] }) => {
        if (frame.stream === `questions:${tickerId}`) got.push(...frame.changes.map((ch) => ({ ...(ch.data as Question), at: Date.now() })));
      });
      const ack = await s.timeout(5000).emitWithAck('subscribe', { stream: `questions:${tickerId}`, since: 0 });
      expect(ack.ok).toBe(true);
      return got;
    };

    it('30 upvotes of one reader at once, alternating nodes, count once: one 201, the rest 200, one row, the desk on the other node sees 1', async () => {
      const id = await ticker();
      const q = await ask(id, (await makeUser(c.a.url)).token);
      const seen = await desk(c.b.url, id);
      const voter = await makeUser(c.a.url);
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => raw(i % 2 ? c.b.url : c.a.url, 'POST', `/questions/${q.id}/votes`, undefined, bearer(voter.token))));
      expect(answers.map((a) => a.status).sort()).toEqual([...Array(29).fill(200), 201]);
      for (const a of answers) expect(a.body.votes).toBe(1);
      const rows = await c.a.server.ctx.db.selectFrom('question_votes').selectAll().where('question_id', '=', q.id).execute();
      expect(rows).toHaveLength(1);
      await waitFor(() => seen.some((x) => x.id === q.id && x.votes === 1), 'the one vote on the desk stream of node b');
      expect(seen.every((x) => x.votes <= 1)).toBe(true);
      const listed = (await raw(c.b.url, 'GET', `/tickers/${id}/questions`, undefined, ops)).body.items as Question[];
      expect(listed[0]!.votes).toBe(1);
    });

    it('votes on both nodes from many readers end exact on the desk of either node, at most one change a second', async () => {
      const id = await ticker();
      const q = await ask(id, (await makeUser(c.a.url)).token);
      const seenA = await desk(c.a.url, id);
      const seenB = await desk(c.b.url, id);
      const voters = await Promise.all(Array.from({ length: 20 }, () => makeUser(c.a.url)));
      const began = Date.now();
      await Promise.all(voters.map((v, i) => raw(i % 2 ? c.b.url : c.a.url, 'POST', `/questions/${q.id}/votes`, undefined, bearer(v.token))));
      for (const seen of [seenA, seenB]) await waitFor(() => seen.some((x) => x.votes === 20), 'the final count on both desks');
      const updates = seenB.filter((x) => x.id === q.id && x.votes > 0);
      const counts = updates.map((x) => x.votes);
      expect([...counts].sort((a, b) => a - b)).toEqual(counts);
      // At most one a second (and the first at once): a slow machine only widens the bound;
      // published per vote, the 20 votes would make far more changes than the seconds they took.
      expect(updates.length).toBeLessThanOrEqual(Math.ceil((updates.at(-1)!.at - began) / 1000) + 1);
    });

    it('the two nodes claim a question\'s count at most once a second between them (the claim is the row\'s)', async () => {
      const id = await ticker();
      const q = await ask(id, (await makeUser(c.a.url)).token);
      const sweeps = [c.a, c.b].map((node) => new QuestionSweep({ db: node.server.ctx.db, publisher: node.server.ctx.publisher, logger: node.server.ctx.logger, intervalMs: 60_000, votesGapMs: 1000 }));
      const vote = async (url: string) => expect((await raw(url, 'POST', `/questions/${q.id}/votes`, undefined, bearer((await makeUser(c.a.url)).token))).status).toBe(201);
      const claimedAt = async () => (await c.a.server.ctx.db.selectFrom('questions').select('votes_published_at').where('id', '=', q.id).executeTakeFirstOrThrow()).votes_published_at;
      await vote(c.a.url);
      await waitFor(async () => (await claimedAt()) !== null, 'the first count published by a node\'s own sweep');
      // Last published ten minutes ahead: the nodes' own rounds (real time) cannot claim it now.
      const t0 = Date.now() + 600_000;
      await c.a.server.ctx.db.updateTable('questions').set({ votes_published_at: new Date(t0).toISOString() }).where('id', '=', q.id).execute();
      const claimAt = async (node: 0 | 1, ms: number) => {
        await sweeps[node]!.sweep(new Date(t0 + ms));
        return Date.parse((await claimedAt())!) - t0;
      };
      await vote(c.b.url);
      expect(await claimAt(0, 500)).toBe(0);
      expect(await claimAt(1, 999)).toBe(0);
      expect(await claimAt(1, 1000)).toBe(1000);
      await vote(c.a.url);
      expect(await claimAt(0, 1999)).toBe(1000);
      expect(await claimAt(0, 2000)).toBe(2000);
      expect((await raw(c.b.url, 'GET', `/tickers/${id}/questions`, undefined, ops)).body.items[0].votes).toBe(3);
    });

    (bus === 'redis' ? it : it.skip)('the limit of 3 questions per reader holds over both nodes (Redis keeps the count)', async () => {
      const id = await ticker();
      const reader = await makeUser(c.a.url);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await raw(i % 2 ? c.b.url : c.a.url, 'POST', `/tickers/${id}/questions`, { body: `Question number ${i}?`, clientId: `limit-${bus}-${i}` }, bearer(reader.token))).status);
      }
      expect(statuses).toEqual([201, 201, 201, 429]);
    });

    it('two editors answering one question at once on two nodes: one answer (201), one 409, one entry', async () => {
      const id = await ticker();
      const q = await ask(id, (await makeUser(c.a.url)).token);
      const [x, y] = await Promise.all([c.a.url, c.b.url].map((url) => raw(url, 'POST', `/questions/${q.id}/answer`, { body: '<p>The state.</p>' }, ops)));
      expect([x!.status, y!.status].sort()).toEqual([201, 409]);
      const entries = (await raw(c.b.url, 'GET', `/tickers/${id}/entries`)).body.items as Entry[];
      expect(entries.filter((e) => e.kind === 'answer')).toHaveLength(1);
    });
  });
}
