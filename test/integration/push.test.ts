import { testConfig } from '@liveticker/server';
import type { Config } from '@liveticker/server';
import { DIALECTS } from '../helpers/db';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { PushReceiver } from '../helpers/push-receiver';
import type { DeviceSubscription } from '../helpers/push-receiver';
import { pushTopic } from '../../server/src/push/deliverer';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const PASSWORD = 'a long enough password';

/** Quick rounds for tests: look every 50 ms, retry after 100 ms; the receiver's certificate trusted. */
export const quickPush = (caFile: string, over: Partial<Config['push']> = {}): Partial<Config> => ({
  push: { ...testConfig().push, allowPrivate: true, caFile, pollMs: 50, backoffMs: 100, maxBackoffMs: 400, leaseMs: 2000, ...over },
  scrypt: { logN: 10, r: 8, p: 1 },
});

/** A point that is on no P-256 curve: x = 1, y = 1. */
const OFF_CURVE = Buffer.concat([Buffer.from([4]), Buffer.alloc(31), Buffer.from([1]), Buffer.alloc(31), Buffer.from([1])]).toString('base64url');

for (const dialect of DIALECTS) {
  describe(`following a ticker with Web Push (${dialect})`, () => {
    let receiver: PushReceiver;
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    let n = 0;
    beforeAll(async () => {
      receiver = await new PushReceiver().start();
      t = await setup(dialect, 'memory', {
        ...quickPush(receiver.caFile),
        limitOverrides: { followIp: { points: 1000, duration: 3600 }, registerIp: { points: 1000, duration: 3600 }, loginIp: { points: 1000, duration: 3600 } },
      });
      api = opsApi(t.url);
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    const newTicker = async () => {
      const id = `followed-${++n}`;
      await api.createTicker({ id, title: `Followed ${n}`, status: 'live', locale: 'en' });
      return id;
    };
    const follow = async (ticker: string, sub: DeviceSubscription, topics = 'all', headers: Record<string, string> = {}) => {
      const res = await raw(t.url, 'POST', `/tickers/${ticker}/followers`, { subscription: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }, topics }, headers);
      expect({ status: res.status, body: res.status === 201 ? undefined : res.body }).toEqual({ status: 201, body: undefined });
      return res.body as { id: string; secret: string; topics: string };
    };
    const row = (id: string) => t.node.server.ctx.db.selectFrom('push_follows').selectAll().where('id', '=', id).executeTakeFirst();
    /** The follow has been served up to the newest entry of its ticker and nobody is at work on it. */
    const settled = async (id: string) => {
      const f = await row(id);
      const s = await t.node.server.ctx.db.selectFrom('push_streams').selectAll().where('ticker_id', '=', f!.ticker_id).executeTakeFirstOrThrow();
      const head = await t.node.server.ctx.db.selectFrom('streams').select('rev').where('name', '=', `ticker:${f!.ticker_id}`).executeTakeFirstOrThrow();
      return Number(s.rev) === Number(head.rev) && f!.lease_owner === null && Number(f!.pushed_rev) >= Number(f!.topics === 'all' ? s.head_rev : s.head_key_rev);
    };

    it('declares its routes and bodies in the OpenAPI document', async () => {
      const doc = (await raw(t.url, 'GET', '/openapi.json')).body;
      expect(doc.paths['/push/public-key'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/PushPublicKey');
      expect(doc.paths['/tickers/{id}/followers'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/FollowBody');
      expect(Object.keys(doc.paths['/followers/{id}']).sort()).toEqual(['delete', 'patch']);
      expect(doc.paths['/me/follows'].get).toBeDefined();
      expect(doc.components.schemas.FollowBody.properties.subscription.properties.keys.required).toEqual(['p256dh', 'auth']);
      expect(doc.components.schemas.PushPayload.required).toEqual(expect.arrayContaining(['tickerId', 'entryId', 'rev', 'title', 'body', 'url', 'kind', 'count']));
    });

    it('gives out its VAPID public key, the one it signs with: an uncompressed P-256 point, base64url', async () => {
      const res = await raw(t.url, 'GET', '/push/public-key');
      expect(res.status).toBe(200);
      expect(Buffer.from(res.body.publicKey, 'base64url')).toHaveLength(65);
      expect(res.body.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
      const ticker = await newTicker();
      const sub = receiver.subscribe();
      await follow(ticker, sub);
      await api.post(ticker, { body: '<p>signed</p>' });
      await waitFor(() => receiver.delivered(sub).length === 1, 'the push');
      const [push] = receiver.delivered(sub);
      expect(push!.vapidKey).toBe(res.body.publicKey);
    });

    it('a published entry reaches a device once, encrypted (aes128gcm) with the payload, signed with a VAPID JWT for the endpoint origin, with TTL, Urgency and the ticker Topic', async () => {
      const ticker = await newTicker();
      const sub = receiver.subscribe();
      const made = await follow(ticker, sub);
      expect(made).toEqual({ id: expect.any(String), secret: expect.stringMatching(/^lfs_/), topics: 'all' });
      // Published before: not news to the follow; an entry published after it is.
      const entry = await api.post(ticker, { kind: 'text', title: 'Goal!', body: `<p>${'A long report. '.repeat(30)}</p>` });
      await waitFor(() => receiver.delivered(sub).length === 1, 'the push');
      await waitFor(() => settled(made.id), 'the follow settled');
      const [push] = receiver.requests(sub);
      expect(push!.problems).toEqual([]);
      expect(push!.headers).toEqual({ ttl: String(24 * 3600), urgency: 'normal', topic: pushTopic(ticker), encoding: 'aes128gcm' });
      expect(push!.claims!.aud).toBe(new URL(sub.endpoint).origin);
      expect(push!.claims!.sub).toBe('mailto:no-reply@localhost');
      expect(push!.payload).toEqual({
        tickerId: ticker,
        entryId: entry.id,
        rev: entry.rev,
        title: 'Goal!',
        body: expect.any(String),
        url: `${t.url}/api/v1/tickers/${ticker}/html#entry-${entry.id}`,
        kind: 'text',
        count: 1,
      });
      expect(push!.payload.body.length).toBeLessThanOrEqual(200);
      expect(push!.payload.body).toMatch(/^A long report\. A long report\..*…$/);
      expect(receiver.requests(sub)).toHaveLength(1);
      const metrics = await t.node.deps.metrics.text();
      expect(metrics).toMatch(/^liveticker_pushes_sent_total [1-9]/m);
      expect(metrics).toMatch(/^liveticker_publish_to_push_seconds_count [1-9]/m);
      // Edits and deletions never push.
      await api.edit(ticker, entry.id, { version: entry.version, body: '<p>edited</p>' });
      await api.remove(ticker, entry.id);
      await waitFor(() => settled(made.id), 'the stream read');
      expect(receiver.requests(sub)).toHaveLength(1);
    });

    it('a burst is one notification: entries within the interval are summed up in the next push, whose payload is the latest entry; one deleted before it went out is not counted', async () => {
      const ticker = await newTicker();
      const sub = receiver.subscribe();
      const made = await follow(ticker, sub, 'all');
      const first = await api.post(ticker, { body: '<p>first</p>' });
      await waitFor(() => receiver.delivered(sub).length === 1, 'the first push');
      // Within the interval (60 s here): these wait.
      const second = await api.post(ticker, { body: '<p>second</p>' });
      const third = await api.post(ticker, { body: '<p>third</p>' });
      const fourth = await api.post(ticker, { title: 'Fourth', body: '<p>fourth</p>' });
      await api.remove(ticker, third.id);
      // Read up to the deletion (the third is recorded, or, when the read came after its deletion,
      // never seen published: either way it is not news).
      const readUpTo = async () => {
        const s = await t.node.server.ctx.db.selectFrom('push_streams').select('rev').where('ticker_id', '=', ticker).executeTakeFirstOrThrow();
        const head = await t.node.server.ctx.db.selectFrom('streams').select('rev').where('name', '=', `ticker:${ticker}`).executeTakeFirstOrThrow();
        return Number(s.rev) === Number(head.rev);
      };
      await waitFor(readUpTo, 'the entries read');
      const recorded = (await t.node.server.ctx.db.selectFrom('push_entries').select('entry_id').where('ticker_id', '=', ticker).execute()).map((r) => r.entry_id);
      expect(recorded).toEqual(expect.arrayContaining([first.id, second.id, fourth.id]));
      expect(receiver.requests(sub)).toHaveLength(1);
      // The interval passes.
      await t.node.server.ctx.db.updateTable('push_follows').set({ last_pushed_at: new Date(Date.now() - 61_000).toISOString() }).where('id', '=', made.id).execute();
      t.node.server.ctx.push.changed();
      await waitFor(() => receiver.delivered(sub).length === 2, 'the summary push');
      await waitFor(() => settled(made.id), 'the follow settled');
      const pushes = receiver.requests(sub);
      expect(pushes).toHaveLength(2);
      expect(pushes[0]!.payload).toMatchObject({ entryId: first.id, count: 1 });
      expect(pushes[1]!.problems).toEqual([]);
      expect(pushes[1]!.payload).toMatchObject({ entryId: fourth.id, rev: fourth.rev, count: 2, title: `2 new updates in Followed ${n}`, body: 'Fourth' });
      // The desk's Reach counts both pushes sent.
      const sent = async () => (await t.node.server.ctx.db.selectFrom('analytics_minutes').select('push_sent').where('ticker_id', '=', ticker).execute()).reduce((a, r) => a + r.push_sent, 0);
      await waitFor(async () => (await sent()) === 2, 'two pushes counted as sent');
    });

    it('a key-events follow gets only key events, with Urgency high', async () => {
      const ticker = await newTicker();
      const keys = receiver.subscribe();
      const all = receiver.subscribe();
      const k = await follow(ticker, keys, 'key-events');
      await follow(ticker, all, 'all', {});
      await api.post(ticker, { kind: 'text', body: '<p>kick-off</p>' });
      await waitFor(() => receiver.delivered(all).length === 1, 'the text entry to the all follow');
      await waitFor(() => settled(k.id), 'the key-events follow settled');
      expect(receiver.requests(keys)).toHaveLength(0);
      const goal = await api.post(ticker, { kind: 'key-event', title: 'Goal', body: '<p>1:0</p>' });
      await waitFor(() => receiver.delivered(keys).length === 1, 'the key event');
      const [push] = receiver.requests(keys);
      expect(push!.problems).toEqual([]);
      expect(push!.headers.urgency).toBe('high');
      expect(push!.payload).toMatchObject({ entryId: goal.id, kind: 'key-event', count: 1 });
    });

    it('a 404 or 410 from the push service ends the follow at once', async () => {
      for (const status of [404, 410]) {
        const ticker = await newTicker();
        const sub = receiver.subscribe();
        sub.answers.push({ status });
        const made = await follow(ticker, sub);
        await api.post(ticker, { body: '<p>gone?</p>' });
        await waitFor(async () => (await row(made.id)) === undefined, `the follow ended after ${status}`);
        expect(receiver.requests(sub)).toHaveLength(1);
      }
      expect((await t.node.deps.metrics.pushesFailed.get()).values.find((v) => v.labels.reason === 'gone')?.value).toBeGreaterThanOrEqual(2);
    });

    it('another 4xx (400) drops that push, counted as refused and not retried; the follow stays and gets the next entry', async () => {
      const ticker = await newTicker();
      const sub = receiver.subscribe();
      sub.answers.push({ status: 400 });
      const made = await follow(ticker, sub);
      const refused = await api.post(ticker, { body: '<p>refused</p>' });
      await waitFor(() => receiver.requests(sub).length === 1, 'the first try');
      await waitFor(async () => (await row(made.id))?.lease_owner === null && Number((await row(made.id))?.pushed_rev) >= refused.rev, 'the push dropped');
      expect(await row(made.id)).toMatchObject({ attempts: 0, next_attempt_at: null, failing_since: null });
      // Not retried (a retry would come after 100 ms here).
      await new Promise((r) => setTimeout(r, 400));
      expect(receiver.requests(sub)).toHaveLength(1);
      expect((await t.node.deps.metrics.pushesFailed.get()).values.find((v) => v.labels.reason === 'rejected')?.value).toBeGreaterThanOrEqual(1);
      const next = await api.post(ticker, { body: '<p>next</p>' });
      await waitFor(() => receiver.delivered(sub).length === 1, 'the next entry');
      expect(receiver.delivered(sub)[0]!.payload).toMatchObject({ entryId: next.id, count: 1 });
      expect(receiver.requests(sub)).toHaveLength(2);
    });

    it('a 429 is retried, not before its Retry-After, and then delivered', async () => {
      const ticker = await newTicker();
      const sub = receiver.subscribe();
      sub.answers.push({ status: 429, headers: { 'retry-after': '2' } });
      const made = await follow(ticker, sub);
      await api.post(ticker, { body: '<p>busy</p>' });
      await waitFor(() => receiver.requests(sub).length === 1, 'the first try');
      const waiting = (await waitFor(async () => {
        const f = await row(made.id);
        return f?.next_attempt_at ? f : undefined;
      }, 'the retry planned'))!;
      const refusedAt = receiver.requests(sub)[0]!.at;
      expect(Date.parse(waiting.next_attempt_at!)).toBeGreaterThanOrEqual(refusedAt + 1900);
      expect(waiting.attempts).toBe(1);
      await waitFor(() => receiver.delivered(sub).length === 1, 'the retry', 10_000);
      const [, retry] = receiver.requests(sub);
      expect(retry!.at).toBeGreaterThanOrEqual(Date.parse(waiting.next_attempt_at!));
      expect(retry!.problems).toEqual([]);
      await waitFor(async () => (await row(made.id))?.next_attempt_at === null, 'the follow healthy again');
    });

    it('the same endpoint again for the same ticker updates its follow (200, the same id); topics and language change with its secret', async () => {
      const ticker = await newTicker();
      const sub = receiver.subscribe();
      const made = await follow(ticker, sub, 'all');
      const again = await raw(t.url, 'POST', `/tickers/${ticker}/followers`, { subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics: 'key-events', lang: 'de' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ id: made.id, secret: expect.any(String), topics: 'key-events' });
      expect(await t.node.server.ctx.db.selectFrom('push_follows').select('id').where('ticker_id', '=', ticker).execute()).toHaveLength(1);
      // The old secret no longer works; the new one does.
      expect((await raw(t.url, 'PATCH', `/followers/${made.id}`, { topics: 'all' }, { authorization: `Follower ${made.secret}` })).status).toBe(403);
      const patched = await raw(t.url, 'PATCH', `/followers/${made.id}`, { topics: 'all', lang: 'ru' }, { authorization: `Follower ${again.body.secret}` });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: made.id, tickerId: ticker, topics: 'all', lang: 'ru' });
    });

    it('changing or ending a follow needs its secret or the session of the reader who made it: anything else is a 403', async () => {
      const ticker = await newTicker();
      const reader = async () => {
        const email = `r${++n}@example.org`;
        await raw(t.url, 'POST', '/users', { email, password: PASSWORD, displayName: `Reader ${n}`, role: 'reader' }, ops);
        return (await raw(t.url, 'POST', '/auth/login', { email, password: PASSWORD })).body.token as string;
      };
      const [mine, other] = [await reader(), await reader()];
      const anon = await follow(ticker, receiver.subscribe());
      const own = await follow(ticker, receiver.subscribe(), 'all', { authorization: `Bearer ${mine}` });
      for (const headers of [{} as Record<string, string>, { authorization: 'Follower wrong-secret' }, { authorization: `Follower ${own.secret}` }, { authorization: `Bearer ${other}` }, { authorization: `Bearer ${mine}` }]) {
        expect((await raw(t.url, 'PATCH', `/followers/${anon.id}`, { topics: 'key-events' }, headers)).status).toBe(403);
        expect((await raw(t.url, 'DELETE', `/followers/${anon.id}`, undefined, headers)).status).toBe(403);
      }
      expect((await raw(t.url, 'DELETE', `/followers/${own.id}`, undefined, { authorization: `Bearer ${other}` })).status).toBe(403);
      expect((await raw(t.url, 'DELETE', '/followers/no-such-follow', undefined, { authorization: `Follower ${anon.secret}` })).status).toBe(403);
      // The reader lists theirs (only theirs), and may end it with their session.
      const listed = await raw(t.url, 'GET', '/me/follows', undefined, { authorization: `Bearer ${mine}` });
      expect(listed.body.items.map((f: { id: string }) => f.id)).toEqual([own.id]);
      expect((await raw(t.url, 'GET', '/me/follows', undefined, { authorization: `Bearer ${other}` })).body.items).toEqual([]);
      expect((await raw(t.url, 'GET', '/me/follows')).status).toBe(401);
      expect((await raw(t.url, 'PATCH', `/followers/${own.id}`, { topics: 'key-events' }, { authorization: `Bearer ${mine}` })).status).toBe(200);
      expect((await raw(t.url, 'DELETE', `/followers/${own.id}`, undefined, { authorization: `Bearer ${mine}` })).status).toBe(204);
      expect((await raw(t.url, 'DELETE', `/followers/${anon.id}`, undefined, { authorization: `Follower ${anon.secret}` })).status).toBe(204);
      expect(await row(anon.id)).toBeUndefined();
    });

    it('answers any input with a 4xx, never a 500', async () => {
      const ticker = await newTicker();
      const sub = receiver.subscribe();
      const made = await follow(ticker, sub);
      const secret = { authorization: `Follower ${made.secret}` };
      const bodies: unknown[] = ['null', '[]', '"text"', '{', { subscription: null }, { subscription: { endpoint: 'https://x', keys: null } }, { subscription: { endpoint: sub.endpoint, keys: { p256dh: 5, auth: [] } } }, { subscription: { endpoint: `https://user:pw@127.0.0.1/x`, keys: sub.keys } }, { topics: 'all', subscription: { endpoint: sub.endpoint, keys: sub.keys }, extra: 1 }, { subscription: { endpoint: 'https://' + 'a'.repeat(3000), keys: sub.keys } }];
      const calls: Array<[string, string, unknown, Record<string, string>]> = [
        ...bodies.map((b): [string, string, unknown, Record<string, string>] => ['POST', `/tickers/${ticker}/followers`, b, {}]),
        ...bodies.map((b): [string, string, unknown, Record<string, string>] => ['PATCH', `/followers/${made.id}`, b, secret]),
        ['PATCH', `/followers/${made.id}`, {}, secret],
        ['PATCH', `/followers/${made.id}`, { topics: 5 }, secret],
        ['PATCH', '/followers/%E0%A4', { topics: 'all' }, secret],
        ['DELETE', '/followers/%E0%A4', undefined, secret],
        ['DELETE', `/followers/${'x'.repeat(200)}`, undefined, { authorization: `Follower ${'y'.repeat(300)}` }],
        ['POST', `/tickers/${'%FF'.repeat(3)}/followers`, { subscription: { endpoint: sub.endpoint, keys: sub.keys } }, {}],
      ];
      for (const [method, path, body, headers] of calls) {
        const res = await raw(t.url, method, path, body, headers);
        expect({ method, path, body, status: res.status >= 400 && res.status < 500, error: typeof res.body?.error?.code }).toEqual({ method, path, body, status: true, error: 'string' });
      }
    });

    it('a bad subscription is a 400 naming the field: keys of the wrong length or off the curve, an endpoint that is not https', async () => {
      const ticker = await newTicker();
      const sub = receiver.subscribe();
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: Buffer.alloc(33, 2).toString('base64url') } }, 'subscription.keys.p256dh'],
        [{ endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: OFF_CURVE } }, 'subscription.keys.p256dh'],
        [{ endpoint: sub.endpoint, keys: { ...sub.keys, auth: Buffer.alloc(15).toString('base64url') } }, 'subscription.keys.auth'],
        [{ endpoint: sub.endpoint.replace('https:', 'http:'), keys: sub.keys }, 'subscription.endpoint'],
        [{ endpoint: 'not a url', keys: sub.keys }, 'subscription.endpoint'],
        [{ endpoint: sub.endpoint, keys: { ...sub.keys, auth: 'not base64!' } }, 'subscription.keys.auth'],
        [{ endpoint: sub.endpoint, expirationTime: 1e300, keys: sub.keys }, 'subscription.expirationTime'],
        [{ endpoint: sub.endpoint, keys: { p256dh: sub.keys.p256dh } }, 'subscription.keys.auth'],
      ];
      for (const [subscription, field] of cases) {
        const res = await raw(t.url, 'POST', `/tickers/${ticker}/followers`, { subscription, topics: 'all' });
        expect({ field, status: res.status, code: res.body.error.code }).toEqual({ field, status: 400, code: 'validation_failed' });
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      }
      expect((await raw(t.url, 'POST', `/tickers/${ticker}/followers`, { subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics: 'some' })).status).toBe(400);
      expect((await raw(t.url, 'POST', `/tickers/${ticker}/followers`, '{"subscription":')).status).toBe(400);
      expect((await raw(t.url, 'POST', '/tickers/no-such-ticker/followers', { subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics: 'all' })).status).toBe(404);
    });
  });
}

