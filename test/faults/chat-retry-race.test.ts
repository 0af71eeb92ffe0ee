import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { raw } from '../helpers/api';
import { sleep, waitFor } from '../helpers/wait';

// Found by the chaos soak (seed 7: a chatter's retry, its emits flushed together on reconnect,
// was answered `message_rejected` {reason: duplicate}): a retry of chat:send that races its first
// try past the clientId lookup, and reaches the duplicate check after the first try committed,
// is refused as a duplicate of itself instead of getting the first message back, as the wire
// contract promises ("the same clientId from the same user returns the first message"). A client
// that takes `message_rejected` as final tells its reader the message was refused although it was
// posted. (The rate limits can refuse such a retry the same way.)
// Un-skipped it failed in round 17 of 40 (PostgreSQL, one node): a race, so it tries 40 rounds.
// Fixed: a refused send looks its clientId up again (server/src/chat/chat.service.ts).
describe('chat:send retried while its first try is still in flight', () => {
  let s: TestSetup;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    s = await setup('postgres');
  });
  afterAll(async () => {
    for (const so of sockets) so.disconnect();
    await s.close();
  });

  it('answers every try of one clientId with the same message, never message_rejected', async () => {
    const ops = { authorization: `Bearer ${OPS_KEY}` };
    await raw(s.url, 'POST', '/tickers', { id: 'retry-race', title: 'Retry race', status: 'live' }, ops);
    // Limits out of the way: only the duplicate check (60 s, the default) is left to refuse.
    await raw(s.url, 'PATCH', '/tickers/retry-race/chat-settings', { rateLimit: { burst: 1000, perMinute: 6000 } }, ops);
    const user = await makeUser(s.url, 'reader', 'Racer');
    // Each try on a connection of its own, as a retry after a reconnect comes (a socket's own
    // command limit, 30/s, stays out of the way).
    for (let i = 0; i < 6; i++) sockets.push(connect(s.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: user.token } }));
    await waitFor(() => sockets.every((so) => so.connected), 'sockets connected');
    const refused: unknown[] = [];
    for (let round = 0; round < 40 && refused.length === 0; round++) {
      const clientId = `race-round-${round}`;
      const acks = await Promise.all(
        sockets.map(async (so, k) => {
          await sleep(k * 2);
          return so.timeout(5000).emitWithAck('chat:send', { tickerId: 'retry-race', body: `round ${round}`, clientId });
        }),
      );
      const ids = new Set(acks.filter((a) => a.ok).map((a) => a.message.id));
      refused.push(...acks.filter((a) => !a.ok).map((a) => ({ round, error: a.error })));
      expect(ids.size).toBeLessThanOrEqual(1);
      await sleep(250);
    }
    expect(refused).toEqual([]);
  });
});
