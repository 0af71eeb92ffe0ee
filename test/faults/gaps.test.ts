import { createClient } from '@liveticker/client-sdk';
import type { LivetickerClient, TickerView } from '@liveticker/client-sdk';
import type { ChangesEvent } from '@liveticker/schemas';
import type { BusHandlers, StreamEnvelope } from '../../server/src/realtime/bus';
import { DIALECTS } from '../helpers/db';
import { startCluster } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { opsApi } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const bodies = (v: TickerView) => v.entries.map((e) => e.body);

/**
 * Gaps made while every socket stays connected: nothing reconnects, so only the gap branches
 * (the SDK's on a frame that skips revisions, the node's on an envelope that does) can heal them.
 */
for (const dialect of DIALECTS) {
  describe(`gaps healed on a live connection (${dialect})`, () => {
    let c: Cluster;
    const clients: LivetickerClient[] = [];
    beforeAll(async () => {
      // No periodic sweep: only the gap branches may heal (the sweep is the last resort).
      c = await startCluster(dialect, 'memory', { healIntervalMs: 0 });
    });
    afterEach(() => {
      for (const cl of clients.splice(0)) cl.close();
    });
    afterAll(() => c.close());

    it('a frame lost between server and client: the SDK asks for the missing revisions on the same socket', async () => {
      const api = opsApi(c.a.url);
      await api.createTicker({ id: 'client-gap', title: 'Client gap' });
      const cl = createClient({ url: c.a.url });
      clients.push(cl);
      const view = cl.ticker('client-gap', { order: 'oldest' });
      await view.ready;
      await api.post('client-gap', { body: 'a' });
      await waitFor(() => bodies(view).length === 1, 'first entry');

      // Drop the next frame on its way into the SDK, as a lossy path would.
      const deliver = cl.socket.listeners('changes')[0] as (f: ChangesEvent) => void;
      cl.socket.off('changes', deliver);
      let dropped: ChangesEvent | undefined;
      cl.socket.on('changes', (f: ChangesEvent) => {
        if (!dropped) dropped = f;
        else deliver(f);
      });
      let disconnects = 0;
      cl.on('disconnect', () => disconnects++);
      await api.post('client-gap', { body: 'b' });
      await waitFor(() => dropped, 'the frame of b dropped');
      await api.post('client-gap', { body: 'c' });
      await waitFor(() => bodies(view).length === 3, 'the gap healed');
      expect(bodies(view)).toEqual(['a', 'b', 'c']);
      expect(disconnects).toBe(0);
    });

    it('an envelope lost between nodes: the node reads the missing revisions from the database, its readers see no gap', async () => {
      await opsApi(c.b.url).createTicker({ id: 'node-gap', title: 'Node gap' });
      const cl = createClient({ url: c.a.url });
      clients.push(cl);
      const frames: ChangesEvent[] = [];
      cl.socket.on('changes', (f: ChangesEvent) => frames.push(f));
      const view = cl.ticker('node-gap', { order: 'oldest' });
      await view.ready;

      // Node A's bus loses one envelope from node B (a pub/sub message gone missing).
      const bus = c.a.deps.bus as unknown as { handlers: BusHandlers };
      const onStream = bus.handlers.onStream;
      let lost: StreamEnvelope | undefined;
      bus.handlers.onStream = (msg) => {
        if (!lost && msg.stream === 'ticker:node-gap') lost = msg;
        else onStream(msg);
      };
      try {
        const onB = opsApi(c.b.url);
        await onB.post('node-gap', { body: 'one' });
        await waitFor(() => lost, 'the envelope of "one" lost');
        await onB.post('node-gap', { body: 'two' });
        await waitFor(() => bodies(view).length === 2, 'node A healed the gap');
        expect(bodies(view)).toEqual(['one', 'two']);
        // The reader's frames form an unbroken chain: the node healed, not the client.
        const chain = frames.filter((f) => f.stream === 'ticker:node-gap');
        for (let i = 1; i < chain.length; i++) expect(chain[i].since).toBe(chain[i - 1].rev);
        expect(chain.length).toBeGreaterThan(0);
      } finally {
        bus.handlers.onStream = onStream;
      }
    });
  });
}
