import type { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io';

/**
 * What Engine.IO 6.6 adds to a WebSocket's TCP socket for its middlewares: a stand-in response
 * (`WebSocketResponse`, engine.io's server.js) that hears the socket's `close` through this
 * listener, and holds the upgrade request meanwhile, for as long as the reader stays. Matched by
 * its source: a version of Engine.IO that adds something else is left alone (costing only memory).
 */
const ENGINE_RESPONSE_CLOSE = '() => this.emit("close")';

/** The parts of an Engine.IO connection (engine.io 6, ws 8) that hold the handshake's request. */
interface EngineConn extends EventEmitter {
  request?: unknown;
  server?: { middlewares?: Array<{ name?: string }> };
  transport?: { name?: string; socket?: { _socket?: EventEmitter } };
}

/** What a socket's handshake keeps of its headers, query and auth once connected: nothing, shared. */
const NOTHING = Object.freeze({});

/**
 * Lets go of the HTTP request that opened a socket's connection, once the handshake has read what
 * it needs from it (origin, address, cookie, auth; see sockets.ts and socket-guard.ts): Socket.IO
 * and Engine.IO keep it, with every header, for as long as the socket is open — about 1 KB per
 * reader, a browser's user agent and cookies more. After this `socket.request` is undefined, and
 * `socket.handshake` keeps `address`, `issued`, `secure` and `xdomain`: its `headers`, `query`
 * and `auth` are empty, `url` and `time` blank. A second connect on the same connection is refused
 * (see `handshakeReleased`), as it would find no request to check.
 */
export function releaseHandshake(socket: Socket): void {
  const conn = socket.conn as unknown as EngineConn;
  conn.request = undefined;
  const handshake = socket.handshake as { -readonly [K in keyof Socket['handshake']]: Socket['handshake'][K] };
  handshake.headers = NOTHING;
  handshake.query = NOTHING;
  handshake.auth = NOTHING;
  handshake.url = '';
  handshake.time = '';
  // Nothing hears that response's `close` while Engine.IO's only middleware is Socket.IO's CORS
  // (the cors package's, which sets headers and listens to nothing); another (io.engine.use) might.
  if (!conn.server?.middlewares?.every((mw) => mw.name === 'corsMiddleware')) return;
  if (conn.transport?.name === 'websocket') dropResponseListener(conn);
  // A long-polling connection upgrades later, on a request (and TCP socket) of its own.
  else conn.once('upgrade', () => dropResponseListener(conn));
}

function dropResponseListener(conn: EngineConn): void {
  const tcp = conn.transport?.socket?._socket;
  if (!tcp) return;
  for (const fn of tcp.listeners('close')) if (String(fn) === ENGINE_RESPONSE_CLOSE) tcp.removeListener('close', fn as (...args: unknown[]) => void);
}

/** True for a socket whose connection's handshake request is gone: a second connect on that connection. */
export function handshakeReleased(socket: Socket): boolean {
  return (socket.conn as unknown as EngineConn).request === undefined;
}
