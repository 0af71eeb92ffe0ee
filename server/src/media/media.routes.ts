import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { Router } from 'express';
import busboy from 'busboy';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { requireRole } from '../auth/guard';
import { CONTENT_TYPE, storeImage } from './media.service';
import { IMMUTABLE, MEDIA_KEY } from './store';
import { limitKey } from '../http/client-ip';
import { MEDIA_MISS_READ_COST, readBudget } from '../http/read-budget';
import type { MediaStore } from './store';

type Ctx = AppContext & { media: MediaStore };

/** The one file of a multipart upload (field `file`), at most `maxBytes`; refuses anything else. */
function readUpload(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 1024, parts: 12 } });
    } catch {
      reject(new AppError('unsupported_media_type', 'send the image as multipart/form-data with the field "file"', { field: 'file' }));
      return;
    }
    let file: Buffer | undefined;
    let failure: AppError | undefined;
    let settled = false;
    const malformed = () => new AppError('validation_failed', 'the multipart body is malformed or cut short', { field: 'file' });
    /** Once, whatever ends first: busboy's close, an error of busboy or of a part, the client going away. */
    const finish = (err?: AppError) => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      if (err) {
        bb.destroy();
        reject(err);
      } else if (failure) reject(failure);
      else if (!file || file.length === 0) reject(new AppError('validation_failed', 'no file in the field "file"', { field: 'file' }));
      else resolve(file);
    };
    bb.on('file', (name, stream) => {
      // A cut-short body fails the open part's stream: never an unhandled error.
      stream.on('error', () => finish(malformed()));
      if (name !== 'file') {
        failure ??= new AppError('validation_failed', `unexpected file field "${name}": the image goes in "file"`, { field: name });
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        failure ??= new AppError('payload_too_large', `the file is larger than ${Math.floor(maxBytes / (1024 * 1024))} MB (MEDIA_MAX_BYTES)`, { field: 'file' });
      });
      stream.on('end', () => {
        if (!failure) file = Buffer.concat(chunks);
      });
    });
    bb.on('filesLimit', () => {
      failure ??= new AppError('validation_failed', 'one file per upload', { field: 'file' });
    });
    bb.on('error', () => finish(malformed()));
    bb.on('close', () => finish());
    req.on('error', () => finish(malformed()));
    req.on('close', () => {
      if (!req.complete) finish(malformed());
    });
    req.pipe(bb);
  });
}

/** `POST /media`: editors upload pictures for entries. */
export function mediaApiRouter(ctx: Ctx): Router {
  const r = Router();
  r.post('/media', async (req, res) => {
    // Who may upload is known before a byte of the file is read.
    requireRole(req.actor, 'editor');
    const data = await readUpload(req, ctx.config.media.maxBytes);
    res.status(201).json(await storeImage(ctx, req.actor, data));
  });
  return r;
}

/** `GET /media/<key>`: the stored variants, immutable (a new upload has a new key), streamed from the store. */
export function mediaFilesRouter(ctx: Ctx): Router {
  const r = Router();
  const log = ctx.logger.child({ module: 'media' });
  const budget = readBudget(ctx);
  r.get('/media/:key', async (req, res) => {
    const key = String(req.params.key);
    // Files found are free; a miss is paid from the address's read budget. The price is paid
    // before the store is asked and given back when the file is there, so a burst of guesses
    // sent at once cannot all pass a check before any of them pays.
    const counted = budget.counts(undefined);
    const ip = limitKey(req.ip);
    if (counted) await budget.spend(ip, MEDIA_MISS_READ_COST);
    let file;
    try {
      file = MEDIA_KEY.test(key) ? await ctx.media.open(key) : undefined;
    } catch (err) {
      // The store failed (503): the reader is not charged for our outage.
      if (counted) await budget.refund(ip, MEDIA_MISS_READ_COST).catch(() => undefined);
      throw err;
    }
    if (!file) throw new AppError('not_found', 'no such file');
    if (counted) await budget.refund(ip, MEDIA_MISS_READ_COST).catch(() => undefined);
    res.set({
      'Content-Type': CONTENT_TYPE[key.slice(key.lastIndexOf('.') + 1)]!,
      'Cache-Control': IMMUTABLE,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    });
    if (file.etag) res.set('ETag', file.etag);
    if (req.method === 'HEAD' || req.fresh) {
      file.body.destroy();
      if (req.fresh) res.status(304);
      else if (file.bytes !== undefined) res.set('Content-Length', String(file.bytes));
      res.end();
      return;
    }
    if (file.bytes !== undefined) res.set('Content-Length', String(file.bytes));
    try {
      await pipeline(file.body, res);
    } catch (err) {
      // The answer has begun: all that is left is to cut it (the client sees a short body, never
      // a wrong one). A reader who went away is no news; the store failing mid-file is.
      if (file.body.errored) log.warn({ key, err: (err as Error).message }, 'media file cut short: the store failed while it was sent');
      res.destroy();
    }
  });
  return r;
}
