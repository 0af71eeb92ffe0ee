import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { AppError, toWireError } from '../errors';

/** Body-parser and other HTTP-level failures mapped onto our codes. */
function fromHttpError(err: unknown): unknown {
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large') return new AppError('payload_too_large', 'the request body is too large');
  if (e?.type === 'entity.parse.failed') return new AppError('validation_failed', 'the request body is not valid JSON');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new AppError('validation_failed', 'unsupported body encoding');
  }
  // Any other client error raised by a library (a body claiming gzip that is not, a static path
  // climbing out of its folder): a 4xx with our shape, never a 500 with a stack in the log.
  const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
  if (!(err instanceof AppError) && typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 403 || status === 404) return new AppError('not_found', 'no such file');
    if (status === 413) return new AppError('payload_too_large', 'the request body is too large');
    return new AppError('validation_failed', 'the request could not be read (check its encoding)');
  }
  return err;
}

/**
 * A URL fit for the log: the values of query parameters that carry secrets (a mailed link's
 * one-time `token`, an access token someone put in a query) are replaced by `…`.
 */
export function withoutSecrets(url: string): string {
  return url.replace(/([?&](?:token|access_token|secret|key)=)[^&#]*/gi, '$1…');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body, internal } = toWireError(fromHttpError(err));
    if (internal) logger.error({ err, method: req.method, url: withoutSecrets(req.originalUrl) }, 'request failed');
    else if (err instanceof AppError && err.context) logger.info({ code: err.code, ...err.context }, err.message);
    if (err instanceof AppError && err.code === 'rate_limited' && typeof (err.details as { retryAfter?: number })?.retryAfter === 'number') {
      res.set('Retry-After', String((err.details as { retryAfter: number }).retryAfter));
    }
    res.status(status).json(body);
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route ${req.method} ${req.path}`));
};
