import { io as connect } from 'socket.io-client';
import { createClient } from '@liveticker/client-sdk';
import type { ChangesEvent, Entry } from '@liveticker/schemas';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { SHARED_REDIS_URL, cleanPrefix, randomPrefix } from '../helpers/redis';
import { ServerProcess } from '../helpers/process';
import { OPS_KEY } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

describe('two server processes sharing Redis and PostgreSQL', () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  const prefix = randomPrefix();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const env = { DATABASE_URL: db.url, REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, ADMIN_API_KEY: OPS_KEY };
    [a, b] = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await cleanPrefix(SHARED_REDIS_URL, prefix);
    await db?.drop();
  });

  it('a client on node A sees what is posted to node B, in rev order, once', async () => {
    const onA = opsApi(a.url);
    const onB = opsApi(b.url);
    await onB.createTicker({ id: 'across', title: 'Across nodes', status: 'live' });

    const socket = connect(a.url, { transports: ['websocket'] });
    const frames: ChangesEvent[] = [];
    socket.on('changes', (f: ChangesEvent) => frames.push(f));
    const ack = await socket.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:across', since: 0 });
    expect(ack.ok).toBe(true);
    const reader = createClient({ url: a.url });
    const view = reader.ticker('across', { pageSize: 100 });
    await view.ready;

    // Both nodes write at once, so revisions interleave and Redis delivers them from two publishers.
    const posted: Entry[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = await Promise.all([
        onB.post('across', { body: `b${round}-1` }),
        onB.post('across', { body: `b${round}-2` }),
        onA.post('across', { body: `a${round}` }),
      ]);
      posted.push(...batch);
    }
    const edited = await onB.edit('across', posted[0].id, { version: 1, body: 'edited on B' });

    await waitFor(() => frames.length > 0 && frames[frames.length - 1].rev === edited.rev, 'last change on A');
    // The frames form one unbroken chain of revisions: each starts where the previous ended.
    let rev = ack.rev;
    const seen: number[] = [];
    for (const f of frames) {
      expect(f.since).toBe(rev);
      rev = f.rev;
      seen.push(...f.changes.map((c) => c.rev));
    }
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(posted.length + 1);

    await waitFor(() => view.entries.length === posted.length && view.entries.some((e) => e.body === 'edited on B'), 'view on A');
    const truth = (await raw(a.url, 'GET', '/tickers/across/entries?limit=100')).body.items as Entry[];
    expect(view.entries.map((e) => [e.id, e.body])).toEqual(truth.map((e) => [e.id, e.body]));
    socket.disconnect();
    reader.close();
  });
});
