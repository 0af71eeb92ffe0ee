import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Where media files live: local disk by default; another store (S3-compatible) implements the same. */
export interface MediaStore {
  put(key: string, data: Buffer): Promise<void>;
  /** Undefined when there is no such file. */
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}

/** Keys are made by the server (`<id>-<width>.<ext>`): nothing else is ever a path here. */
export const MEDIA_KEY = /^[A-Za-z0-9_-]{1,40}-\d{1,5}\.(jpg|png|webp|gif)$/;

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

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}
