import http from 'node:http';
import express from 'express';
import type { AppContext } from '../context';
import type { Part } from '../lifecycle';
import { metricsHandler } from './app';

/** METRICS_PORT: /metrics alone, on loopback, apart from the public port. */
export class MetricsServer implements Part {
  readonly name = 'metrics server';
  private server: http.Server | undefined;

  constructor(private readonly ctx: Pick<AppContext, 'config' | 'metrics'>) {}

  async start(): Promise<void> {
    const port = this.ctx.config.metricsPort;
    if (!port) return;
    const app = express();
    app.disable('x-powered-by');
    app.get('/metrics', metricsHandler(this.ctx));
    const server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
