import type { Entry } from '@liveticker/schemas';
import { testConfig } from '@liveticker/server';
import type { Config } from '@liveticker/server';
import { DIALECTS, createTestDatabase } from '../helpers/db';
import { OPS_KEY, setup, startNode } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import { isPublicAddress, postJson, publicOnlyLookup } from '../../server/src/webhooks/ssrf';

const auth = { authorization: `Bearer ${OPS_KEY}` };
/** Quick rounds for tests: look every 50 ms, retry after 100 ms, leases of 1 s. */
const quick = (over: Partial<Config['webhooks']> = {}): Partial<Config> => ({
  webhooks: { ...testConfig().webhooks, allowPrivate: true, pollMs: 50, backoffMs: 100, maxBackoffMs: 400, leaseMs: 1000, ...over },
});

for (const dialect of DIALECTS) {
  describe(`webhooks driven by the change stream (${dialect})`, () => {
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    let receiver: WebhookReceiver;
    let n = 0;
    beforeAll(async () => {
      t = await setup(dialect, 'memory', quick());
      api = opsApi(t.url);
    });
    beforeEach(async () => {
      receiver = await new WebhookReceiver().start();
    });
    afterEach(() => receiver.close());
    afterAll(() => t.close());

    /** A ticker of its own and an endpoint for it. */
    const register = async (events: string[], extra: Record<string, unknown> = {}) => {
      const id = `hooked-${++n}`;
      await api.createTicker({ id, title: `Hooked ${n}`, status: 'live' });
      const res = await raw(t.url, 'POST', '/webhooks', { url: receiver.url, events, tickerId: id, ...extra }, auth);
      expect(res.status).toBe(201);
      receiver.secret = res.body.secret;
      return { ticker: id, hook: res.body as { id: string; secret: string } };
    };

    it('an endpoint gets each change of the kinds it asked for, signed (Standard Webhooks), in revision order; the secret is shown once', async () => {
      const { ticker, hook } = await register(['entry.created', 'entry.updated', 'entry.deleted']);
      expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      // A live endpoint: each change arrives as its own event (waited for before the next write).
      const next = async (n: number) => waitFor(() => receiver.events.length >= n, `delivery ${n}`);
      const a = await api.post(ticker, { body: '<p>one</p>' });
      await next(1);
      const b = await api.post(ticker, { body: '<p>two</p>' });
      await next(2);
      await api.edit(ticker, a.id, { version: a.version, body: '<p>one, edited</p>' });
      await next(3);
      await raw(t.url, 'PATCH', `/tickers/${ticker}`, { title: 'Renamed' }, auth); // ticker.updated: not asked for
      await api.remove(ticker, b.id);
      await next(4);
      const got = receiver.events;
      expect(got.map((e) => e.type)).toEqual(['entry.created', 'entry.created', 'entry.updated', 'entry.deleted']);
      expect(got.map((e) => e.body.data.rev)).toEqual([...got.map((e) => e.body.data.rev)].sort((x, y) => x - y));
      expect(got[2]!.body.data).toMatchObject({ id: a.id, body: '<p>one, edited</p>', version: 2 });
      expect(got[3]!.body.data).toMatchObject({ id: b.id, deletedAt: expect.any(String) });
      expect(got[0]!.id).toBe(`ticker:${ticker}:${got[0]!.id.split(':')[2]}:${got[0]!.body.data.rev}`);
      expect(receiver.badSignatures).toBe(0);
      expect(receiver.duplicates).toBe(0);

      // Never shown again; the log says what went out.
      const listed = await raw(t.url, 'GET', '/webhooks', undefined, auth);
      expect(JSON.stringify(listed.body)).not.toContain(hook.secret);
      const one = await raw(t.url, 'GET', `/webhooks/${hook.id}`, undefined, auth);
      expect(one.body).toMatchObject({ id: hook.id, active: true, failingSince: null, tickerId: ticker });
      expect(one.body.secret).toBeUndefined();
      const log = await raw(t.url, 'GET', `/webhooks/${hook.id}/deliveries`, undefined, auth);
      expect(log.status).toBe(200);
      expect(log.body.items.map((d: any) => [d.type, d.ok, d.status])).toEqual([
        ['entry.deleted', true, 204],
        ['entry.updated', true, 204],
        ['entry.created', true, 204],
        ['entry.created', true, 204],
      ]);
      const page = await raw(t.url, 'GET', `/webhooks/${hook.id}/deliveries?limit=3`, undefined, auth);
      const rest = await raw(t.url, 'GET', `/webhooks/${hook.id}/deliveries?limit=3&cursor=${page.body.nextCursor}`, undefined, auth);
      expect([...page.body.items, ...rest.body.items].map((d: any) => d.id)).toEqual(log.body.items.map((d: any) => d.id));
    });

    it('an endpoint that is down loses nothing: retries back off, and once it answers every event arrives, once per id, in order', async () => {
      const { ticker, hook } = await register(['entry.created', 'message.created']);
      receiver.mode = 'down';
      const posted: Entry[] = [];
      for (let i = 0; i < 5; i++) posted.push(await api.post(ticker, { body: `<p>while down ${i}</p>` }));
      await waitFor(() => receiver.all.length >= 3, 'three refused attempts', 15_000);
      const failing = (await raw(t.url, 'GET', `/webhooks/${hook.id}`, undefined, auth)).body;
      expect(failing.failingSince).not.toBeNull();
      // Always the first event again (the queue keeps its order), never the later ones yet.
      expect(new Set(receiver.all.map((r) => r.id)).size).toBe(1);
      const log = (await raw(t.url, 'GET', `/webhooks/${hook.id}/deliveries`, undefined, auth)).body.items;
      expect(log[0]).toMatchObject({ ok: false, status: 503, error: 'HTTP 503' });
      expect(log.map((d: any) => d.attempt).reverse().slice(0, 3)).toEqual([1, 2, 3]);
      // Backing off: the gaps between attempts grow.
      const times = log.map((d: any) => Date.parse(d.createdAt)).reverse();
      expect(times[2] - times[1]).toBeGreaterThan(times[1] - times[0]);

      receiver.mode = 'up';
      for (let i = 5; i < 8; i++) posted.push(await api.post(ticker, { body: `<p>after ${i}</p>` }));
      await waitFor(() => receiver.events.length >= 8, 'every event after the endpoint came back', 15_000);
      expect(receiver.events.map((e) => e.body.data.id)).toEqual(posted.map((p) => p.id));
      expect(receiver.duplicates).toBe(0);
      await waitFor(async () => (await raw(t.url, 'GET', `/webhooks/${hook.id}`, undefined, auth)).body.failingSince === null, 'healthy again');

      // What changed again while an endpoint was behind comes as it now stands, like any catch-up of
      // the stream: an entry made and edited meanwhile is one entry.created with the edited text.
      receiver.mode = 'down';
      const c = await api.post(ticker, { body: '<p>draft</p>' });
      const refusedBefore = receiver.all.filter((r) => !r.taken).length;
      await waitFor(() => receiver.all.filter((r) => !r.taken).length > refusedBefore, 'a refused attempt');
      await api.edit(ticker, c.id, { version: c.version, body: '<p>final</p>' });
      // Its next attempt already carries the edit (one read before the edit may still be under way).
      await waitFor(() => receiver.all.some((r) => r.body.data.body === '<p>final</p>'), 'an attempt with the edit');
      receiver.mode = 'up';
      await waitFor(() => receiver.events.length >= 9, 'the folded event');
      expect(receiver.events[8]!.body).toMatchObject({ type: 'entry.created', data: { id: c.id, body: '<p>final</p>', version: 2 } });
    });

    it('an endpoint failing for the whole retry window is turned off with the reason; turned on again, it goes on where it stopped', async () => {
      const short = await setup(dialect, 'memory', quick({ retryWindowMs: 600 }));
      try {
        const shortApi = opsApi(short.url);
        await shortApi.createTicker({ id: 'dies', title: 'Dies', status: 'live' });
        const hook = (await raw(short.url, 'POST', '/webhooks', { url: receiver.url, events: ['entry.created'], tickerId: 'dies' }, auth)).body;
        receiver.secret = hook.secret;
        receiver.mode = 'down';
        const first = await shortApi.post('dies', { body: '<p>first</p>' });
        const off = await waitFor(async () => {
          const w = (await raw(short.url, 'GET', `/webhooks/${hook.id}`, undefined, auth)).body;
          return w.active === false ? w : undefined;
        }, 'the endpoint turned off', 15_000);
        expect(off.disabledReason).toMatch(/^no delivery succeeded for 1 s \(since .+\); the last attempt: HTTP 503$/);
        const attempts = receiver.all.length;
        const second = await shortApi.post('dies', { body: '<p>second</p>' });
        await new Promise((r) => setTimeout(r, 300));
        expect(receiver.all.length).toBe(attempts); // off means off

        receiver.mode = 'up';
        const on = await raw(short.url, 'PATCH', `/webhooks/${hook.id}`, { active: true }, auth);
        expect(on.body).toMatchObject({ active: true, disabledReason: null, failingSince: null });
        await waitFor(() => receiver.events.length >= 2, 'both events after turning it on');
        expect(receiver.events.map((e) => e.body.data.id)).toEqual([first.id, second.id]);
      } finally {
        await short.close();
      }
    });

    it('replay from a revision sends those events again with the ids they had', async () => {
      const { ticker, hook } = await register(['entry.created']);
      const a = await api.post(ticker, { body: '<p>a</p>' });
      await api.post(ticker, { body: '<p>b</p>' });
      await waitFor(() => receiver.events.length >= 2, 'two deliveries');
      const ids = receiver.events.map((e) => e.id);
      const res = await raw(t.url, 'POST', `/webhooks/${hook.id}/replay`, { since: a.rev - 1 }, auth);
      expect(res.status).toBe(202);
      await waitFor(() => receiver.duplicates >= 2, 'both again');
      expect(receiver.all.map((r) => r.id)).toEqual([...ids, ...ids]);
      expect((await raw(t.url, 'POST', `/webhooks/${hook.id}/replay`, { since: -1 }, auth)).status).toBe(400);
      expect((await raw(t.url, 'POST', `/webhooks/${hook.id}/replay`, { since: 0, stream: 'votes' }, auth)).status).toBe(400);
      expect((await raw(t.url, 'POST', `/webhooks/${hook.id}/replay`, { since: 0, tickerId: 'another' }, auth)).status).toBe(400);
      await raw(t.url, 'PATCH', `/webhooks/${hook.id}`, { active: false }, auth);
      expect((await raw(t.url, 'POST', `/webhooks/${hook.id}/replay`, { since: 0 }, auth)).status).toBe(409);
    });

    it('an endpoint for every ticker also follows tickers made after it, and chat events when asked', async () => {
      const hook = (await raw(t.url, 'POST', '/webhooks', { url: receiver.url, events: ['entry.created', 'message.created'] }, auth)).body;
      receiver.secret = hook.secret;
      await api.createTicker({ id: `later-${++n}`, title: 'Made later', status: 'live' });
      const e = await api.post(`later-${n}`, { body: '<p>in a new ticker</p>' });
      const m = await raw(t.url, 'POST', `/tickers/later-${n}/messages`, { body: 'Hello from the newsroom', clientId: 'webhook-test-1' }, auth);
      expect(m.status).toBe(201);
      await waitFor(() => receiver.events.some((r) => r.body.data.id === e.id) && receiver.events.some((r) => r.body.data.id === m.body.id), 'the new ticker\'s entry and message');
      expect(receiver.events.find((r) => r.body.data.id === m.body.id)!.body).toMatchObject({ type: 'message.created', data: { body: 'Hello from the newsroom', tickerId: `later-${n}` } });
      await raw(t.url, 'DELETE', `/webhooks/${hook.id}`, undefined, auth);
    });

    it('asking for chat events later starts the chat at its head: old messages are not sent', async () => {
      const { ticker, hook } = await register(['entry.created']);
      for (let i = 0; i < 3; i++) {
        const said = await raw(t.url, 'POST', `/tickers/${ticker}/messages`, { body: `old ${i}`, clientId: `old-msg-${n}-${i}` }, auth);
        expect({ status: said.status, error: said.body.error }).toEqual({ status: 201, error: undefined });
      }
      const patched = await raw(t.url, 'PATCH', `/webhooks/${hook.id}`, { events: ['entry.created', 'message.created'] }, auth);
      expect(patched.body.events).toEqual(['entry.created', 'message.created']);
      const fresh = await raw(t.url, 'POST', `/tickers/${ticker}/messages`, { body: 'new one', clientId: `new-msg-${n}` }, auth);
      await waitFor(() => receiver.events.some((e) => e.body.data.id === fresh.body.id), 'the new message');
      expect(receiver.events.map((e) => e.body.data.body)).toEqual(['new one']);
    });

    it('a replay while a round is under way is not overwritten by it', async () => {
      const { ticker, hook } = await register(['entry.created']);
      receiver.delayMs = 100;
      const posted: Entry[] = [];
      for (let i = 0; i < 6; i++) posted.push(await api.post(ticker, { body: `<p>r${i}</p>` }));
      await waitFor(() => receiver.events.length >= 2, 'a round under way');
      expect((await raw(t.url, 'POST', `/webhooks/${hook.id}/replay`, { since: posted[0]!.rev - 1 }, auth)).status).toBe(202);
      // Every event arrives, and those before the replay arrive again (same ids) after it.
      await waitFor(() => receiver.events.length >= 6 && receiver.all.filter((r) => r.id === receiver.events[0]!.id).length >= 2, 'the replay carried out', 15_000);
      expect(receiver.events.map((e) => e.body.data.id)).toEqual(posted.map((p) => p.id));
    });

    it('bad registrations get a 4xx and change nothing', async () => {
      const bad = [
        { url: 'ftp://example.org/x', events: ['entry.created'] },
        { url: 'https://user:pass@example.org/x', events: ['entry.created'] },
        { url: receiver.url, events: ['entry.exploded'] },
        { url: receiver.url, events: [] },
        { url: receiver.url, events: ['entry.created', 'entry.created'] },
        { url: receiver.url, events: ['entry.created'], extra: 1 },
        { url: receiver.url, events: ['entry.created'], tickerId: 'no-such-ticker' },
      ];
      expect((await raw(t.url, 'POST', '/webhooks', bad.at(-1), auth)).body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'tickerId' }] });
      const before = (await raw(t.url, 'GET', '/webhooks', undefined, auth)).body.items.length;
      for (const body of bad) {
        const res = await raw(t.url, 'POST', '/webhooks', body, auth);
        expect([400, 404]).toContain(res.status);
      }
      expect((await raw(t.url, 'GET', '/webhooks', undefined, auth)).body.items).toHaveLength(before);
      expect((await raw(t.url, 'GET', '/webhooks/nope/deliveries?cursor=x', undefined, auth)).status).toBe(404);
      expect((await raw(t.url, 'PATCH', '/webhooks/nope', { active: true }, auth)).status).toBe(404);
    });
  });
}

