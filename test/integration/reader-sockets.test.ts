import v8 from 'node:v8';
import vm from 'node:vm';
import { io as connect } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import WebSocket from 'ws';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';
import { nextEvent, waitFor, withTimeout } from '../helpers/wait';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** The next WebSocket text message, as a string. */
const nextMessage = (ws: WebSocket, what: string) => withTimeout(new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString()))), what);

describe('what a reader socket keeps on the server', () => {
  let t: TestSetup;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    t = await setup('sqlite', 'memory');
    await opsApi(t.url).createTicker({ id: 'kept', title: 'Kept', status: 'live' });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(() => t.close());

  it('once connected, a socket lets go of its handshake request and its headers; it still subscribes and receives', async () => {
    const io = t.node.server.io;
    let request: WeakRef<object> | undefined;
    io.engine.once('connection', (conn: { request: object }) => {
      request = new WeakRef(conn.request);
    });
    const reader = connect(t.url, { transports: ['websocket'], reconnection: false, auth: { readerId: 'reader-0123456789' }, extraHeaders: { 'user-agent': 'Reader/1.0 '.repeat(20), cookie: 'tracking=' + 'x'.repeat(2000) } });
    sockets.push(reader);
    await nextEvent(reader, 'connect');
    const [socket] = io.of('/').sockets.values();
    expect(socket.request).toBeUndefined();
    expect(socket.handshake).toMatchObject({ headers: {}, query: {}, auth: {}, url: '', time: '', address: '127.0.0.1' });
    const tcp = (socket.conn as unknown as { transport: { socket: { _socket: NodeJS.EventEmitter } } }).transport.socket._socket;
    expect(tcp.listeners('close').map(String)).not.toContain('() => this.emit("close")');

    // Nothing else holds the request (nor its 2 KB cookie) either.
    await waitFor(async () => {
      gc();
      await new Promise((r) => setImmediate(r));
      return request !== undefined && request.deref() === undefined;
    }, 'the handshake request to be collected');

    const ack = (await withTimeout(reader.emitWithAck('subscribe', { stream: 'ticker:kept' }), 'subscribe')) as { ok: boolean };
    expect(ack.ok).toBe(true);
    const changes = nextEvent<{ stream: string }>(reader, 'changes');
    await opsApi(t.url).post('kept', { body: '<p>still here</p>' });
    expect((await changes).stream).toBe('ticker:kept');
  });

  it('a browser offering compressed frames (permessage-deflate) gets a socket without them', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: true });
    const answer = withTimeout(new Promise<{ headers: Record<string, unknown> }>((resolve) => ws.once('upgrade', resolve)), 'the upgrade');
    expect((await nextMessage(ws, 'open packet')).startsWith('0{')).toBe(true);
    expect((await answer).headers['sec-websocket-extensions']).toBeUndefined();
    expect(ws.extensions).toBe('');
    ws.terminate();
  });

  it('a second connect on the same connection is refused, and the node goes on serving', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    expect((await nextMessage(ws, 'open packet')).startsWith('0{')).toBe(true);
    ws.send('40');
    expect(await nextMessage(ws, 'first connect')).toMatch(/^40\{"sid"/);
    ws.send('41'); // leaves the namespace; the connection stays
    await waitFor(() => t.node.server.io.of('/').sockets.size === 0, 'the socket to leave');
    ws.send('40');
    const refused = await nextMessage(ws, 'second connect');
    expect(refused.startsWith('44')).toBe(true);
    expect(JSON.parse(refused.slice(2))).toMatchObject({ data: { code: 'unavailable' } });
    ws.terminate();

    const reader = connect(t.url, { transports: ['websocket'], reconnection: false });
    sockets.push(reader);
    await nextEvent(reader, 'connect');
  });
  it("a WebSocket handshake's 101 answer and Engine.IO's open packet leave the server in one write", async () => {
    const net = await import('node:net');
    const port = Number(new URL(t.url).port);
    // Every write the server's side of this connection makes to the kernel (one per _write or _writev).
    const writes: string[] = [];
    const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
    const orig = { _write: proto._write, _writev: proto._writev };
    let clientPort = -1;
    for (const k of ['_write', '_writev'] as const) {
      proto[k] = function (this: import('node:net').Socket, ...a: unknown[]) {
        if (this.localPort === port && this.remotePort === clientPort) {
          const chunks = k === '_write' ? [a[0]] : (a[0] as Array<{ chunk: unknown }>).map((c) => c.chunk);
          writes.push(chunks.map((c) => String(c)).join(''));
        }
        return orig[k].apply(this, a);
      };
    }
    try {
      const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      ws.once('upgrade', () => undefined);
      (ws as unknown as { _req: { once: (e: string, f: (s: import('node:net').Socket) => void) => void } })._req.once('socket', (s) => s.once('connect', () => (clientPort = s.localPort!)));
      expect(await nextMessage(ws, 'the open packet')).toMatch(/^0\{"sid"/);
      ws.close();
    } finally {
      Object.assign(proto, orig);
    }
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^HTTP\/1\.1 101 [^]*0\{"sid"/);
  });
});
