import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Server as IoServer } from 'socket.io';
import type { Logger } from '../logger';

/**
 * Long-polling between the workers of one port. A polling session lives in the worker that made
 * it, but node:cluster hands each connection to any worker, and a proxy's keep-alive connection
 * carries many clients' requests. So each worker's session ids start with its index
 * (`w2.…`), and a worker that gets a request of another worker's session passes it on, request
 * by request, to that worker's loopback port. WebSocket sessions never need this (the SDK's
 * default); a polling session's upgrade to WebSocket is passed on the same way.
 *
 * (@socket.io/sticky routes whole connections from the primary instead: every byte of every
 * request with a body then crosses the primary, and a proxy's pooled connection sticks to the
 * worker of its first request's session.)
 */
export class PollingRouter {
  private ports: Record<number, number> = {};
  private privateServer?: net.Server;
  private readonly log: Logger;

  constructor(
    private readonly httpServer: http.Server,
    private readonly io: IoServer,
    private readonly index: number,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'polling-router' });
  }

  /** The worker index a session id belongs to, if it carries one. */
  static owner(url: string | undefined): number | undefined {
    const m = /[?&]sid=w(\d+)\./.exec(url ?? '');
    return m ? Number(m[1]) : undefined;
  }

  /**
   * Takes Engine.IO's place in front of the HTTP server (call right after creating the Socket.IO
   * server) and opens this worker's loopback port. Resolves with that port.
   */
  async install(): Promise<number> {
    const engine = this.io.engine as unknown as { generateId: (req: http.IncomingMessage) => string };
    engine.generateId = () => `w${this.index}.${randomBytes(15).toString('base64url')}`;
    this.wrap('request', (req, res) => this.forwardRequest(req, res as unknown as http.ServerResponse));
    this.wrap('upgrade', (req, socket, head) => this.forwardUpgrade(req, socket as unknown as Duplex, head as unknown as Buffer));
    // A server of its own on loopback (not the cluster's shared handle): connections to it go
    // into the same HTTP server, so they reach this worker's Engine.IO.
    this.privateServer = net.createServer((conn) => this.httpServer.emit('connection', conn));
    await new Promise<void>((resolve, reject) => {
      this.privateServer!.once('error', reject);
      this.privateServer!.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve());
    });
    return (this.privateServer.address() as net.AddressInfo).port;
  }

  setPorts(ports: Record<number, number>): void {
    this.ports = ports;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.privateServer ? this.privateServer.close(() => resolve()) : resolve()));
  }

  /** Puts `forward` in front of the listeners Engine.IO attached for `event`. */
  private wrap(event: 'request' | 'upgrade', forward: (req: http.IncomingMessage, a: unknown, b: unknown) => void): void {
    const listeners = this.httpServer.listeners(event) as Array<(...args: unknown[]) => void>;
    this.httpServer.removeAllListeners(event);
    this.httpServer.on(event, (req: http.IncomingMessage, a: unknown, b: unknown) => {
      const owner = PollingRouter.owner(req.url);
      if (owner !== undefined && owner !== this.index && req.url?.startsWith('/socket.io/')) return forward(req, a, b);
      for (const listener of listeners) listener.call(this.httpServer, req, a, b);
    });
  }

  /** Engine.IO's answer to a session it does not know: the client starts a new one. */
  private unknown(res: http.ServerResponse): void {
    if (res.headersSent) return void res.destroy();
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ code: 1, message: 'Session ID unknown' }));
  }

  private forwardRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const port = this.ports[PollingRouter.owner(req.url)!];
    if (!port) return this.unknown(res);
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      this.log.debug({ err: err.message }, 'could not pass a polling request on');
      this.unknown(res);
    });
    req.pipe(upstream);
    res.on('close', () => upstream.destroy());
  }

  private forwardUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const port = this.ports[PollingRouter.owner(req.url)!];
    if (!port) return void socket.destroy();
    const upstream = net.connect({ host: '127.0.0.1', port }, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
    upstream.on('close', end);
    socket.on('close', end);
  }
}