describe('webhooks refuse private addresses (SSRF) unless WEBHOOK_ALLOW_PRIVATE', () => {
  let t: TestSetup;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { webhooks: { ...testConfig().webhooks, allowPrivate: false } });
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('registering a loopback, private, link-local or mapped address is refused with the reason', async () => {
    for (const url of [
      receiver.url,
      'http://localhost:9/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/x',
      'http://192.168.0.10/x',
      'http://100.64.0.1/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://[fd00::1]/x',
      'http://0.0.0.0/x',
    ]) {
      const res = await raw(t.url, 'POST', '/webhooks', { url, events: ['entry.created'] }, auth);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body.error.message).toMatch(/not a public address|does not resolve/);
    }
    expect((await raw(t.url, 'GET', '/webhooks', undefined, auth)).body.items).toEqual([]);
  });

  it('a delivery is checked at connect time too: a name that resolves to a private address is not reached', async () => {
    expect(isPublicAddress('93.184.216.34')).toBe(true);
    expect(isPublicAddress('2606:2800:220:1:248:1893:25c8:1946')).toBe(true);
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.0.1', '169.254.169.254', '::1', 'fe80::1', '::ffff:10.0.0.1', '2002:7f00:1::1', '64:ff9b::7f00:1']) expect({ ip, public: isPublicAddress(ip) }).toEqual({ ip, public: false });
    expect(isPublicAddress('::7f00:1')).toBe(false); // IPv4-compatible ::127.0.0.1
    const looked = await new Promise<Error | null>((resolve) => publicOnlyLookup('localhost', {}, (err) => resolve(err)));
    expect(looked?.message).toMatch(/not a public address/);
    // A public address passes, in both answer shapes Node asks for (one address, or all: Node 20 connects with all).
    const one = await new Promise<unknown[]>((resolve) => publicOnlyLookup('93.184.216.34', {}, (...args: unknown[]) => resolve(args)));
    expect(one).toEqual([null, '93.184.216.34', 4]);
    const all = await new Promise<unknown[]>((resolve) => publicOnlyLookup('93.184.216.34', { all: true }, (...args: unknown[]) => resolve(args)));
    expect(all).toEqual([null, [{ address: '93.184.216.34', family: 4 }]]);
    // The sender itself: by name and by literal address, the receiver is never reached.
    const port = new URL(receiver.url).port;
    const byName = await postJson(`http://localhost:${port}/hook`, '{}', {}, { timeoutMs: 2000, allowPrivate: false });
    const byIp = await postJson(`http://127.0.0.1:${port}/hook`, '{}', {}, { timeoutMs: 2000, allowPrivate: false });
    expect(byName.error).toMatch(/^blocked: /);
    expect(byIp.error).toMatch(/^blocked: /);
    expect(receiver.all).toEqual([]);
    expect(receiver.badSignatures).toBe(0);
  });
});

