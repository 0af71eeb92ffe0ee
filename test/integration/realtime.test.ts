import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { createClient } from '@liveticker/client-sdk';
import type { LivetickerClient, TickerView } from '@liveticker/client-sdk';
import type { Change, Entry } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { BUSES, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import WebSocket from 'ws';
import { waitFor, withTimeout } from '../helpers/wait';

const bodies = (v: TickerView) => v.entries.map((e) => e.body);

for (const dialect of DIALECTS) {
  for (const bus of BUSES) {
    describe(`live ticker stream (${dialect}, ${bus} bus)`, () => {
      let t: TestSetup;
      let api: ReturnType<typeof opsApi>;
      const clients: LivetickerClient[] = [];
      const sockets: Socket[] = [];
      const client = () => {
        const c = createClient({ url: t.url });
        clients.push(c);
        return c;
      };
      const rawSocket = () => {
        const s = connect(t.url, { transports: ['websocket'], reconnection: false });
        sockets.push(s);
        return s;
      };

      beforeAll(async () => {
        // One proxy hop: the flooder below comes from an address of its own (its block lasts a minute).
        t = await setup(dialect, bus, { trustProxy: 1 });
        api = opsApi(t.url);
      });
      afterEach(() => {
        for (const c of clients.splice(0)) c.close();
        for (const s of sockets.splice(0)) s.disconnect();
      });
      afterAll(() => t.close());

      it('places live inserts, edits, deletes and pins for newest-first and oldest-first readers', async () => {
        await api.createTicker({ id: 'live', title: 'Live' });
        const first = await api.post('live', { body: 'one' });
        const newest = client().ticker('live', { order: 'newest' });
        const oldest = client().ticker('live', { order: 'oldest' });
        await Promise.all([newest.ready, oldest.ready]);
        const events: string[] = [];
        newest.on('change', (c) => events.push(c.op));

        const two = await api.post('live', { body: 'two' });
        const three = await api.post('live', { body: 'three' });
        await waitFor(() => bodies(newest).length === 3 && bodies(oldest).length === 3, 'inserts');
        expect(bodies(newest)).toEqual(['three', 'two', 'one']);
        expect(bodies(oldest)).toEqual(['one', 'two', 'three']);

        await api.edit('live', two.id, { version: 1, body: 'two (corrected)' });
        await api.remove('live', first.id);
        await api.edit('live', three.id, { version: 1, pinned: true });
        await waitFor(() => newest.pinned.length === 1 && bodies(oldest).length === 1, 'edit, delete, pin');
        expect(bodies(newest)).toEqual(['two (corrected)']);
        expect(bodies(oldest)).toEqual(['two (corrected)']);
        expect(newest.pinned.map((e) => e.body)).toEqual(['three']);
        expect(events).toEqual(expect.arrayContaining(['insert', 'update', 'remove', 'pinned']));

        await api.edit('live', three.id, { version: 2, pinned: false });
        await waitFor(() => newest.pinned.length === 0 && bodies(newest).length === 2, 'unpin');
        expect(bodies(newest)).toEqual(['three', 'two (corrected)']);
        await api.rest.patch('/tickers/live', { status: 'ended' });
        await waitFor(() => newest.ticker?.status === 'ended', 'ticker meta');
      });

      it('pages both orders while entries keep coming, and switches order without refetching', async () => {
        await api.createTicker({ id: 'pages', title: 'Pages' });
        for (let i = 1; i <= 12; i++) await api.post('pages', { body: `e${i}` });
        const requests: string[] = [];
        const c = createClient({
          url: t.url,
          fetch: (input, init) => {
            requests.push(String(input));
            return fetch(input, init);
          },
        });
        clients.push(c);
        const view = c.ticker('pages', { order: 'newest', pageSize: 5 });
        await view.ready;
        expect(bodies(view)).toEqual(['e12', 'e11', 'e10', 'e9', 'e8']);
        await api.post('pages', { body: 'e13' });
        await waitFor(() => view.entries[0]?.body === 'e13', 'live insert at the top');
        await view.loadMore();
        await api.post('pages', { body: 'e14' });
        await view.loadMore();
        expect(await view.loadMore()).toBe(false);
        await waitFor(() => view.entries.length === 14, 'all entries');
        expect(bodies(view)).toEqual(Array.from({ length: 14 }, (_, i) => `e${14 - i}`));

        // Everything is loaded: oldest-first is the same list reversed, no request needed.
        const before = requests.length;
        await view.setOrder('oldest');
        expect(requests.length).toBe(before);
        expect(bodies(view)).toEqual(Array.from({ length: 14 }, (_, i) => `e${i + 1}`));
        await api.post('pages', { body: 'e15' });
        await waitFor(() => view.entries[view.entries.length - 1]?.body === 'e15', 'live insert at the end');

        // An oldest-first reader who has not paged to the end does not see new entries out of place.
        const partial = client().ticker('pages', { order: 'oldest', pageSize: 4 });
        await partial.ready;
        await api.post('pages', { body: 'e16' });
        await waitFor(() => view.entries.length === 16, 'e16 reached the complete view');
        expect(bodies(partial)).toEqual(['e1', 'e2', 'e3', 'e4']);
        while (await partial.loadMore());
        expect(bodies(partial)).toEqual(Array.from({ length: 16 }, (_, i) => `e${i + 1}`));
        const reqs = requests.length;
        await view.setOrder('newest');
        await view.setOrder('oldest');
        expect(requests.length).toBe(reqs);
      });

      it('a client disconnected while 50 entries are posted and edited gets exactly those changes on reconnect, in order, once', async () => {
        await api.createTicker({ id: 'resume', title: 'Resume' });
        await api.post('resume', { body: 'before' });
        const c = client();
        const applied: Change[] = [];
        const errors: unknown[] = [];
        const sync = c.follow('ticker:resume', (changes) => applied.push(...changes), (err) => errors.push(err));
        await sync.sync();
        const view = c.ticker('resume', { pageSize: 100 });
        await view.ready;
        const startRev = sync.lastRev;

        c.socket.disconnect();
        const posted: Entry[] = [];
        for (let i = 0; i < 50; i++) posted.push(await api.post('resume', { body: `missed ${i}` }));
        for (const e of posted) await api.edit('resume', e.id, { version: 1, body: `${e.body} (edited)` });
        c.socket.connect();

        const head = (await raw(t.url, 'GET', '/tickers/resume/changes?since=0')).body.rev;
        await waitFor(() => sync.lastRev === head && view.rev === head, 'catch-up to the head');
        // A late duplicate would arrive before this marker, posted after the catch-up.
        const marker = await api.post('resume', { body: 'marker' });
        await waitFor(() => applied.some((ch) => ch.data.id === marker.id), 'the marker after the catch-up');
        const missed = applied.filter((ch) => ch.rev > startRev && ch.data.id !== marker.id);
        expect(errors).toEqual([]);
        expect(missed).toHaveLength(50);
        expect(missed.map((ch) => ch.data.id)).toEqual(posted.map((e) => e.id));
        expect(missed.every((ch) => ch.type === 'entry.created' && (ch.data as Entry).body.endsWith('(edited)'))).toBe(true);
        const revs = missed.map((ch) => ch.rev);
        expect([...revs].sort((a, b) => a - b)).toEqual(revs);
        expect(new Set(revs).size).toBe(50);
        expect(bodies(view)).toEqual(['marker', ...[...posted].reverse().map((e) => `${e.body} (edited)`), 'before']);
      });

      describe('bad socket input gets an error ack and hurts no one else', () => {
        let watcher: TickerView;
        beforeAll(async () => {
          await api.createTicker({ id: 'sock', title: 'Sockets' });
        });
        beforeEach(async () => {
          watcher = client().ticker('sock');
          await watcher.ready;
        });
        afterEach(async () => {
          // The innocent bystander still gets live entries.
          const posted = await api.post('sock', { body: `still live ${Math.random()}` });
          await waitFor(() => watcher.entries.some((e) => e.id === posted.id), 'bystander still receives');
        });

        const bad: Array<[string, unknown, string]> = [
          ['a number', 42, 'validation_failed'],
          ['a missing stream', {}, 'validation_failed'],
          ['a wrong since', { stream: 'ticker:sock', since: 'yesterday' }, 'validation_failed'],
          ['extra fields', { stream: 'ticker:sock', admin: true }, 'validation_failed'],
          ['an unknown stream kind', { stream: 'secret:sock' }, 'validation_failed'],
          ['an unknown ticker', { stream: 'ticker:does-not-exist' }, 'unknown_stream'],
          ['a moderation stream for a reader', { stream: 'mod:sock' }, 'forbidden'],
          ['a 10 KB payload', { stream: 'ticker:sock', junk: 'x'.repeat(10_000) }, 'validation_failed'],
        ];
        it.each(bad)('subscribe with %s', async (_name, payload, code) => {
          const s = rawSocket();
          const ack = await s.timeout(5000).emitWithAck('subscribe', payload);
          expect(ack).toMatchObject({ ok: false, error: { code } });
          expect(s.connected).toBe(true);
        });

        it('survives commands without an ack callback and unknown events', async () => {
          const s = rawSocket();
          await waitFor(() => s.connected, 'connected');
          s.emit('subscribe', { stream: 42 });
          s.emit('no-such-event', { x: 1 });
          s.emit('unsubscribe');
          const ack = await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:sock' });
          expect(ack).toMatchObject({ ok: true, changes: [] });
        });

        it('answers a flood with rate_limited and then cuts that socket off', async () => {
          const s = connect(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}` } });
          sockets.push(s);
          await waitFor(() => s.connected, 'connected');
          const acks = await Promise.all(
            Array.from({ length: 60 }, () => s.timeout(5000).emitWithAck('unsubscribe', { stream: 'ticker:sock' }).catch(() => ({ ok: false, error: { code: 'timeout' } }))),
          );
          expect(acks.filter((a) => a.ok).length).toBeLessThanOrEqual(30);
          expect(acks.some((a) => !a.ok && a.error.code === 'rate_limited')).toBe(true);
          for (let i = 0; i < 100; i++) s.emit('unsubscribe', { stream: 'ticker:sock' });
          await waitFor(() => !s.connected, 'flooder disconnected');
        });

        it('closes only the socket that sends a frame above 16 KB (megabytes of nested arrays never reach the parser)', async () => {
          const s = rawSocket();
          await waitFor(() => s.connected, 'connected');
          s.emit('subscribe', { stream: 'ticker:sock', junk: 'x'.repeat(20_000) });
          await waitFor(() => !s.connected, 'oversized sender disconnected');

          // 2 MB of nested arrays, written on the wire by hand (a client library would not even build it).
          const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
          const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
          ws.on('message', (data: Buffer) => {
            const msg = data.toString();
            if (msg.startsWith('0')) ws.send('40');
            else if (msg.startsWith('40')) ws.send(`42["subscribe",{"stream":"ticker:sock","junk":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}]`);
          });
          await withTimeout(closed, 'the nested-array sender cut off');
        });
      });
    });
  }
}
