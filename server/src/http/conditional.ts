import type { Request, Response } from 'express';

/**
 * A conditional GET: sets the answer's `ETag` and `Cache-Control`, and answers 304 (returning
 * true) when the client already holds that version.
 */
export function notModified(req: Request, res: Response, etag: string, cacheControl: string): boolean {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', cacheControl);
  if (req.headers['if-none-match'] !== etag) return false;
  res.status(304).end();
  return true;
}

/** Public answers that move with a stream: a CDN may keep them briefly and serve them stale while it asks again. */
export const PUBLIC_SHORT_CACHE = 'public, max-age=10, stale-while-revalidate=60';
