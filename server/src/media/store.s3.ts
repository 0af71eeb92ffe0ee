import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { MediaS3Config } from '../config';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { IMMUTABLE, MEDIA_KEY } from './store';
import type { MediaStore, StoredFile } from './store';

/** Longest wait for a connection to the store, ms: an unreachable host is a 503 soon, not a hung upload. */
const CONNECT_TIMEOUT_MS = 3000;
/** Longest silence on an open connection (sending, or the answer and its body), ms. */
const SOCKET_TIMEOUT_MS = 15_000;
/** Tries per request, the first included (the SDK backs off between them). */
const MAX_ATTEMPTS = 3;

type Op = 'put' | 'read' | 'delete';

/** What a failure of the store says, for the log (the SDK's errors carry the HTTP status apart). */
function describe(err: unknown): Record<string, unknown> {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.name, code: e.code, status: e.$metadata?.httpStatusCode, message: e.message };
}

/** No such object. A missing bucket is a 404 too, but that is the store's configuration, not the key. */
function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
}

/**
 * Media files as objects of one bucket of an S3-compatible store (AWS S3, MinIO, R2, Ceph, …),
 * under their keys as they are. Each object carries its Content-Type and the immutable
 * Cache-Control, so the bucket (or a CDN in front of it) can serve it to readers directly.
 *
 * Any failure of the store is an `unavailable` AppError (503). An outage is logged once when it
 * begins (error) and once when the store answers again (info), not on every request meanwhile.
 */
export class S3Store implements MediaStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  /** Since when the store has been failing (ms since epoch), if it is. */
  private failingSince: number | undefined;

  constructor(
    config: MediaS3Config,
    private readonly log: Logger,
  ) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: SOCKET_TIMEOUT_MS },
      // Other stores than AWS do not all take the SDK's newer default checksums (CRC32 headers on
      // every upload): only where an operation requires one.
      ...(config.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    });
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    this.check(key);
    await this.call('put', key, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentLength: data.length, ContentType: contentType, CacheControl: IMMUTABLE })),
    );
  }

  async open(key: string): Promise<StoredFile | undefined> {
    this.check(key);
    const out = await this.call('read', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
    if (!out) return undefined;
    // In Node the SDK's body is the HTTP answer itself: a stream, read once.
    if (!(out.Body instanceof Readable)) throw this.unavailable('read', key, new Error('the store answered without a body'));
    return { body: out.Body, bytes: out.ContentLength, etag: out.ETag };
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    await this.call('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  close(): void {
    this.client.destroy();
  }

  private check(key: string): void {
    if (!MEDIA_KEY.test(key)) throw new Error(`not a media key: ${key}`);
  }

  /** Runs one request; undefined when the object is missing (a read), `unavailable` on any other failure. */
  private async call<T>(op: Op, key: string, send: () => Promise<T>): Promise<T | undefined> {
    let out: T;
    try {
      out = await send();
    } catch (err) {
      if (op !== 'put' && isMissing(err)) {
        this.recovered();
        return undefined;
      }
      throw this.unavailable(op, key, err);
    }
    this.recovered();
    return out;
  }

  private unavailable(op: Op, key: string, err: unknown): AppError {
    const cause = describe(err);
    if (this.failingSince === undefined) {
      this.failingSince = Date.now();
      this.log.error({ op, key, bucket: this.bucket, cause }, 'media store unavailable: uploads and reads of images answer 503 until it is back');
    } else {
      this.log.debug({ op, key, cause }, 'media store still unavailable');
    }
    return new AppError('unavailable', 'the image store cannot be reached; try again later', undefined, { op, key });
  }

  private recovered(): void {
    if (this.failingSince === undefined) return;
    this.log.info({ bucket: this.bucket, downMs: Date.now() - this.failingSince }, 'media store available again');
    this.failingSince = undefined;
  }
}
