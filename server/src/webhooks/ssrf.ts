import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Whether an address is on the public internet: ipaddr.js's `unicast` range. Loopback, private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unique-local, multicast,
 * unspecified, reserved, and IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64)
 * are not — the mapped form is judged by the IPv4 address inside.
 */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  // The deprecated IPv4-compatible form (::a.b.c.d), which ipaddr.js calls unicast.
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) return false;
  return addr.range() === 'unicast';
}

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKED';
}

/**
 * A `lookup` for outgoing requests that refuses a name resolving to any non-public address, and
 * connects to the very address it checked (a second lookup could answer otherwise: DNS rebinding).
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { all: true, family: options.family as number | undefined, hints: options.hints }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad || addresses.length === 0) {
      return callback(new BlockedAddressError(`${hostname} resolves to ${bad?.address ?? 'nothing'}, which is not a public address`), '', 0);
    }
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Checks where a webhook URL leads before it is saved: every address its host resolves to must be
 * public (unless private ones are allowed). Resolves to the reason it is refused, or undefined.
 */
export async function refusedTarget(raw: string, allowPrivate: boolean): Promise<string | undefined> {
  const url = new URL(raw);
  if (allowPrivate) return undefined;
  const host = bareHost(url);
  if (net.isIP(host)) return isPublicAddress(host) ? undefined : `${host} is not a public address`;
  try {
    const addresses = await dns.promises.lookup(host, { all: true });
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    return bad ? `${host} resolves to ${bad.address}, which is not a public address` : undefined;
  } catch (err) {
    return `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`;
  }
}

export interface PostResult {
  /** The HTTP status, or undefined when no answer came. */
  status?: number;
  error?: string;
}

/** Bytes of an endpoint's answer that are read (and dropped); the rest is not waited for. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one delivery. Redirects are not followed (a 3xx is a failure: it could lead anywhere);
 * private targets are refused at connect time unless allowed; the whole exchange is bounded.
 */
export function postJson(raw: string, body: string, headers: Record<string, string>, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<PostResult> {
  return new Promise((resolve) => {
    const url = new URL(raw);
    const host = bareHost(url);
    if (!opts.allowPrivate && net.isIP(host) && !isPublicAddress(host)) {
      resolve({ error: `blocked: ${host} is not a public address` });
      return;
    }
    const mod = url.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = mod.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        agent: false,
        ...(opts.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const finish = () => done(status >= 200 && status < 300 ? { status } : { status, error: `HTTP ${status}` });
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ error: `no answer within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      done({ error: err instanceof BlockedAddressError ? `blocked: ${err.message}` : `${err.code ?? 'error'}: ${err.message}` });
    });
    req.end(body);
  });
}
