import type { Config } from '../config';
import { AppError } from '../errors';

type Sites = Pick<Config, 'publicUrl' | 'corsOrigins'>;

/**
 * Whether the pages our mails open may link back to `url`: a page of this server or of a site
 * `CORS_ORIGINS` names (never merely `*`), so a genuine mail of ours cannot be made to lead a
 * reader to a stranger's site.
 */
export function returnAllowed(sites: Sites, url: string): boolean {
  let origin: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
    origin = u.origin;
  } catch {
    return false;
  }
  return origin === new URL(sites.publicUrl).origin || sites.corsOrigins.some((o) => o !== '*' && o.replace(/\/$/, '') === origin);
}

/** A request's `returnTo`, refused with a clear 400 when it names another site. */
export function checkReturnTo(sites: Sites, url: string | undefined): string | undefined {
  if (url === undefined || returnAllowed(sites, url)) return url;
  throw new AppError('validation_failed', 'invalid returnTo', [{ path: 'returnTo', message: 'must be a page of this server or of a site in CORS_ORIGINS' }]);
}
