import type { TokenScope } from '@liveticker/schemas';
import { AppError } from '../errors';
import type { Actor } from './actor';

/**
 * What each scope of an API token reaches: `METHOD path` under /api/v1. A token with scopes
 * reaches these routes and nothing else (no other route, no socket), whatever its owner may do;
 * there it still needs its owner's rights (a `cards` token of an editor writes cards).
 */
const SCOPE_ROUTES: Record<TokenScope, RegExp> = {
  cards: /^(?:GET|PUT|DELETE) \/tickers\/[^/]+\/cards(?:\/[^/]+)?\/?$/,
};

/** Parses the stored column (comma-separated; null or empty: not limited). */
export function parseScopes(stored: string | null | undefined): TokenScope[] | undefined {
  const list = (stored ?? '').split(',').filter(Boolean) as TokenScope[];
  return list.length ? list : undefined;
}

/** Throws `forbidden` when a scoped token asks for a route outside its scopes. `path` is under /api/v1. */
export function checkScopes(actor: Actor, method: string, path: string): void {
  if (!actor.scopes) return;
  const call = `${method === 'HEAD' ? 'GET' : method} ${path}`;
  if (actor.scopes.some((s) => SCOPE_ROUTES[s]?.test(call))) return;
  throw new AppError('forbidden', `this API token is limited to ${actor.scopes.join(', ')}`);
}
