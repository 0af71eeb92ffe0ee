// The baseline: a bare Socket.IO server that only broadcasts. POST /publish/<room> with a JSON
// body sends it as one `changes` event to the room; sockets `subscribe` to join a room.
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200).end('ok');
    return;
  }
  const m = /^\/publish\/(.+)$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !m) {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    const payload: unknown = JSON.parse(body);
    io.to(decodeURIComponent(m[1])).emit('changes', payload);
    res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  });
});
const io = new Server(server, { transports: ['websocket'] });
io.on('connection', (socket) => {
  socket.on('subscribe', (p: { stream: string }, ack: (r: unknown) => void) => {
    void socket.join(p.stream);
    ack({ ok: true, rev: 0, changes: [] });
  });
  // The chat baseline: every message is broadcast to its room at once, one frame each.
  socket.on('chat:send', (p: { tickerId: string; body: string; clientId: string }, ack: (r: unknown) => void) => {
    const stream = `chat:${p.tickerId}`;
    io.to(stream).emit('changes', { stream, changes: [{ type: 'message.created', data: p }] });
    ack({ ok: true });
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
