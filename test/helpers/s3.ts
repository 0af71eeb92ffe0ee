import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from '@20minutes/s3rver';
import type { MediaS3Config } from '@liveticker/server';
import { freePort } from './redis';

/** s3rver's built-in account: it checks every request's signature against these. */
const KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  /** `http://127.0.0.1:<port>`; path-style, so a bucket's objects are at `<endpoint>/<bucket>/<key>`. */
  endpoint: string;
  bucket: string;
  /** What the server's config takes (`config.media.s3`). */
  config: MediaS3Config;
  /** An SDK client of the test's own, to look into the bucket. */
  client: S3Client;
  /** Every request the store got, as `METHOD /path` (`GET /<bucket>/<key>` reads an object), oldest first. */
  requests: string[];
  /** How many times the store was asked for this object (GET or HEAD). */
  reads(key: string): number;
  /** The keys in the bucket, sorted. */
  keys(): Promise<string[]>;
  /** One object as the store keeps it. */
  object(key: string): Promise<{ contentType?: string; cacheControl?: string; bytes: Buffer }>;
  /** The server going away (its port refuses connections); its files stay. */
  stop(): Promise<void>;
  /** Back on the same port, with the same files. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver: S3's REST API with signature checks, objects in a
 * directory) in this process, on a free loopback port, with one empty bucket.
 */
export async function startS3(bucket = 'liveticker-media'): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let server: S3rver | undefined;
  const requests: string[] = [];
  const start = async () => {
    const s = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] });
    s.middleware.unshift(async (ctx, next) => {
      requests.push(`${ctx.method} ${ctx.path}`);
      await next();
    });
    await s.run();
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    await s?.close();
  };
  await start();
  const config: MediaS3Config = { bucket, endpoint, region: 'us-east-1', forcePathStyle: true, credentials: KEY };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: KEY, maxAttempts: 1 });
  // s3rver signs a bucket's own path without the trailing slash the SDK sends (`/bucket/` for a
  // listing): a SignatureDoesNotMatch. S3 takes both; only this client's bucket requests need it.
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (request.path === `/${bucket}/`) request.path = `/${bucket}`;
      return next(args);
    },
    { step: 'build', name: 's3rverBucketPath' },
  );
  return {
    endpoint,
    bucket,
    config,
    client,
    start,
    stop,
    requests,
    reads: (key) => requests.filter((r) => r === `GET /${bucket}/${key}` || r === `HEAD /${bucket}/${key}`).length,
    async keys() {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    },
    async object(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { contentType: out.ContentType, cacheControl: out.CacheControl, bytes: Buffer.from(await out.Body!.transformToByteArray()) };
    },
    async close() {
      client.destroy();
      await stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
