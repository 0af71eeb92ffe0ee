import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { DIALECTS } from '../helpers/db';
import { setup, startNode } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';
import { nextEvent, waitFor } from '../helpers/wait';

/** Catch-up answers by source, as the node counts them. */
async function catchUps(t: TestSetup): Promise<{ cache: number; database: number }> {
  const metric = await t.node.deps.metrics.catchUps.get();
  const by = (source: string) => metric.values.find((v) => v.labels.source === source)?.value ?? 0;
  return { cache: by('cache'), database: by('database') };
}

for (const dialect of DIALECTS) {
  describe(`a node's recent changes answer resumes (${dialect})`, () => {
    let t: TestSetup;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      // A small cache, so the test also crosses its far end.
      t = await setup(dialect, 'memory', { recentChanges: 30 });
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await t.close();
    });

    it('answers exactly what the database answers, for every position it still holds, and none beyond', async () => {
      const api = opsApi(t.url);
      await api.createTicker({ id: 'cache', title: 'Cache' });
      const watcher = connect(t.url, { transports: ['websocket'], reconnection: false });
      sockets.push(watcher);
      await nextEvent(watcher, 'connect');
      const first = await watcher.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:cache' });
      expect(first.ok).toBe(true);

      // Creates, edits (some twice), deletes, pins and a ticker change: 40 revisions.
      const ids: string[] = [];
      for (let i = 0; i < 16; i++) ids.push((await api.post('cache', { body: `e${i}` })).id);
      for (let i = 0; i < 16; i += 3) await api.edit('cache', ids[i], { version: 1, body: `e${i} edited` });
      for (let i = 0; i < 16; i += 6) await api.edit('cache', ids[i], { version: 2, body: `e${i} edited twice` });
      for (const i of [1, 7, 13]) await api.remove('cache', ids[i]);
      await api.edit('cache', ids[4], { version: 1, pinned: true });
      await api.rest.patch('/tickers/cache', { title: 'Cache (renamed)' });
      const head = (await t.node.server.ctx.changeLog.position('ticker:cache'))!;
      await waitFor(() => t.node.server.fanout.recentSince('ticker:cache', undefined, undefined)?.rev === head.rev, 'the node relayed up to the head');

      let answered = 0;
      for (let since = 0; since <= head.rev; since++) {
        const cached = t.node.server.fanout.recentSince('ticker:cache', since, head.epoch);
        if (!cached) {
          // Only positions older than the cache holds go to the database.
          expect(head.rev - since).toBeGreaterThan(30 - 1);
          continue;
        }
        answered++;
        const fromDb = await t.node.server.ctx.changeLog.since('ticker:cache', since, head.epoch);
        expect({ since, rev: cached.rev, changes: cached.changes }).toEqual({ since, rev: fromDb!.rev, changes: fromDb!.changes });
      }
      expect(answered).toBeGreaterThanOrEqual(25);
      expect(t.node.server.fanout.recentSince('ticker:cache', 0, head.epoch)).toBeUndefined();
      // Another epoch is never answered from the cache.
      expect(t.node.server.fanout.recentSince('ticker:cache', head.rev - 1, 'ffff')).toBeUndefined();
    });

    it('a reader resuming within the cache costs no database query; one further behind is answered by the database', async () => {
      const api = opsApi(t.url);
      await api.createTicker({ id: 'resume-cache', title: 'Resume' });
      const keep = connect(t.url, { transports: ['websocket'], reconnection: false });
      sockets.push(keep);
      await nextEvent(keep, 'connect');
      const start = await keep.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:resume-cache' });
      for (let i = 0; i < 5; i++) await api.post('resume-cache', { body: `r${i}` });
      const head = (await t.node.server.ctx.changeLog.position('ticker:resume-cache'))!;
      await waitFor(() => t.node.server.fanout.recentSince('ticker:resume-cache', undefined, undefined)?.rev === head.rev, 'relayed');

      const before = await catchUps(t);
      const reader = connect(t.url, { transports: ['websocket'], reconnection: false });
      sockets.push(reader);
      await nextEvent(reader, 'connect');
      const ack = await reader.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:resume-cache', since: start.rev, epoch: start.epoch });
      expect(ack).toMatchObject({ ok: true, rev: head.rev, epoch: head.epoch });
      expect(ack.changes.map((c: { data: { body: string } }) => c.data.body)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect(await catchUps(t)).toEqual({ cache: before.cache + 1, database: before.database });

      for (let i = 0; i < 40; i++) await api.post('resume-cache', { body: `more ${i}` });
      const far = await reader.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:resume-cache', since: start.rev, epoch: start.epoch });
      expect(far.changes).toHaveLength(45);
      expect(await catchUps(t)).toEqual({ cache: before.cache + 1, database: before.database + 1 });
    });

    it('a node that just started (a restart, another node) warms its cache at the first subscribe: resumes after a deploy cost no query', async () => {
      const api = opsApi(t.url);
      await api.createTicker({ id: 'warm', title: 'Warm' });
      for (let i = 0; i < 10; i++) await api.post('warm', { body: `w${i}` });
      const head = (await t.node.server.ctx.changeLog.position('ticker:warm'))!;
      const fresh = await startNode({ databaseUrl: t.db.url, config: { recentChanges: 30 } });
      try {
        const reader = connect(fresh.url, { transports: ['websocket'], reconnection: false });
        sockets.push(reader);
        await nextEvent(reader, 'connect');
        const ack = await reader.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:warm', since: head.rev - 4, epoch: head.epoch });
        expect(ack.changes.map((c: { data: { body: string } }) => c.data.body)).toEqual(['w6', 'w7', 'w8', 'w9']);
        const metric = await fresh.deps.metrics.catchUps.get();
        expect(metric.values.map((v) => [v.labels.source, v.value])).toEqual([['cache', 1]]);
      } finally {
        await fresh.close();
      }
    });
  });
}
