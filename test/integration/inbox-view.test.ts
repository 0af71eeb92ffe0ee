import { createClient, openInbox } from '@liveticker/client-sdk';
import type { InboxView, InboxViewChange, LivetickerClient } from '@liveticker/client-sdk';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { nextEvent, waitFor } from '../helpers/wait';

type User = Awaited<ReturnType<typeof makeUser>>;
let n = 0;

/** The SDK's view of a reader's chats (`openInbox`) against a real server: live order, counts, read, leave. */
describe("the SDK's inbox view", () => {
  let t: TestSetup;
  const clients: LivetickerClient[] = [];
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  const client = (token?: string, fetchFn?: typeof fetch) => {
    const c = createClient({ url: t.url, token, fetch: fetchFn });
    clients.push(c);
    return c;
  };
  async function ticker(title: string): Promise<string> {
    const id = `view-${++n}`;
    await opsApi(t.url).createTicker({ id, title, status: 'live' });
    return id;
  }
  async function post(who: User, tickerId: string, body: string, replyTo?: string) {
    const res = await raw(t.url, 'POST', `/tickers/${tickerId}/messages`, { body, clientId: `client-${++n}-abcdef`, ...(replyTo && { replyTo }) }, { authorization: `Bearer ${who.token}` });
    if (res.status !== 201) throw new Error(`post: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; seq: number };
  }
  /** The next change of the view that satisfies `ok`. */
  const change = (view: InboxView, ok: (c: InboxViewChange) => boolean) =>
    new Promise<InboxViewChange>((resolve) => {
      const off = view.on('change', (c) => {
        if (!ok(c)) return;
        off();
        resolve(c);
      });
    });
  const titles = (view: InboxView) => view.items.map((i) => i.title);

  it('lists the reader\'s chats; a reply to them moves its chat to the top with the counts; reading sets them to zero everywhere', async () => {
    const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
    const election = await ticker('Election night');
    const final = await ticker('Cup final');
    const hers = await post(anna, election, 'Who is ahead?');
    await post(anna, final, 'What a goal');
    const view = openInbox(client(anna.token));
    await view.ready;
    expect(titles(view)).toEqual(['Cup final', 'Election night']);
    expect(view.items.map((i) => [i.unread, i.repliesToMe])).toEqual([
      [0, 0],
      [0, 0],
    ]);

    const moved = change(view, (c) => c.op === 'update' && c.item.tickerId === election && c.item.repliesToMe === 1);
    await post(ben, election, 'The greens, by far', hers.id);
    expect(await moved).toMatchObject({ op: 'update', from: 1, to: 0, item: { unread: 1, repliesToMe: 1, title: 'Election night' } });
    expect(titles(view)).toEqual(['Election night', 'Cup final']);

    // Read: zero here at once (before the server answered), and on the server for every device.
    const item = view.get(election)!;
    const reading = view.markRead(election, item.rev);
    expect(view.get(election)).toMatchObject({ unread: 0, repliesToMe: 0, lastReadRev: item.rev });
    await reading;
    const other = openInbox(client(anna.token));
    await other.ready;
    expect(other.get(election)).toMatchObject({ unread: 0, repliesToMe: 0, lastReadRev: item.rev });
    other.close();
  });

  it('a read answer overtaken by a newer reply does not hide that reply', async () => {
    const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
    const room = await ticker('Summit');
    const hers = await post(anna, room, 'Any news?');
    await post(ben, room, 'Not yet');
    // The PUT's answer is held until a newer reply has reached the view over the socket.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const slowPut: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'PUT') await held;
      return res;
    };
    const view = openInbox(client(anna.token, slowPut));
    await view.ready;
    const rev = view.get(room)!.rev;
    expect(view.get(room)!.unread).toBe(1);
    const reading = view.markRead(room, rev);
    await waitFor(async () => (await raw(t.url, 'GET', '/me/chats', undefined, { authorization: `Bearer ${anna.token}` })).body.items[0].unread === 0, 'the read on the server');
    const reply = change(view, (c) => c.op === 'update' && c.item.repliesToMe === 1);
    await post(ben, room, 'Now there is', hers.id);
    await reply;
    release();
    await reading;
    expect(view.get(room)).toMatchObject({ unread: 1, repliesToMe: 1 });
  });

  it('leaving a chat takes it out of the list; writing there again brings it back', async () => {
    const anna = await makeUser(t.url);
    const [a, b] = [await ticker('Stays'), await ticker('Goes')];
    await post(anna, a, 'one');
    await post(anna, b, 'two');
    const view = openInbox(client(anna.token));
    await view.ready;
    expect(titles(view)).toEqual(['Goes', 'Stays']);
    await view.leave(b);
    expect(titles(view)).toEqual(['Stays']);
    const back = change(view, (c) => c.op === 'update' && c.item.tickerId === b);
    await post(anna, b, 'again');
    expect(await back).toMatchObject({ from: -1, to: 0 });
    expect(titles(view)).toEqual(['Goes', 'Stays']);
  });

  it('pages: a chat with activity comes to the top even from beyond the loaded page, and the next page does not bring it twice', async () => {
    const anna = await makeUser(t.url);
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) {
      ids.push(await ticker(`Story ${i}`));
      await post(anna, ids[i - 1], `hello ${i}`);
    }
    const view = openInbox(client(anna.token), { pageSize: 2 });
    await view.ready;
    expect(titles(view)).toEqual(['Story 3', 'Story 2']);
    expect(view.hasMore).toBe(true);
    const moved = change(view, (c) => c.op === 'update' && c.item.tickerId === ids[0]);
    await post(anna, ids[0], 'back on top');
    expect(await moved).toMatchObject({ from: -1, to: 0 });
    expect(titles(view)).toEqual(['Story 1', 'Story 3', 'Story 2']);
    expect(await view.loadMore()).toBe(true);
    expect(titles(view)).toEqual(['Story 1', 'Story 3', 'Story 2']);
    expect(view.hasMore).toBe(false);
  });

  it('without a login the view says so and follows nothing', async () => {
    const view = openInbox(client());
    const err = nextEvent<{ code: string }>(view, 'error');
    await expect(view.ready).rejects.toMatchObject({ code: 'login_required' });
    expect((await err).code).toBe('login_required');
  });
});
