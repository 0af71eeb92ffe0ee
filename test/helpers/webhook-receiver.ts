import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  type: string;
  body: any;
  /** Whether the receiver answered 2xx (took it). */
  taken: boolean;
}

/**
 * A webhook endpoint as another system runs one: verifies each request's Standard Webhooks
 * signature with the endpoint's secret, answers as told (up, down with 503, or slow), and keeps
 * what it took, deduplicated by `webhook-id` as the convention asks receivers to do.
 */
export class WebhookReceiver {
  readonly all: Received[] = [];
  /** Bodies taken, by webhook-id (a repeated id is counted in `duplicates`, not stored twice). */
  readonly taken = new Map<string, Received>();
  duplicates = 0;
  badSignatures = 0;
  mode: 'up' | 'down' = 'up';
  /** Delay before answering, ms. */
  delayMs = 0;
  secret = '';
  private server!: http.Server;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        };
        let parsed: any;
        try {
          parsed = new Webhook(this.secret).verify(body, headers);
        } catch {
          this.badSignatures++;
          res.writeHead(401).end();
          return;
        }
        const answer = () => {
          const taken = this.mode === 'up';
          const r: Received = { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], type: parsed.type, body: parsed, taken };
          this.all.push(r);
          if (taken) {
            if (this.taken.has(r.id)) this.duplicates++;
            else this.taken.set(r.id, r);
          }
          if (res.destroyed) return;
          res.writeHead(taken ? 204 : 503).end();
        };
        if (this.delayMs) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** What was taken, in the order it first arrived. */
  get events(): Received[] {
    return [...this.taken.values()];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
