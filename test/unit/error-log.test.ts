import { Writable } from 'node:stream';
import pino from 'pino';
import type { Request, Response } from 'express';
import { errorHandler } from '../../server/src/http/errors';

/** A 500's log line names the request without the one-time token a mailed link put in its query. */
describe('the log line of a request that failed', () => {
  it('keeps the path and the harmless query, never a token', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const res = { set: () => res, status: () => res, json: () => res } as unknown as Response;
    const req = { method: 'GET', originalUrl: '/reset-password?lang=de&token=mailedSecret123&x=1' } as Request;
    errorHandler(logger)(new Error('boom'), req, res, () => undefined);
    const line = JSON.parse(lines.join(''));
    expect(line.url).toBe('/reset-password?lang=de&token=…&x=1');
    expect(lines.join('')).not.toContain('mailedSecret123');
  });
});
