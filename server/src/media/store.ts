import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** A stored file opened for reading. */
export interface StoredFile {
  body: Readable;
  /** Length in bytes, when the store says. */
  bytes?: number;
  /** A validator for conditional requests (If-None-Match), when the store has one. */
  etag?: string;
}

/**
 * Where media files live: the local disk (`DiskStore`, the default) or an S3-compatible bucket
 * (`S3Store`, store.s3.ts). A store that cannot be reached throws an `AppError('unavailable')`
 * (a 503): the upload or the read can be tried again, and nothing else is wrong with it.
 */
export interface MediaStore {
  /** Writes a file whole; `contentType` is what it is served as. */
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** Opens a file to stream it; undefined when there is no such file. */
  open(key: string): Promise<StoredFile | undefined>;
  /** Removes a file; one that is not there is no error. */
  delete(key: string): Promise<void>;
  /** Lets go of the store's connections. */
  close(): void;
}

/** Keys are made by the server (`<id>-<width>.<ext>`): nothing else is ever a path here. */
export const MEDIA_KEY = /^[A-Za-z0-9_-]{1,40}-\d{1,5}\.(jpg|png|webp|gif)$/;

/** A new upload has a new key, so a file never changes: caches may keep it for a year. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Files under one directory, written under a temporary name and renamed (a reader never sees half a file). */
export class DiskStore implements MediaStore {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    if (!MEDIA_KEY.test(key)) throw new Error(`not a media key: ${key}`);
    return path.join(this.dir, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  }

  async open(key: string): Promise<StoredFile | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file(key), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const stat = await handle.stat();
      // The stream closes the handle when it ends or is destroyed.
      return { body: handle.createReadStream(), bytes: stat.size, etag: `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"` };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }

  close(): void {}
}