describe('push endpoints are untrusted URLs (PUSH_ALLOW_PRIVATE unset)', () => {
  let receiver: PushReceiver;
  let t: TestSetup;
  let api: ReturnType<typeof opsApi>;
  beforeAll(async () => {
    receiver = await new PushReceiver().start();
    t = await setup('sqlite', 'memory', { ...quickPush(receiver.caFile, { allowPrivate: false, maxFollowsPerTicker: 3 }) });
    api = opsApi(t.url);
    await api.createTicker({ id: 'guarded', title: 'Guarded', status: 'live' });
    await api.createTicker({ id: 'crowded', title: 'Crowded', status: 'live' });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  const keys = () => receiver.subscribe().keys;

  it('refuses endpoints that lead to private, loopback or link-local addresses when saved: a 400 naming subscription.endpoint', async () => {
    const port = new URL(receiver.url).port;
    for (const endpoint of [`https://127.0.0.1:${port}/push/x`, 'https://10.1.2.3/push', 'https://[::1]/push', 'https://169.254.169.254/latest', `https://localhost:${port}/push/x`, 'https://[::ffff:192.168.0.1]/push']) {
      const res = await raw(t.url, 'POST', '/tickers/guarded/followers', { subscription: { endpoint, keys: keys() }, topics: 'all' });
      expect({ endpoint, status: res.status, paths: res.body.error?.details?.map((d: { path: string }) => d.path) }).toEqual({ endpoint, status: 400, paths: ['subscription.endpoint'] });
    }
  });

  it('refuses them again at connect time (a follow whose address was public when saved): nothing reaches the address', async () => {
    const sub = receiver.subscribe();
    const port = new URL(receiver.url).port;
    // Two follows that got past the check when saved (a name that resolved elsewhere then, say).
    const made = await raw(t.url, 'POST', '/tickers/guarded/followers', { subscription: { endpoint: 'https://93.184.216.34/push/a', keys: sub.keys }, topics: 'all' });
    expect(made.status).toBe(201);
    const viaName = await raw(t.url, 'POST', '/tickers/guarded/followers', { subscription: { endpoint: 'https://93.184.216.34/push/b', keys: sub.keys }, topics: 'all' });
    const db = t.node.server.ctx.db;
    await db.updateTable('push_follows').set({ endpoint: `https://127.0.0.1:${port}/push/${sub.id}` }).where('id', '=', made.body.id).execute();
    await db.updateTable('push_follows').set({ endpoint: `https://localhost:${port}/push/${sub.id}` }).where('id', '=', viaName.body.id).execute();
    await api.post('guarded', { body: '<p>to nobody</p>' });
    await waitFor(async () => {
      const rows = await db.selectFrom('push_follows').select('attempts').where('ticker_id', '=', 'guarded').execute();
      return rows.length === 2 && rows.every((r) => r.attempts >= 1);
    }, 'both tries refused');
    expect(receiver.requests(sub)).toEqual([]);
    expect((await t.node.deps.metrics.pushesFailed.get()).values.find((v) => v.labels.reason === 'network')?.value).toBeGreaterThanOrEqual(2);
  });

  it('takes at most 50 follows an hour from one address, and at most PUSH_MAX_FOLLOWS_PER_TICKER per ticker', async () => {
    const follow = (ticker: string, endpoint: string) => raw(t.url, 'POST', `/tickers/${ticker}/followers`, { subscription: { endpoint, keys: keys() }, topics: 'all' });
    // The hour starts now, whatever the other tests of this node followed.
    await t.node.server.ctx.limiters.reset('followIp', '127.0.0.1');
    const crowd = [];
    for (let i = 0; i < 4; i++) crowd.push(await follow('crowded', `https://93.184.216.34/crowd/${i}`));
    expect(crowd.map((r) => r.status)).toEqual([201, 201, 201, 409]);
    // At the limit, a device that follows already may still renew its follow.
    expect((await follow('crowded', 'https://93.184.216.34/crowd/0')).status).toBe(200);
    // 5 follows so far from this address (the one refused at the ticker's limit counted too): 45 more, then 429.
    const statuses = [];
    // (Over tickers of their own: at most 3 follows each here.)
    for (let i = 0; i < 16; i++) await api.createTicker({ id: `many-${i}`, title: `Many ${i}`, status: 'live' });
    for (let i = 0; i < 46; i++) statuses.push((await follow(`many-${i % 16}`, `https://93.184.216.34/many/${i}`)).status);
    // The hour used up here must not refuse the follows of the tests that run after this one.
    await t.node.server.ctx.limiters.reset('followIp', '127.0.0.1');
    expect(statuses).toEqual([...Array(45).fill(201), 429]);
  });
});

describe('a follow that keeps failing', () => {
  let receiver: PushReceiver;
  let t: TestSetup;
  beforeAll(async () => {
    receiver = await new PushReceiver().start();
    // The retry window is 7 days; 400 ms here.
    t = await setup('sqlite', 'memory', quickPush(receiver.caFile, { retryWindowMs: 400 }));
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('is retried with backoff after 5xx answers, and ends once it has failed for the whole retry window', async () => {
    const api = opsApi(t.url);
    await api.createTicker({ id: 'failing', title: 'Failing', status: 'live' });
    const sub = receiver.subscribe();
    for (let i = 0; i < 50; i++) sub.answers.push({ status: i % 2 ? 503 : 500 });
    const made = await raw(t.url, 'POST', '/tickers/failing/followers', { subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics: 'all' });
    expect(made.status).toBe(201);
    await api.post('failing', { body: '<p>into the void</p>' });
    await waitFor(async () => (await t.node.server.ctx.db.selectFrom('push_follows').select('id').where('id', '=', made.body.id).executeTakeFirst()) === undefined, 'the follow ended');
    const tries = receiver.requests(sub);
    expect(tries.length).toBeGreaterThanOrEqual(2);
    expect(tries.every((p) => p.status >= 500 && p.problems.length === 0)).toBe(true);
    const failed = (await t.node.deps.metrics.pushesFailed.get()).values;
    expect(failed.find((v) => v.labels.reason === 'server_error')?.value).toBeGreaterThanOrEqual(1);
    expect(failed.find((v) => v.labels.reason === 'expired')?.value).toBe(1);
  });
});
