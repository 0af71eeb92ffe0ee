import type { Change, InboxItem } from '@liveticker/schemas';
import { InboxView } from '../../client-sdk/src/inbox';
import type { ViewHost } from '../../client-sdk/src/host';

/**
 * The inbox view between its edges, faked: the reader's stream (changes handed in by the test)
 * and REST (answers the test holds back). What it shows while a read is on its way.
 */
const item = (tickerId: string, more: Partial<InboxItem> = {}): InboxItem => ({
  id: tickerId,
  tickerId,
  title: tickerId,
  status: 'live',
  lastMessage: null,
  unread: 0,
  repliesToMe: 0,
  lastReadRev: 0,
  rev: 0,
  activeAt: '2026-12-07T10:00:00.000Z',
  ...more,
});

function fakeHost(first: InboxItem[]) {
  let apply: (changes: Change[], rev: number) => void = () => undefined;
  let answerPut: (value: InboxItem) => void = () => undefined;
  const puts: Array<{ path: string; body: unknown }> = [];
  const sync = { stream: '', lastRev: -1, refusal: undefined, sync: async () => void (sync.lastRev = 5), poll: async () => true };
  const host = {
    isClosed: false,
    isPolling: false,
    isConnected: true,
    rest: {
      get: async (path: string) => (path === '/me' ? { id: 'u1' } : { items: first, nextCursor: null }),
      put: (path: string, body: unknown) => {
        puts.push({ path, body });
        return new Promise<InboxItem>((resolve) => (answerPut = resolve));
      },
      delete: async () => undefined,
    },
    follow: (stream: string, fn: typeof apply) => {
      sync.stream = stream;
      apply = fn;
      return sync;
    },
    unfollow: () => undefined,
    waitToRetry: async () => undefined,
  } as unknown as ViewHost;
  return { host, sync, puts, push: (change: Change) => apply([change], change.rev), answer: (i: InboxItem) => answerPut(i) };
}

describe('the inbox view while a read is on its way', () => {
  it("follows the reader's own stream", async () => {
    const fake = fakeHost([]);
    const view = new InboxView(fake.host);
    await view.ready;
    expect(fake.sync.stream).toBe('user:u1');
    view.close();
  });

  it('a change committed before the read (older read position) does not bring back the counts the reader just read', async () => {
    const fake = fakeHost([item('a', { rev: 10, lastReadRev: 8, unread: 2, repliesToMe: 1 })]);
    const view = new InboxView(fake.host);
    await view.ready;
    const reading = view.markRead('a', 10);
    expect(view.get('a')).toMatchObject({ lastReadRev: 10, unread: 0, repliesToMe: 0 });
    expect(fake.puts).toEqual([{ path: '/me/chats/a/read', body: { rev: 10 } }]);
    // The sweep's change for the same messages, written before the read, arrives now.
    fake.push({ rev: 6, type: 'inbox.updated', data: item('a', { rev: 10, lastReadRev: 8, unread: 2, repliesToMe: 1, title: 'Renamed' }) });
    expect(view.get('a')).toMatchObject({ title: 'Renamed', lastReadRev: 10, unread: 0, repliesToMe: 0 });
    fake.answer(item('a', { rev: 10, lastReadRev: 10, title: 'Renamed' }));
    await reading;
    expect(view.get('a')).toMatchObject({ lastReadRev: 10, unread: 0 });
    view.close();
  });

  it('a change the read does not cover (a newer message) shows its counts', async () => {
    const fake = fakeHost([item('a', { rev: 10, lastReadRev: 8, unread: 2 })]);
    const view = new InboxView(fake.host);
    await view.ready;
    void view.markRead('a', 10);
    fake.push({ rev: 6, type: 'inbox.updated', data: item('a', { rev: 11, lastReadRev: 10, unread: 1, activeAt: '2026-12-07T10:01:00.000Z' }) });
    expect(view.get('a')).toMatchObject({ rev: 11, lastReadRev: 10, unread: 1 });
    view.close();
  });
});
