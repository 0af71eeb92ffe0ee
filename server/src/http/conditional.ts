import type { Request, Response } from 'express';

/**
 * A conditional GET: sets the answer's `ETag` and `Cache-Control`, and answers 304 (returning
 * true) when the client already holds that version.
 */
export function notModified(req: Request, res: Response, etag: string, cacheControl: string): boolean {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', cacheControl);
  if (!matches(req.headers['if-none-match'], etag)) return false;
  res.status(304).end();
  return true;
}

/** `If-None-Match`: `*` or a list of tags, compared weakly (RFC 9110 13.1.2). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

/**
 * Public answers that move with a stream (feeds, the rendered ticker): a CDN may keep them for
 * `PUBLIC_CACHE_MAX_AGE` seconds and serve them stale for `PUBLIC_CACHE_STALE` more while it asks again.
 */
export function publicCache(config: { publicCache: { maxAge: number; stale: number } }): string {
  const { maxAge, stale } = config.publicCache;
  return maxAge === 0 ? 'no-cache' : `public, max-age=${maxAge}${stale ? `, stale-while-revalidate=${stale}` : ''}`;
}
