import type { IncomingMessage } from 'node:http';

/** What Engine.IO (6.6) runs every request through before it is handled, `use()`'d middlewares first. */
interface EngineWithMiddlewares {
  _applyMiddlewares(req: IncomingMessage, res: unknown, callback: (err?: unknown) => void): void;
}

/**
 * Lets WebSocket upgrades past Engine.IO's middlewares, which are Socket.IO's CORS (the `cors`
 * option) and nothing else here: they answer HTTP long-polling requests, while CORS does not
 * apply to a WebSocket (a browser sends the page's `Origin` and reads no CORS header of the 101;
 * the origin is checked in the handshake, see sockets.ts). Engine.IO would run them as a promise
 * chain for every upgrade and append their headers to the 101: about 3 KB of garbage and a few
 * microtasks per connection, felt when a whole audience reconnects at once.
 */
export function skipMiddlewaresOnUpgrade(engine: unknown): void {
  const e = engine as EngineWithMiddlewares;
  if (typeof e._applyMiddlewares !== 'function') return;
  const apply = e._applyMiddlewares.bind(e);
  e._applyMiddlewares = (req, res, callback) => (req.headers.upgrade === undefined ? apply(req, res, callback) : callback());
}
