// A push service for the push bench: an HTTPS server that takes every push (201), counts each
// subscription's first arrival and its repeats, and checks a sample like a browser and a push
// service would (RFC 8291 decryption, the VAPID JWT). Subscriptions are numbered (`/push/<n>`)
// and share a small pool of P-256 key pairs (n modulo the pool): 100,000 pairs would take long to
// make and nothing here depends on each device having its own.
import { execFileSync } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import type { ECDH } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkVapid, decrypt } from '../../test/helpers/push-receiver';

const KEY_POOL = 16;

export class BenchPushReceiver {
  url = '';
  caFile = '';
  /** When each subscription's first push arrived, ms since the epoch (NaN: none yet). */
  readonly arrivals: Float64Array;
  received = 0;
  duplicates = 0;
  /** Requests for a path that names no subscription of ours. */
  strangers = 0;
  sampled = 0;
  /** TLS connections the sender opened (a sender that keeps its connections alive opens few). */
  connections = 0;
  /** What a sampled push was wrong about (decryption, JWT, payload), at most 20. */
  readonly problems: string[] = [];
  /** The payloads of the sampled pushes (their entry ids, to check against the entry). */
  readonly sampledEntryIds = new Set<string>();
  private server?: https.Server;
  private dir = '';
  private readonly keys: Array<{ ecdh: ECDH; auth: Buffer }> = [];

  /** `subscriptions` numbered 0…n-1; every `sampleEvery`-th one is decrypted and checked. */
  constructor(
    readonly subscriptions: number,
    private readonly sampleEvery: number,
  ) {
    this.arrivals = new Float64Array(subscriptions).fill(NaN);
    for (let i = 0; i < KEY_POOL; i++) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      this.keys.push({ ecdh, auth: randomBytes(16) });
    }
  }

  /** Subscription `n` as `PushSubscription.toJSON()` gives it. */
  subscription(n: number): { endpoint: string; keys: { p256dh: string; auth: string } } {
    const k = this.keys[n % KEY_POOL]!;
    return { endpoint: `${this.url}/push/${n}`, keys: { p256dh: k.ecdh.getPublicKey().toString('base64url'), auth: k.auth.toString('base64url') } };
  }

  async start(): Promise<this> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-push-'));
    const key = path.join(this.dir, 'key.pem');
    this.caFile = path.join(this.dir, 'cert.pem');
    // prettier-ignore
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=push.bench', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', this.caFile], { stdio: 'ignore' });
    this.server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(this.caFile), keepAliveTimeout: 60_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.timeOrigin + performance.now();
        const m = /^\/push\/(\d+)$/.exec(req.url ?? '');
        const n = m ? Number(m[1]) : -1;
        if (n < 0 || n >= this.subscriptions) this.strangers++;
        else {
          this.received++;
          if (Number.isNaN(this.arrivals[n]!)) this.arrivals[n] = at;
          else this.duplicates++;
          if (n % this.sampleEvery === 0) this.check(n, req.headers.authorization, Buffer.concat(chunks), req.headers);
        }
        res.writeHead(201).end();
      });
    });
    this.server.on('secureConnection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Subscriptions that got at least one push. */
  reached(): number {
    let n = 0;
    for (const a of this.arrivals) if (!Number.isNaN(a)) n++;
    return n;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private check(n: number, authorization: string | undefined, body: Buffer, headers: Record<string, unknown>): void {
    this.sampled++;
    const problems = [...checkVapid(authorization, this.subscription(n).endpoint).problems];
    if (headers['content-encoding'] !== 'aes128gcm') problems.push(`Content-Encoding ${String(headers['content-encoding'])}`);
    try {
      const k = this.keys[n % KEY_POOL]!;
      const payload = JSON.parse(decrypt(k.ecdh, k.auth, body).toString('utf8')) as { entryId?: string };
      if (payload.entryId) this.sampledEntryIds.add(payload.entryId);
    } catch (err) {
      problems.push(`cannot decrypt: ${(err as Error).message}`);
    }
    for (const p of problems) if (this.problems.length < 20) this.problems.push(`push ${n}: ${p}`);
  }
}
