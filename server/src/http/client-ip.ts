import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';

/**
 * Which proxies may tell us the client's address: none (`false`), the nearest N hops, or the
 * proxies' own addresses and CIDRs. Never "any": a client writes whatever X-Forwarded-For it
 * likes, and trusting its left-most entry would let it pick a fresh address per request.
 */
export type TrustProxy = false | number | string[];

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Parses TRUST_PROXY; returns an error sentence for a bad value. */
export function parseTrustProxy(raw: string | undefined): TrustProxy | { error: string } {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false' || value === '0' || value === 'no') return false;
  if (value === 'true' || value === 'yes') {
    return {
      error:
        'true would trust any X-Forwarded-For a client sends; give the number of proxies in front of the server (1 behind one nginx) or their addresses/CIDRs',
    };
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops >= 1 && hops <= 10 ? hops : { error: 'a hop count is 1 to 10' };
  }
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of list) {
    if (NAMED.has(item)) continue;
    const valid = item.includes('/') ? validCidr(item) : ipaddr.isValid(item);
    if (!valid) return { error: `${JSON.stringify(item)} is not an address, a CIDR or one of loopback, linklocal, uniquelocal` };
  }
  return list;
}

function validCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

/** No proxy is trusted: the client is the TCP peer. */
const trustNone = (): boolean => false;

/** The function Express ('trust proxy') and the socket handshake both use to find the client. */
export function trustFunction(trust: TrustProxy): (addr: string, hop: number) => boolean {
  if (trust === false) return trustNone;
  if (typeof trust === 'number') return (_addr, hop) => hop < trust;
  return proxyaddr.compile(trust);
}

/** The client's address of a raw request (a Socket.IO handshake), by the same rules as Express. */
export function requestIp(req: IncomingMessage, trust: (addr: string, hop: number) => boolean): string {
  // Trusting no proxy, the answer is the peer's address: no X-Forwarded-For to split (a handshake each).
  if (trust === trustNone) return req.socket.remoteAddress ?? '';
  return proxyaddr(req as Parameters<typeof proxyaddr>[0], trust);
}

/** A dotted IPv4 address as Node writes one (no leading zeros), alone or mapped into IPv6. */
const PLAIN_IPV4 = /^(?:::ffff:)?((?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))$/i;

/**
 * The key a per-address limit counts under: an IPv4 address as it is, an IPv6 address by its
 * /64 (one subscriber commonly holds a whole /64, and would otherwise have 2^64 fresh keys).
 */
export function limitKey(ip: string | undefined): string {
  // The common case without parsing (every handshake and request asks).
  const v4 = ip ? PLAIN_IPV4.exec(ip) : null;
  if (v4) return v4[1]!;
  if (!ip || !ipaddr.isValid(ip)) return ip || 'unknown';
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
