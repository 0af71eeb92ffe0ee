import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { MemoryHub } from '@liveticker/server';
import type { Config } from '@liveticker/server';
import { createClient, openDesk } from '@liveticker/client-sdk';
import type { DeskPresence, LivetickerClient, LivetickerError } from '@liveticker/client-sdk';
import type { DeskEditor, DeskPresenceEvent } from '@liveticker/schemas';
import { createTestDatabase } from '../helpers/db';
import { SHARED_REDIS_URL, cleanPrefix, randomPrefix } from '../helpers/redis';
import { BUSES, OPS_KEY, setup, startNode } from '../helpers/server';
import type { BusKind, TestNode, TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { nextEvent, sleep, waitFor } from '../helpers/wait';

type AnyAck = { ok: boolean; error?: { code: string; details?: unknown } };

/** Heartbeats far apart: whatever a test sees within its wait came from a change, not a heartbeat. */
const NO_HEARTBEAT: Partial<Config> = { desk: { heartbeatMs: 600_000, staleMs: 1_800_000 } };

let names = 0;
/** An editor (or other role) with a name of its own, logged in. */
async function user(url: string, role: 'reader' | 'editor' | 'moderator' | 'admin' = 'editor') {
  const name = `${role === 'reader' ? 'Reader' : 'Desk'} ${String.fromCharCode(65 + (names % 26))}${++names}`;
  const made = await makeUser(url, role, role === 'reader' ? undefined : name);
  return { ...made, name };
}

const ack = (s: Socket, event: string, payload?: unknown) => s.timeout(5000).emitWithAck(event, payload) as Promise<AnyAck>;

/** Like `ack`, waiting as told when the socket's 30 commands a second are used up. */
async function pacedAck(s: Socket, event: string, payload?: unknown): Promise<AnyAck> {
  for (;;) {
    const got = await ack(s, event, payload);
    if (got.error?.code !== 'rate_limited') return got;
    await sleep(1000 * ((got.error.details as { retryAfter?: number } | undefined)?.retryAfter ?? 1));
  }
}

/** "Name:entry" per editor, sorted; "-" for an editor editing nothing. */
const rows = (editors: DeskEditor[] | undefined) => (editors ?? []).map((e) => `${e.displayName}:${e.editing ?? '-'}`).sort();

/** A raw socket's view of one desk: every `desk:presence` for that ticker. */
class DeskWatch {
  editors: DeskEditor[] | undefined;
  constructor(
    readonly socket: Socket,
    readonly tickerId: string,
  ) {
    socket.on('desk:presence', (e: DeskPresenceEvent) => {
      if (e.tickerId === tickerId) this.editors = e.editors;
    });
  }
  async join(): Promise<this> {
    const got = await ack(this.socket, 'desk:join', { tickerId: this.tickerId });
    if (!got.ok) throw new Error(`join refused: ${JSON.stringify(got.error)}`);
    // A joining socket is always sent the list, before the ack.
    if (!this.editors) throw new Error('no desk:presence before the join ack');
    return this;
  }
  editing(entryId: string | null) {
    return ack(this.socket, 'desk:editing', { tickerId: this.tickerId, entryId });
  }
  /** Waits until the desk reads exactly `want` (see `rows`). */
  async shows(want: string[], what = want.join(', ') || 'an empty desk') {
    const sorted = JSON.stringify([...want].sort());
    await waitFor(() => JSON.stringify(rows(this.editors)) === sorted, `desk showing ${what}`).catch((err: Error) => {
      throw new Error(`${err.message} (it shows: ${rows(this.editors).join(', ') || 'nobody'})`);
    });
  }
}

describe('the editors’ desk on one node', () => {
  let t: TestSetup;
  const sockets: Socket[] = [];
  const clients: LivetickerClient[] = [];
  let entry: string;
  let other: string;

  async function socket(url: string, token?: string): Promise<Socket> {
    const s = connect(url, { transports: ['websocket'], reconnection: false, auth: token ? { token } : {} });
    sockets.push(s);
    await nextEvent(s, 'connect', 'socket connected');
    return s;
  }
  const watch = async (token: string | undefined, tickerId = 'desk') => new DeskWatch(await socket(t.url, token), tickerId);

  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { ...NO_HEARTBEAT, scrypt: { logN: 10, r: 8, p: 1 } });
    const api = opsApi(t.url);
    await api.createTicker({ id: 'desk', title: 'Desk' });
    entry = (await api.post('desk', { body: 'one' })).id;
    other = (await api.post('desk', { body: 'two' })).id;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of sockets.splice(0)) s.disconnect();
    // The next test starts at an empty desk.
    await waitFor(() => t.node.server.io.of('/').sockets.size === 0, 'the sockets of the test gone');
  });
  afterAll(() => t.close());

  it('two editors see each other arrive, what each is editing as it changes, and one leave at once when their tab closes', async () => {
    const anna = await user(t.url);
    const ben = await user(t.url);
    const a = await (await watch(anna.token)).join();
    expect(rows(a.editors)).toEqual([`${anna.name}:-`]);
    const b = await (await watch(ben.token)).join();
    expect(rows(b.editors)).toEqual([`${anna.name}:-`, `${ben.name}:-`].sort());
    await a.shows([`${anna.name}:-`, `${ben.name}:-`]);

    expect((await b.editing(entry)).ok).toBe(true);
    await a.shows([`${anna.name}:-`, `${ben.name}:${entry}`]);
    expect((await b.editing(null)).ok).toBe(true);
    await a.shows([`${anna.name}:-`, `${ben.name}:-`]);

    b.socket.disconnect();
    await a.shows([`${anna.name}:-`], 'Ben gone once his socket closed');
  });

  it('lists an editor once however many tabs they have open; the entry they most recently picked in any of them counts', async () => {
    const anna = await user(t.url);
    const ben = await user(t.url);
    const a = await (await watch(anna.token)).join();
    const tab1 = await (await watch(ben.token)).join();
    const tab2 = await (await watch(ben.token)).join();
    await a.shows([`${anna.name}:-`, `${ben.name}:-`]);

    await tab1.editing(entry);
    await a.shows([`${anna.name}:-`, `${ben.name}:${entry}`]);
    await tab2.editing(other);
    await a.shows([`${anna.name}:-`, `${ben.name}:${other}`], 'the later pick (tab 2)');
    await tab2.editing(null);
    await a.shows([`${anna.name}:-`, `${ben.name}:${entry}`], 'tab 1 still editing');
    await tab2.shows([`${anna.name}:-`, `${ben.name}:${entry}`]);

    tab1.socket.disconnect();
    await a.shows([`${anna.name}:-`, `${ben.name}:-`], 'Ben still there in tab 2, editing nothing');
    expect((await ack(tab2.socket, 'desk:leave', { tickerId: 'desk' })).ok).toBe(true);
    await a.shows([`${anna.name}:-`], 'Ben gone after leaving in his last tab');
  });

  it('refuses readers (forbidden), moderators (they write no entries) and anonymous sockets (login_required), and lists none of them', async () => {
    const anna = await user(t.url);
    const a = await (await watch(anna.token)).join();
    const reader = await user(t.url, 'reader');
    const moderator = await user(t.url, 'moderator');
    const refusals = [];
    for (const token of [reader.token, moderator.token, undefined]) {
      const s = await socket(t.url, token);
      refusals.push((await ack(s, 'desk:join', { tickerId: 'desk' })).error?.code);
      // A refused socket is at no desk: telling what it edits is refused too.
      expect((await ack(s, 'desk:editing', { tickerId: 'desk', entryId: entry })).error?.code).toBe('forbidden');
    }
    expect(refusals).toEqual(['forbidden', 'forbidden', 'login_required']);
    // An admin may sit at the desk (and is the last to arrive, so every refusal was handled by then).
    const admin = await user(t.url, 'admin');
    await (await watch(admin.token)).join();
    await a.shows([`${anna.name}:-`, `${admin.name}:-`]);
  });

  it('answers bad payloads with validation_failed, an unknown ticker with not_found, and editing before joining with forbidden', async () => {
    const anna = await user(t.url);
    const s = await socket(t.url, anna.token);
    const bad: Array<[string, unknown]> = [
      ['desk:join', undefined],
      ['desk:join', 'desk'],
      ['desk:join', { tickerId: 42 }],
      ['desk:join', { tickerId: 'Not A Slug' }],
      ['desk:join', { tickerId: 'a'.repeat(81) }],
      ['desk:join', { tickerId: 'desk', extra: true }],
      ['desk:join', { tickerId: 'desk\u0000' }],
      ['desk:editing', { tickerId: 'desk' }],
      ['desk:editing', { tickerId: 'desk', entryId: 'x'.repeat(65) }],
      ['desk:editing', { tickerId: 'desk', entryId: '<script>' }],
      ['desk:editing', { tickerId: 'desk', entryId: 7 }],
      ['desk:leave', {}],
      ['desk:leave', { tickerId: ['desk'] }],
    ];
    for (const [event, payload] of bad) {
      expect([event, payload, (await ack(s, event, payload)).error?.code]).toEqual([event, payload, 'validation_failed']);
    }
    expect((await ack(s, 'desk:join', { tickerId: 'no-such-ticker' })).error?.code).toBe('not_found');
    expect((await ack(s, 'desk:editing', { tickerId: 'desk', entryId: entry })).error?.code).toBe('forbidden');
    // The socket survived all of it.
    expect((await ack(s, 'desk:join', { tickerId: 'desk' })).ok).toBe(true);
    expect((await ack(s, 'desk:editing', { tickerId: 'desk', entryId: entry })).ok).toBe(true);
  });

  it('lets one socket join at most 10 desks (joining one again is no new one) besides its 50 streams, and desk rooms are no streams anyone can subscribe to', async () => {
    const api = opsApi(t.url);
    for (let i = 1; i <= 25; i++) await api.createTicker({ id: `many-${i}`, title: `Many ${i}` });
    const anna = await user(t.url);
    const s = await socket(t.url, anna.token);
    for (let i = 1; i <= 10; i++) expect((await pacedAck(s, 'desk:join', { tickerId: `many-${i}` })).ok).toBe(true);
    expect((await pacedAck(s, 'desk:join', { tickerId: 'many-11' })).error?.code).toBe('forbidden');
    expect((await pacedAck(s, 'desk:join', { tickerId: 'many-3' })).ok).toBe(true);
    expect((await pacedAck(s, 'desk:leave', { tickerId: 'many-3' })).ok).toBe(true);
    expect((await pacedAck(s, 'desk:join', { tickerId: 'many-11' })).ok).toBe(true);
    // The desks take none of the socket's 50 streams.
    for (let i = 1; i <= 25; i++) {
      for (const kind of ['ticker', 'chat']) expect((await pacedAck(s, 'subscribe', { stream: `${kind}:many-${i}` })).ok).toBe(true);
    }
    expect((await pacedAck(s, 'subscribe', { stream: 'ticker:desk' })).error?.code).toBe('forbidden');

    // Nobody listens in on a desk through the change streams' subscribe.
    const reader = await socket(t.url);
    expect((await ack(reader, 'subscribe', { stream: 'desk:many-11' })).error?.code).toBe('validation_failed');
  });

  it('an editor whose session ends (logout) leaves the desk at once', async () => {
    const anna = await user(t.url);
    const ben = await user(t.url);
    const a = await (await watch(anna.token)).join();
    const b = await (await watch(ben.token)).join();
    await b.editing(entry);
    await a.shows([`${anna.name}:-`, `${ben.name}:${entry}`]);
    const ended = nextEvent(b.socket, 'session:ended');
    expect((await raw(t.url, 'POST', '/auth/logout', undefined, { authorization: `Bearer ${ben.token}` })).status).toBe(204);
    await ended;
    await a.shows([`${anna.name}:-`], 'Ben gone after his logout');
  });

  describe('with the SDK', () => {
    const client = (token?: string) => {
      const c = createClient({ url: t.url, token, reconnectDelayMaxMs: 500 });
      clients.push(c);
      return c;
    };
    const shows = (desk: DeskPresence, want: string[]) =>
      waitFor(() => JSON.stringify(rows(desk.editors)) === JSON.stringify([...want].sort()), `SDK desk showing ${want.join(', ')}`).catch((err: Error) => {
        throw new Error(`${err.message} (it shows: ${rows(desk.editors).join(', ') || 'nobody'})`);
      });

    it('openDesk(client, id) lists the editors live, says again what it edits after a reconnect, and leaves on close()', async () => {
      const anna = await user(t.url);
      const ben = await user(t.url);
      const deskA = openDesk(client(anna.token), 'desk');
      const changes: DeskEditor[][] = [];
      deskA.on('change', (editors) => changes.push(editors));
      const benClient = client(ben.token);
      const deskB = openDesk(benClient, 'desk');
      const refusals: string[] = [];
      deskB.on('error', (err) => refusals.push(err.code));
      // Said before the join is through: sent once it is.
      deskB.editing(entry);
      await shows(deskA, [`${anna.name}:-`, `${ben.name}:${entry}`]);
      await shows(deskB, [`${anna.name}:-`, `${ben.name}:${entry}`]);
      expect(changes.length).toBeGreaterThan(0);

      // The server drops Ben's connection (as a restarting node does): his client reconnects by
      // itself, joins again and says again what he is editing.
      await waitFor(() => benClient.socket.connected, 'Ben connected');
      const reconnected = nextEvent(benClient.socket, 'connect', 'Ben reconnected');
      for (const s of t.node.server.io.of('/').sockets.values()) if (s.id === benClient.socket.id) s.conn.close();
      await shows(deskA, [`${anna.name}:-`]);
      await reconnected;
      await shows(deskA, [`${anna.name}:-`, `${ben.name}:${entry}`]);

      deskB.editing(other);
      await shows(deskA, [`${anna.name}:-`, `${ben.name}:${other}`]);
      deskB.close();
      await shows(deskA, [`${anna.name}:-`]);
      expect(refusals).toEqual([]);
    });

    it('reports refusals as error events: a reader gets forbidden, an anonymous client login_required, an unknown ticker not_found', async () => {
      const reader = await user(t.url, 'reader');
      const editor = await user(t.url);
      const errors = async (desk: DeskPresence) => (await nextEvent<LivetickerError>(desk, 'error', 'a desk error')).code;
      expect(await errors(openDesk(client(reader.token), 'desk'))).toBe('forbidden');
      expect(await errors(openDesk(client(), 'desk'))).toBe('login_required');
      expect(await errors(openDesk(client(editor.token), 'nowhere'))).toBe('not_found');
    });
  });
});

