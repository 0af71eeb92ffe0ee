import { randomBytes } from 'node:crypto';
import { testConfig } from '@liveticker/server';
import { DIALECTS } from '../helpers/db';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { makeUser } from '../helpers/cluster';
import { waitFor } from '../helpers/wait';
import { PushReceiver } from '../helpers/push-receiver';
import type { DeviceSubscription } from '../helpers/push-receiver';
import { pushTopic } from '../../server/src/push/deliverer';

/**
 * The console's manual push ("Breaking: …"): an editor's short text, sent once to every follow of
 * the ticker (both topics) by the deliverer that sends entries, never from the request itself.
 */
for (const dialect of DIALECTS) {
  describe(`a manual push to a ticker's followers (${dialect})`, () => {
    let receiver: PushReceiver;
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    let editor: { token: string };
    let n = 0;
    beforeAll(async () => {
      receiver = await new PushReceiver().start();
      t = await setup(dialect, 'memory', {
        // Quick rounds; the receiver's certificate trusted; a long interval, so an entry's push right after a manual one shows it did not count as one.
        push: { ...testConfig().push, allowPrivate: true, caFile: receiver.caFile, pollMs: 50, backoffMs: 100, maxBackoffMs: 400, leaseMs: 2000, minIntervalMs: 60_000 },
        scrypt: { logN: 10, r: 8, p: 1 },
        limitOverrides: { followIp: { points: 1000, duration: 3600 } },
      });
      api = opsApi(t.url);
      editor = await makeUser(t.url, 'editor');
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    const newTicker = async () => {
      const id = `breaking-${++n}`;
      await api.createTicker({ id, title: `Breaking ${n}`, status: 'live', locale: 'en' });
      return id;
    };
    const follow = async (ticker: string, sub: DeviceSubscription, topics: 'all' | 'key-events') => {
      const res = await raw(t.url, 'POST', `/tickers/${ticker}/followers`, { subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics });
      expect(res.status).toBe(201);
      return res.body as { id: string };
    };
    const send = (ticker: string, body: unknown) => raw(t.url, 'POST', `/tickers/${ticker}/pushes`, body, { authorization: `Bearer ${editor.token}` });
    /** Every follow of the ticker has been served up to its newest manual push, and nobody is at work on one. */
    const settled = async (ticker: string) => {
      const s = await t.node.server.ctx.db.selectFrom('push_streams').select('head_manual').where('ticker_id', '=', ticker).executeTakeFirstOrThrow();
      const rows = await t.node.server.ctx.db.selectFrom('push_follows').select(['manual_seq', 'lease_owner']).where('ticker_id', '=', ticker).execute();
      return rows.every((r) => r.lease_owner === null && Number(r.manual_seq) === Number(s.head_manual));
    };

    it('declares its routes and bodies in the OpenAPI document', async () => {
      const doc = (await raw(t.url, 'GET', '/openapi.json')).body;
      expect(doc.paths['/tickers/{id}/pushes'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ManualPushBody');
      expect(doc.paths['/tickers/{id}/pushes'].post.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/ManualPush');
      expect(doc.paths['/tickers/{id}/followers/count'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/FollowerCount');
      expect(doc.components.schemas.ManualPushBody.properties.text.maxLength).toBe(200);
    });

    it('reaches every follow of the ticker once, both topics, with Urgency high and the editor\'s text; the same clientId again sends nothing more', async () => {
      const ticker = await newTicker();
      const other = await newTicker();
      const all = [receiver.subscribe(), receiver.subscribe(), receiver.subscribe()];
      const keys = [receiver.subscribe(), receiver.subscribe()];
      const elsewhere = receiver.subscribe();
      // Published before they followed: not news to them.
      const entry = await api.post(ticker, { body: '<p>before</p>' });
      for (const s of all) await follow(ticker, s, 'all');
      for (const s of keys) await follow(ticker, s, 'key-events');
      await follow(other, elsewhere, 'all');

      const count = await raw(t.url, 'GET', `/tickers/${ticker}/followers/count`, undefined, { authorization: `Bearer ${editor.token}` });
      expect(count).toMatchObject({ status: 200, body: { total: 5, all: 3, keyEvents: 2 } });
      const clientId = randomBytes(9).toString('base64url');
      const sent = await send(ticker, { text: '  Breaking: the minister resigns  ', clientId });
      expect(sent.status).toBe(201);
      expect(sent.body).toEqual({ id: expect.any(String), tickerId: ticker, text: 'Breaking: the minister resigns', rev: entry.rev, createdAt: expect.any(String), followers: { total: 5, all: 3, keyEvents: 2 } });
      // Sent twice (a retry, a double click): the first push, no second.
      const twice = await send(ticker, { text: 'Breaking: the minister resigns', clientId });
      expect(twice).toMatchObject({ status: 200, body: { id: sent.body.id } });

      const everyone = [...all, ...keys];
      await waitFor(() => everyone.every((s) => receiver.delivered(s).some((p) => p.payload?.kind === 'manual')), 'the manual push at every follow');
      await waitFor(() => settled(ticker), 'every follow settled');
      for (const s of everyone) {
        const manual = receiver.requests(s);
        expect(manual).toHaveLength(1);
        expect(manual[0]!.problems).toEqual([]);
        expect(manual[0]!.headers).toEqual({ ttl: String(24 * 3600), urgency: 'high', topic: pushTopic(ticker), encoding: 'aes128gcm' });
        expect(manual[0]!.payload).toEqual({
          tickerId: ticker,
          entryId: sent.body.id,
          rev: entry.rev,
          title: ticker.replace('breaking-', 'Breaking '),
          body: 'Breaking: the minister resigns',
          url: `${t.url}/api/v1/tickers/${ticker}/html`,
          kind: 'manual',
          count: 1,
        });
      }
      expect(receiver.requests(elsewhere)).toHaveLength(0);

      // A device that follows afterwards does not get it; the next entry still goes out at once
      // to the all follows (the manual push was not the interval's push).
      const late = receiver.subscribe();
      await follow(ticker, late, 'all');
      const next = await api.post(ticker, { body: '<p>after</p>' });
      await waitFor(() => [...all, late].every((s) => receiver.delivered(s).some((p) => p.payload?.entryId === next.id)), 'the next entry');
      await waitFor(() => settled(ticker), 'every follow settled again');
      expect(receiver.requests(late).map((p) => p.payload.kind)).toEqual(['text']);
      for (const s of all) expect(receiver.requests(s).map((p) => p.payload.kind)).toEqual(['manual', 'text']);
      for (const s of keys) expect(receiver.requests(s).map((p) => p.payload.kind)).toEqual(['manual']);
    });

    it('answers bad input with a 4xx naming the field, never a 500, and takes at most 3 manual pushes per ticker in 10 minutes', async () => {
      const ticker = await newTicker();
      const bodies: Array<[unknown, string | undefined]> = [
        [null, undefined],
        ['"text"', undefined],
        ['{', undefined],
        [{}, 'text'],
        [{ text: '' }, 'text'],
        [{ text: '   ' }, 'text'],
        [{ text: 'x'.repeat(201) }, 'text'],
        [{ text: '<b>markup</b>' }, 'text'],
        [{ text: 'two\nlines' }, 'text'],
        [{ text: 5 }, 'text'],
        [{ text: 'ok', clientId: 'short' }, 'clientId'],
        [{ text: 'ok', extra: 1 }, undefined],
      ];
      for (const [body, field] of bodies) {
        const res = await send(ticker, body);
        expect({ body, status: res.status, code: res.body?.error?.code }).toEqual({ body, status: 400, code: 'validation_failed' });
        if (field) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      }
      expect((await send('no-such-ticker', { text: 'hello' })).status).toBe(404);
      expect((await send('%FF%FF', { text: 'hello' })).status).toBeLessThan(500);
      expect((await raw(t.url, 'GET', '/tickers/no-such-ticker/followers/count', undefined, { authorization: `Bearer ${editor.token}` })).status).toBe(404);
      // None of the refusals counted: three go out, the fourth waits.
      for (let i = 0; i < 3; i++) expect((await send(ticker, { text: `Update ${i}` })).status).toBe(201);
      const fourth = await send(ticker, { text: 'one too many' });
      expect(fourth.status).toBe(429);
      expect(fourth.body.error.code).toBe('rate_limited');
      expect(await t.node.server.ctx.db.selectFrom('push_manual').select('id').where('ticker_id', '=', ticker).execute()).toHaveLength(3);
    });
  });
}
