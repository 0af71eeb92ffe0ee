import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { testConfig } from '@liveticker/server';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

/**
 * A deploy's drain closes the node's listener after its grace whatever else is still finishing:
 * a webhook delivery under way (bounded by WEBHOOK_TIMEOUT_MS) must not keep the node taking a
 * proxy's new connections, which the deadline would then cut mid-request.
 */
describe('draining a node with a webhook delivery under way', () => {
  let t: TestSetup;
  let endpoint: http.Server;
  const requests: http.IncomingMessage[] = [];
  beforeAll(async () => {
    // An endpoint that takes the request and never answers.
    endpoint = http.createServer((req) => requests.push(req));
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', () => resolve()));
    t = await setup('sqlite', 'memory', { webhooks: { ...testConfig().webhooks, allowPrivate: true, pollMs: 50, timeoutMs: 3000 } });
  });
  afterAll(async () => {
    await t.close();
    endpoint.closeAllConnections();
    await new Promise<void>((resolve) => endpoint.close(() => resolve()));
  });

  it('the listener closes first; the delivery ends after it', async () => {
    await opsApi(t.url).createTicker({ id: 'drain', title: 'Drain', status: 'live' });
    const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hook`;
    const hook = await raw(t.url, 'POST', '/webhooks', { url, events: ['entry.created'], tickerId: 'drain' }, { authorization: `Bearer ${OPS_KEY}` });
    expect(hook.status).toBe(201);
    await opsApi(t.url).post('drain', { body: '<p>news</p>' });
    await waitFor(() => requests.length > 0, 'the delivery reached the endpoint');

    const order: string[] = [];
    t.node.server.httpServer.once('close', () => order.push('listener closed'));
    requests[0]!.socket.once('close', () => order.push('delivery ended'));
    await t.node.server.shutdown(10_000);
    await waitFor(() => order.length === 2, 'both ended');
    expect(order).toEqual(['listener closed', 'delivery ended']);
  });
});

/**
 * Closing a node now (`close()`, as the tests and a second signal do) must not wait for a client
 * that stopped reading: a response stuck behind a full socket kept the HTTP server from ever
 * closing (the media test's afterAll hung for a minute when a test read a variant's headers only).
 */
describe('closing a node now with a response its client stopped reading', () => {
  it('cuts the connection and closes', async () => {
    const t = await setup('sqlite', 'memory');
    let closed = false;
    try {
      const { port } = new URL(t.url);
      let serverSide: net.Socket | undefined;
      t.node.server.httpServer.once('connection', (s: net.Socket) => (serverSide = s));
      const conn = net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => conn.once('connect', resolve));
      conn.pause();
      // Pipelined, never read: megabytes of answers, more than the socket buffers hold.
      conn.write('GET /sdk/console.js HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(30));
      await waitFor(() => (serverSide?.writableLength ?? 0) > 0, 'an answer waiting for the client to read');
      const ended = new Promise<void>((resolve) => conn.once('close', () => resolve()));
      const closing = t.close().then(() => (closed = true));
      const outcome = await Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open after 10 s'), 10_000))]);
      expect(outcome).toBe('closed');
      conn.resume();
      await ended;
    } finally {
      if (!closed) t.node.server.httpServer.closeAllConnections();
    }
  });
});