/** Nodes on one SQLite file and one bus (an in-process hub, or the shared Redis with a prefix of their own). */
async function nodesOn(bus: BusKind, config: Partial<Config>) {
  const db = await createTestDatabase('sqlite');
  const prefix = randomPrefix();
  const hub = new MemoryHub();
  const open = new Set<TestNode>();
  const start = async () => {
    const node = await startNode({ databaseUrl: db.url, redisUrl: bus === 'redis' ? SHARED_REDIS_URL : undefined, redisPrefix: prefix, hub, config: { scrypt: { logN: 10, r: 8, p: 1 }, ...config } });
    open.add(node);
    return node;
  };
  return {
    start,
    /** Closes a node at once, or drains it as SIGTERM does (its sockets are told to reconnect elsewhere). */
    async stop(node: TestNode, how: 'close' | 'drain') {
      if (!open.delete(node)) return;
      if (how === 'close') return node.close();
      await node.server.shutdown(2000);
      await node.deps.close();
    },
    async close() {
      for (const node of open) await node.close();
      open.clear();
      if (bus === 'redis') await cleanPrefix(SHARED_REDIS_URL, prefix);
      await db.drop();
    },
  };
}

for (const bus of BUSES) {
  describe(`the editors’ desk across nodes (${bus} bus)`, () => {
    const sockets: Socket[] = [];
    const cleanups: Array<() => Promise<void>> = [];
    async function watchOn(node: TestNode, token: string, tickerId = 'desk') {
      const s = connect(node.url, { transports: ['websocket'], reconnection: false, auth: { token } });
      sockets.push(s);
      await nextEvent(s, 'connect', 'socket connected');
      return new DeskWatch(s, tickerId).join();
    }
    async function cluster(config: Partial<Config>) {
      const nodes = await nodesOn(bus, config);
      cleanups.push(() => nodes.close());
      const a = await nodes.start();
      await opsApi(a.url).createTicker({ id: 'desk', title: 'Desk' });
      return { nodes, a };
    }
    afterEach(async () => {
      for (const s of sockets.splice(0)) s.disconnect();
      for (const close of cleanups.splice(0)) await close();
    });

    /** Two nodes without heartbeats, Anna at node A's desk and Ben at node B's. */
    const twoNodesTwoEditors = async () => {
      const { nodes, a } = await cluster(NO_HEARTBEAT);
      const b = await nodes.start();
      const anna = await user(a.url);
      const ben = await user(a.url);
      return { nodes, a, b, anna, ben, onA: await watchOn(a, anna.token), onB: await watchOn(b, ben.token) };
    };

    it('editors on two nodes see each other and what each is editing; one user on both nodes is one row', async () => {
      const { a, anna, ben, onA, onB } = await twoNodesTwoEditors();
      await onA.shows([`${anna.name}:-`, `${ben.name}:-`]);
      await onB.shows([`${anna.name}:-`, `${ben.name}:-`]);

      await onB.editing('entry-1');
      await onA.shows([`${anna.name}:-`, `${ben.name}:entry-1`]);
      // Ben opens a second tab, which the load balancer sends to node A.
      const benOnA = await watchOn(a, ben.token);
      await benOnA.editing('entry-2');
      await onA.shows([`${anna.name}:-`, `${ben.name}:entry-2`]);
      await onB.shows([`${anna.name}:-`, `${ben.name}:entry-2`]);
      benOnA.socket.disconnect();
      await onB.shows([`${anna.name}:-`, `${ben.name}:entry-1`], 'Ben’s tab on node B still editing entry-1');
      onB.socket.disconnect();
      await onA.shows([`${anna.name}:-`], 'Ben gone from node A’s desk');
    });

    it('a node started later learns who is at the desk from the others at once, without waiting for a heartbeat', async () => {
      const { nodes, a } = await cluster(NO_HEARTBEAT);
      const anna = await user(a.url);
      const ben = await user(a.url);
      const onA = await watchOn(a, anna.token);
      await onA.editing('entry-1');
      const late = await nodes.start();
      const onLate = await watchOn(late, ben.token);
      await onLate.shows([`${anna.name}:entry-1`, `${ben.name}:-`]);
      await onA.shows([`${anna.name}:entry-1`, `${ben.name}:-`]);
    });

    it.each(['close', 'drain'] as const)('a stopped node’s editors leave the other nodes’ desks at once (%s)', async (how) => {
      const { nodes, b, anna, ben, onA, onB } = await twoNodesTwoEditors();
      await onB.editing('entry-1');
      await onA.shows([`${anna.name}:-`, `${ben.name}:entry-1`]);
      await nodes.stop(b, how);
      await onA.shows([`${anna.name}:-`], 'Ben gone with node B');
    });

    it('a banned editor leaves the desk on every node at once; one demoted to reader leaves within a heartbeat', async () => {
      const { nodes, a } = await cluster({ desk: { heartbeatMs: 100, staleMs: 60_000 } });
      const b = await nodes.start();
      const anna = await user(a.url);
      const ben = await user(a.url);
      const cleo = await user(a.url);
      const onA = await watchOn(a, anna.token);
      await watchOn(b, ben.token);
      await watchOn(b, cleo.token);
      await onA.shows([`${anna.name}:-`, `${ben.name}:-`, `${cleo.name}:-`]);
      const admin = { authorization: `Bearer ${OPS_KEY}` };
      expect((await raw(a.url, 'PATCH', `/users/${ben.id}`, { banned: true }, admin)).status).toBe(200);
      await onA.shows([`${anna.name}:-`, `${cleo.name}:-`], 'banned Ben gone');
      expect((await raw(a.url, 'PATCH', `/users/${cleo.id}`, { role: 'reader' }, admin)).status).toBe(200);
      await onA.shows([`${anna.name}:-`], 'Cleo gone once a reader');
    });

    it('a node that goes silent (died without a word) drops out after the stale time; one that keeps its heartbeat does not', async () => {
      const staleMs = 600;
      const { nodes, a } = await cluster({ desk: { heartbeatMs: 100, staleMs } });
      const b = await nodes.start();
      const anna = await user(a.url);
      const ben = await user(a.url);
      const onA = await watchOn(a, anna.token);
      await watchOn(b, ben.token);
      await onA.shows([`${anna.name}:-`, `${ben.name}:-`]);
      // Alive: its heartbeats keep Ben listed well past the stale time.
      await sleep(staleMs * 3);
      expect(rows(onA.editors)).toEqual([`${anna.name}:-`, `${ben.name}:-`].sort());
      // Node B's desk messages stop reaching anyone, its sockets still open (as if it hung or died).
      const bus = b.deps.bus;
      const publish = bus.publishControl.bind(bus);
      bus.publishControl = async (msg) => (msg.type === 'desk' ? undefined : publish(msg));
      await onA.shows([`${anna.name}:-`], 'Ben dropped with his silent node');
    });
  });
}
