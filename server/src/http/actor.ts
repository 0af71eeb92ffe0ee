import type { RequestHandler } from 'express';
import { parse as parseCookies } from 'cookie';
import { withholdStaffRole } from '../auth/actor';
import type { Actor } from '../auth/actor';
import type { ActorResolver } from '../auth/resolve';
import { AppError } from '../errors';
import { checkScopes } from '../auth/scopes';
import { foreignPage, staffCookieRefusal, writeOrigin } from './origin';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The authenticated caller; undefined for anonymous readers. */
      actor?: Actor;
    }
  }
}

/** The HttpOnly session cookie for same-site pages. */
export const SESSION_COOKIE = 'lt_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+([\x21-\x7e]{1,512})$/i.exec(header.trim());
  return m?.[1];
}

export function cookieToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = parseCookies(header)[SESSION_COOKIE];
  return value && value.length <= 512 ? value : undefined;
}

/**
 * Resolves `Authorization: Bearer …` or the session cookie into `req.actor`. On a write, a bearer
 * token that resolves to nobody is a 401 rather than silently anonymous, so a revoked key fails
 * loudly; on a read, and for a stale cookie, the caller is simply anonymous. Cookie-authenticated writes must come from an allowed Origin
 * (CSRF): a browser attaches cookies to cross-site form posts, never an Authorization header.
 *
 * A staff member's cookie carries their role only from the newsroom's own pages (`ownOrigin`,
 * PUBLIC_URL's): from a news site in CORS_ORIGINS (same-site with this host, so the Lax cookie
 * goes along) it acts as a reader's, so an ad script or an XSS on an article page can post in
 * the chat as them at worst, never reach users, webhooks or entries (see `foreignPage`). Bearer
 * tokens keep their role from anywhere: a page cannot send one it does not hold.
 */
export function authenticate(actors: ActorResolver, allowedOrigins: (origin: string) => boolean, ownOrigin: string): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    // A device's follow secret (push/push.service.ts): no account, so no actor; the route checks it.
    if (header && /^Follower\s/i.test(header.trim())) return next();
    if (header) {
      const token = bearerToken(header);
      if (!token) return next(new AppError('login_required', 'malformed Authorization header; use "Bearer <token>"'));
      const actor = await actors.fromToken(token);
      // A token limited to scopes (a data feed's) reaches their routes only, reads included.
      if (actor?.scopes) checkScopes(actor, req.method, req.path);
      if (actor) req.actor = { ...actor, via: 'bearer' };
      // Reading is public: a stale token does not stop a reader. A write with one fails loudly.
      else if (!SAFE_METHODS.has(req.method)) return next(new AppError('login_required', 'the token is not valid (expired or revoked?)'));
      return next();
    }
    const cookie = cookieToken(req.get('cookie'));
    if (!cookie) return next();
    const actor = await actors.fromToken(cookie);
    if (!actor) return next();
    if (actor.scopes) checkScopes(actor, req.method, req.path);
    if (!SAFE_METHODS.has(req.method)) {
      const origin = writeOrigin(req.get('origin'), req.get('referer'));
      if (!origin || !allowedOrigins(origin)) {
        return next(new AppError('csrf_rejected', 'cookie-authenticated writes must come from an allowed origin'));
      }
    }
    const from = foreignPage(req.headers, ownOrigin);
    req.actor = from ? withholdStaffRole({ ...actor, via: 'cookie' }, staffCookieRefusal(from, ownOrigin)) : { ...actor, via: 'cookie' };
    next();
  };
}
