import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which page a browser request comes from, when it is not one of the server's own (`own`:
 * PUBLIC_URL's origin): its origin, or a description; undefined for the server's own pages and
 * for requests that say nothing.
 *
 * Browsers send `Origin` on every cross-origin fetch, XHR and WebSocket handshake (GETs
 * included) and on every POST, PATCH and DELETE; a same-origin GET carries no `Origin` but
 * `Sec-Fetch-Site: same-origin` (`none` when the user typed the address), and browsers without
 * fetch metadata at least a `Referer` unless a policy strips it. A request with none of the
 * three is no browser's cross-origin call (a CLI, curl): a page elsewhere could not read its
 * answer, since reading needs CORS and CORS needs `Origin`; and a cookie write without `Origin`
 * or `Referer` is refused before this (`csrf_rejected`).
 */
export function foreignPage(headers: IncomingHttpHeaders, own: string): string | undefined {
  const origin = one(headers.origin);
  if (origin !== undefined) {
    if (origin === own) return undefined;
    // A sandboxed frame or a privacy redirect: a page, but nobody's we can name.
    return origin === 'null' ? 'an opaque origin (Origin: null)' : origin.slice(0, 200);
  }
  const site = one(headers['sec-fetch-site']);
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? undefined : `a ${site} page (Sec-Fetch-Site: ${site})`;
  const referer = one(headers.referer);
  if (referer === undefined) return undefined;
  const from = refererOrigin(referer);
  if (from === undefined) return 'a page with an unreadable Referer';
  return from === own ? undefined : from;
}

/**
 * The origin a cookie write says it comes from, for the CSRF check: `Origin`, else the
 * `Referer`'s; undefined when neither names one (`Origin: null` names none).
 */
export function writeOrigin(origin: string | undefined, referer: string | undefined): string | undefined {
  if (origin && origin !== 'null') return origin;
  return referer ? refererOrigin(referer) : undefined;
}

function refererOrigin(referer: string): string | undefined {
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Why a staff member's session cookie does not carry their role here (the 403's message). */
export function staffCookieRefusal(from: string, own: string): string {
  return (
    `staff rights come with the session cookie only on the newsroom's own pages (${own}); this request came from ${from}. ` +
    'Use the console there, or send an Authorization: Bearer token'
  );
}
