import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Part, StopMode } from '../lifecycle';

/**
 * Connections the kernel may queue for accept, capped by net.core.somaxconn (4096 on a stock
 * kernel). After a deploy a whole audience connects within a second or two; a connection that
 * finds the queue full loses its SYN and tries again only 1, 3, 7 s later (TCP's own backoff),
 * so a host that runs a big audience on one node raises somaxconn (README: Deployment).
 */
const LISTEN_BACKLOG = 65_535;

/** How long a draining node keeps idle keep-alive connections for their next request, ms. */
const DRAIN_GRACE_MS = 2000;

/**
 * The node's HTTP server: every raw connection tracked (upgraded ones included:
 * closeAllConnections() leaves WebSockets alone, and a dead peer can hold a close handshake open
 * far past the shutdown deadline), requests handed to Express except Socket.IO's own path.
 */
export class Listener implements Part {
  readonly name = 'listener';
  readonly httpServer = http.createServer();
  private readonly connections = new Set<net.Socket>();
  private readonly acceptedAt = new WeakMap<net.Socket, number>();
  private app: http.RequestListener | undefined;
  /** The drain's whole budget, ms (the shutdown's deadline): the grace takes at most a quarter. */
  drainBudgetMs = 10_000;

  constructor(private readonly opts: { logger: Logger; metrics: Metrics }) {
    // Longer than a proxy's upstream keep-alive (nginx: 60 s): the proxy, not the node, closes an
    // idle connection, so it never sends a request on one the node has just closed.
    this.httpServer.keepAliveTimeout = 65_000;
    this.httpServer.headersTimeout = 66_000;
    // One close listener for every connection (called with the connection as `this`), no closure each.
    const connections = this.connections;
    const forget = function (this: net.Socket) {
      connections.delete(this);
    };
    this.httpServer.on('connection', (conn) => {
      this.acceptedAt.set(conn, performance.now());
      this.connections.add(conn);
      conn.on('close', forget);
    });
    // A WebSocket's first request is its upgrade: measured too, and the connection's entry goes.
    this.httpServer.on('upgrade', (req: http.IncomingMessage) => this.firstRequest(req.socket));
  }

  /** The wait from accept to a connection's first request, once per connection. */
  private firstRequest(conn: net.Socket): void {
    const at = this.acceptedAt.get(conn);
    if (at === undefined) return;
    this.acceptedAt.delete(conn);
    this.opts.metrics.firstRequestWait.observe((performance.now() - at) / 1000);
  }

  /**
   * Where requests go. Socket.IO's own listener answers its path (the long-polling transport);
   * Express must not answer it too, or every polling request gets a 404 before Engine.IO's answer.
   */
  serve(app: http.RequestListener): void {
    if (this.app) throw new Error('the listener already serves an app');
    this.app = app;
    this.httpServer.on('request', (req, res) => {
      this.firstRequest(req.socket);
      if (req.url?.startsWith('/socket.io/')) return;
      app(req, res);
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.httpServer.once('error', reject);
      // A deep accept queue: a reconnect storm, or a flood of handshakes from one address, must
      // not drop the SYN of an editor's request (Node's default is 511; the kernel caps it at
      // net.core.somaxconn).
      this.httpServer.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        this.httpServer.off('error', reject);
        resolve(this.httpServer.address() as AddressInfo);
      });
    });
  }

  /** Ends every connection now (the shutdown's deadline). */
  cutAll(): void {
    this.opts.logger.warn({ connections: this.connections.size }, 'shutdown deadline reached: cutting the remaining connections');
    this.httpServer.closeAllConnections();
    for (const conn of this.connections) conn.destroy();
  }

  /**
   * Draining: for a grace the node still takes connections and serves them, every answer saying
   * `Connection: close` (see the app), so the connections in use end cleanly after their next
   * answer and a proxy's pool of them empties. Closing the listening socket at once would reset
   * every connection still in the kernel's accept queue: a proxy that had just sent an editor's
   * POST on one gets a reset (a 502 it must not retry, as the POST may have been taken). After
   * the grace the listener closes (a proxy's new connections are refused, which it retries on
   * another node) and so do the connections still idle; http.Server#close would have closed
   * those at once, under a proxy that may be sending on one at that moment.
   * Stopped `now`, Socket.IO's close closes the server (see the io part).
   */
  async stop(mode: StopMode): Promise<void> {
    if (mode !== 'drain' || !this.httpServer.listening) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(DRAIN_GRACE_MS, this.drainBudgetMs / 4)).unref());
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(this.httpServer, () => resolve()));
    this.httpServer.closeIdleConnections();
    await closed;
  }
}
