import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Change, InboxItem } from '@liveticker/schemas';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { SHARED_REDIS_URL, cleanPrefix, randomPrefix } from '../helpers/redis';
import { OPS_KEY, startNode } from '../helpers/server';
import type { NodeOptions, TestNode } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

type User = Awaited<ReturnType<typeof makeUser>>;
const bearer = (u: { token: string }) => ({ authorization: `Bearer ${u.token}` });
const ops = { authorization: `Bearer ${OPS_KEY}` };

/**
 * A reader's inbox stream across nodes on Redis and PostgreSQL: what is written on one node
 * reaches the reader's socket on another, and a reader whose node went away resumes on a new
 * one from where they were.
 */
describe('the inbox stream user:<id> on two nodes (PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let opts: NodeOptions;
  let a: TestNode;
  let b: TestNode | undefined;
  let c: TestNode | undefined;
  const prefix = randomPrefix();
  const sockets: Socket[] = [];
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    opts = { databaseUrl: db.url, redisUrl: SHARED_REDIS_URL, redisPrefix: prefix, config: { scrypt: { logN: 10, r: 8, p: 1 } } };
    a = await startNode(opts);
    b = await startNode(opts);
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await a.close();
    await b?.close();
    await c?.close();
    await cleanPrefix(SHARED_REDIS_URL, prefix);
    await db.drop();
  });

  async function open(url: string, who: User): Promise<{ socket: Socket; got: Change[] }> {
    const socket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: who.token } });
    sockets.push(socket);
    const got: Change[] = [];
    socket.on('changes', (e: { stream: string; changes: Change[] }) => {
      if (e.stream === `user:${who.id}`) got.push(...e.changes);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return { socket, got };
  }
  async function room(url: string): Promise<string> {
    const id = `nodes-${++n}`;
    expect((await raw(url, 'POST', '/tickers', { id, title: `Room ${n}`, status: 'live' }, ops)).status).toBe(201);
    return id;
  }
  async function post(url: string, who: User, tickerId: string, body: string, replyTo?: string) {
    const res = await raw(url, 'POST', `/tickers/${tickerId}/messages`, { body, clientId: `nodes-${++n}-abcdef`, ...(replyTo && { replyTo }) }, bearer(who));
    expect(res.status).toBe(201);
    return res.body as { id: string };
  }

  it('a reply written on node A reaches the reader on node B; away, they resume on a new node with every chat that changed, once', async () => {
    const [anna, ben, carl] = [await makeUser(a.url), await makeUser(a.url), await makeUser(a.url)];
    const talk = await room(a.url);
    const quiet = await room(a.url);
    const mine = await post(a.url, anna, talk, 'a question');
    await post(a.url, anna, quiet, 'soon left');
    await post(a.url, carl, talk, 'carl is here');

    const nodeB = b!;
    const onB = await open(nodeB.url, anna);
    const carlOnB = await open(nodeB.url, carl);
    const ack = await onB.socket.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` });
    expect(ack).toMatchObject({ ok: true });
    expect((await carlOnB.socket.timeout(5000).emitWithAck('subscribe', { stream: `user:${carl.id}` })).ok).toBe(true);

    await post(a.url, ben, talk, 'an answer', mine.id);
    const live = (await waitFor(() => onB.got.find((ch) => ch.type === 'inbox.updated' && ch.data.repliesToMe === 1), "the reply on node B, written on node A"))!;
    expect(live.data).toMatchObject({ tickerId: talk, lastMessage: expect.objectContaining({ body: 'an answer' }) });
    // Carl's unread moves through the sweep of whichever node claims it, and reaches him on B.
    const swept = (await waitFor(() => carlOnB.got.find((ch) => ch.type === 'inbox.updated' && (ch.data as InboxItem).unread === 1), "carl's swept item on node B"))!;
    // His item, with his counts: Anna's reply is no reply to him.
    expect(swept.data).toMatchObject({ tickerId: talk, repliesToMe: 0, lastMessage: expect.objectContaining({ body: 'an answer' }) });
    const lastRev = Math.max(ack.rev, ...onB.got.map((ch) => ch.rev));

    // Node B goes away with Anna's socket; meanwhile node A writes a second reply and her leaving.
    onB.socket.disconnect();
    carlOnB.socket.disconnect();
    await nodeB.close();
    b = undefined;
    await post(a.url, ben, talk, 'another answer', mine.id);
    expect((await raw(a.url, 'DELETE', `/me/chats/${quiet}`, undefined, bearer(anna))).status).toBe(204);
    // An item is sent at most once a second: one changed again within it is held until node A's sweep sends it.
    const held = () => a.server.ctx.db.selectFrom('chat_members').select('ticker_id').where('user_id', '=', anna.id).where('due_at', 'is not', null).execute();
    await waitFor(async () => (await held()).length === 0, "anna's held items sent");

    c = await startNode(opts);
    const onC = await open(c.url, anna);
    const back = await onC.socket.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}`, since: lastRev, epoch: ack.epoch });
    expect(back).toMatchObject({ ok: true });
    expect(back.reset).toBeUndefined();
    const changes = back.changes as Change[];
    expect(changes.map((ch) => ch.data.id).sort()).toEqual([quiet, talk].sort());
    expect(changes.find((ch) => ch.data.id === talk)).toMatchObject({ type: 'inbox.updated', data: { repliesToMe: 2, lastMessage: expect.objectContaining({ body: 'another answer' }) } });
    expect(changes.find((ch) => ch.data.id === quiet)).toMatchObject({ type: 'inbox.removed' });
  });
});
