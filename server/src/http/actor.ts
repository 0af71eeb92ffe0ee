import type { RequestHandler } from 'express';
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

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+([\x21-\x7e]{1,512})$/i.exec(header.trim());
  return m?.[1];
}

/**
 * Resolves `Authorization: Bearer …` into `req.actor`. A token that resolves to nobody is a
 * 401 rather than silently anonymous, so a revoked key fails loudly.
 */
export function authenticate(actors: ActorResolver): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) return next();
    const token = bearerToken(header);
    if (!token) return next(new AppError('login_required', 'malformed Authorization header; use "Bearer <token>"'));
    req.actor = await actors.fromToken(token);
    if (!req.actor) return next(new AppError('login_required', 'the token is not valid (expired or revoked?)'));
    next();
  };
}
