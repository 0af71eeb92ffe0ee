import { execFileSync } from 'node:child_process';
import { createECDH, createHmac, createDecipheriv, createPublicKey, randomBytes, verify } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

/** What the receiver made of one push request. */
export interface ReceivedPush {
  /** The subscription (path) it was sent to. */
  id: string;
  /** The decrypted payload, parsed; undefined when it could not be decrypted (see `problems`). */
  payload?: any;
  headers: { ttl?: string; urgency?: string; topic?: string; encoding?: string };
  /** The VAPID JWT's claims (verified against the key in the request). */
  claims?: { aud: string; exp: number; sub: string };
  /** The VAPID public key the request was signed with (base64url). */
  vapidKey?: string;
  /** What was wrong with it (a bad signature, audience, expiry, encryption); empty for a good push. */
  problems: string[];
  /** When it arrived, ms since the epoch, and the status answered. */
  at: number;
  status: number;
}

/** A browser's side of a subscription: its key pair and auth secret, as PushManager.subscribe makes them. */
export interface DeviceSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** Answers to give, one per request, before the default 201 (e.g. 429 with Retry-After, 410). */
  answers: Array<{ status: number; headers?: Record<string, string> }>;
}

const b64u = (b: Buffer) => b.toString('base64url');
const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/**
 * A Web Push service for tests: an HTTPS server with a self-signed certificate (made here with
 * openssl; its PEM is at `caFile` for the server under test to trust), handing out subscriptions
 * whose private keys it holds. Every request it gets is checked like a push service would (the
 * VAPID JWT: ES256 signature, audience = the endpoint's origin, expiry within 24 h, subject) and
 * decrypted like the browser would (RFC 8291 aes128gcm), independently of the sender's library.
 */
export class PushReceiver {
  readonly pushes: ReceivedPush[] = [];
  caFile = '';
  url = '';
  /** How long it takes to answer each push, ms (a slow push service). */
  delayMs = 0;
  private server?: https.Server;
  private dir = '';
  private readonly subs = new Map<string, DeviceSubscription & { ecdh: ReturnType<typeof createECDH>; authSecret: Buffer }>();

  async start(): Promise<this> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-receiver-'));
    const key = path.join(this.dir, 'key.pem');
    this.caFile = path.join(this.dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=push.test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', this.caFile,
    ], { stdio: 'ignore' });
    this.server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(this.caFile) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = (req.url ?? '').replace(/^\/push\//, '');
        const sub = this.subs.get(id);
        const answer = sub?.answers.shift() ?? { status: sub ? 201 : 404 };
        const push: ReceivedPush = {
          id,
          headers: { ttl: req.headers.ttl as string, urgency: req.headers.urgency as string, topic: req.headers.topic as string, encoding: req.headers['content-encoding'] },
          problems: [],
          at: Date.now(),
          status: answer.status,
        };
        if (sub) this.check(sub, req.headers.authorization, Buffer.concat(chunks), push);
        else push.problems.push(`no subscription ${id}`);
        this.pushes.push(push);
        const reply = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status, answer.headers ?? {});
          res.end();
        };
        if (this.delayMs) setTimeout(reply, this.delayMs);
        else reply();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A new subscription, as a browser's `PushSubscription.toJSON()` would give it. */
  subscribe(): DeviceSubscription {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const authSecret = randomBytes(16);
    const id = randomBytes(8).toString('hex');
    const sub = { id, endpoint: `${this.url}/push/${id}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(authSecret) }, answers: [], ecdh, authSecret };
    this.subs.set(id, sub);
    return sub;
  }

  /** The pushes a subscription got that were taken (2xx). */
  delivered(sub: { id: string }): ReceivedPush[] {
    return this.pushes.filter((p) => p.id === sub.id && p.status >= 200 && p.status < 300);
  }

  requests(sub: { id: string }): ReceivedPush[] {
    return this.pushes.filter((p) => p.id === sub.id);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private check(sub: DeviceSubscription & { ecdh: ReturnType<typeof createECDH>; authSecret: Buffer }, authorization: string | undefined, body: Buffer, push: ReceivedPush): void {
    const vapid = checkVapid(authorization, sub.endpoint);
    push.problems.push(...vapid.problems);
    push.vapidKey = vapid.key;
    push.claims = vapid.claims;
    try {
      push.payload = JSON.parse(decrypt(sub.ecdh, sub.authSecret, body).toString('utf8'));
    } catch (err) {
      push.problems.push(`cannot decrypt: ${(err as Error).message}`);
    }
  }
}

/**
 * A push request's VAPID authorization (RFC 8292: `vapid t=<JWT>, k=<public key>`), checked as a
 * push service does: ES256 signature by that key, audience the endpoint's origin, expiry within
 * 24 h, a mailto: or https: subject.
 */
export function checkVapid(authorization: string | undefined, endpoint: string): { problems: string[]; key?: string; claims?: { aud: string; exp: number; sub: string } } {
  const problems: string[] = [];
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) return { problems: [`no VAPID authorization: ${authorization}`] };
  const [token, k] = [m[1]!, m[2]!];
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  const point = Buffer.from(k, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) }, format: 'jwk' });
  if (header.alg !== 'ES256') problems.push(`JWT alg ${header.alg}`);
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'))) problems.push('JWT signature does not verify');
  if (claims.aud !== new URL(endpoint).origin) problems.push(`JWT aud ${claims.aud}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) problems.push(`JWT exp ${claims.exp} not within 24 h`);
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) problems.push(`JWT sub ${claims.sub}`);
  return { problems, key: k, claims };
}

/** RFC 8291 (Web Push encryption) over RFC 8188 aes128gcm, as the browser decrypts a push. */
export function decrypt(ua: ReturnType<typeof createECDH>, authSecret: Buffer, body: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const records = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid of ${idlen} bytes (the sender's public key has 65)`);
  if (records.length > rs) throw new Error('more than one record');
  const ecdhSecret = ua.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.getPublicKey(), asPublic, Buffer.from([1])]);
  const ikm = hmac(hmac(authSecret, ecdhSecret), keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01', 'binary')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01', 'binary')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(records.subarray(records.length - 16));
  const plain = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
  // The last record ends with 0x02 and zero padding.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error('no last-record delimiter');
  return plain.subarray(0, end);
}