describe('webhooks with two nodes on one PostgreSQL database', () => {
  it('exactly one node delivers for an endpoint: every event once, whichever node it was written on', async () => {
    const db = await createTestDatabase('postgres');
    const config = quick();
    const [a, b] = await Promise.all([startNode({ databaseUrl: db.url, config }), startNode({ databaseUrl: db.url, config })]);
    const receiver = await new WebhookReceiver().start();
    try {
      const onA = opsApi(a.url);
      const onB = opsApi(b.url);
      await onA.createTicker({ id: 'two-nodes', title: 'Two nodes', status: 'live' });
      const hook = (await raw(b.url, 'POST', '/webhooks', { url: receiver.url, events: ['entry.created'], tickerId: 'two-nodes' }, auth)).body;
      receiver.secret = hook.secret;
      const posted: Entry[] = [];
      for (let i = 0; i < 10; i++) posted.push(...(await Promise.all([onA.post('two-nodes', { body: `<p>a${i}</p>` }), onB.post('two-nodes', { body: `<p>b${i}</p>` })])));
      await waitFor(() => receiver.events.length >= 20, 'twenty deliveries', 15_000);
      expect(receiver.all).toHaveLength(20); // not one sent twice
      expect(receiver.events.map((e) => e.body.data.rev)).toEqual(posted.map((p) => p.rev).sort((x, y) => x - y));
    } finally {
      await receiver.close();
      await Promise.all([a.close(), b.close()]);
      await db.drop();
    }
  }, 60_000);
});
