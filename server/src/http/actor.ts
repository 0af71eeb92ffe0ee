import type { RequestHandler } from 'express';
import { parse as parseCookies } from 'cookie';
import type { Actor } from '../auth/actor';
import type { ActorResolver } from '../auth/resolve';
import { AppError } from '../errors';

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

function requestOrigin(origin: string | undefined, referer: string | undefined): string | undefined {
  if (origin && origin !== 'null') return origin;
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/**
 * Resolves `Authorization: Bearer …` or the session cookie into `req.actor`. On a write, a bearer
 * token that resolves to nobody is a 401 rather than silently anonymous, so a revoked key fails
 * loudly; on a read, and for a stale cookie, the caller is simply anonymous. Cookie-authenticated writes must come from an allowed Origin
 * (CSRF): a browser attaches cookies to cross-site form posts, never an Authorization header.
 */
export function authenticate(actors: ActorResolver, allowedOrigins: (origin: string) => boolean): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header) {
      const token = bearerToken(header);
      if (!token) return next(new AppError('login_required', 'malformed Authorization header; use "Bearer <token>"'));
      const actor = await actors.fromToken(token);
      if (actor) req.actor = { ...actor, via: 'bearer' };
      // Reading is public: a stale token does not stop a reader. A write with one fails loudly.
      else if (!SAFE_METHODS.has(req.method)) return next(new AppError('login_required', 'the token is not valid (expired or revoked?)'));
      return next();
    }
    const cookie = cookieToken(req.get('cookie'));
    if (!cookie) return next();
    const actor = await actors.fromToken(cookie);
    if (!actor) return next();
    if (!SAFE_METHODS.has(req.method)) {
      const origin = requestOrigin(req.get('origin'), req.get('referer'));
      if (!origin || !allowedOrigins(origin)) {
        return next(new AppError('csrf_rejected', 'cookie-authenticated writes must come from an allowed origin'));
      }
    }
    req.actor = { ...actor, via: 'cookie' };
    next();
  };
}
