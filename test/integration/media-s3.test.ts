import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { testConfig } from '@liveticker/server';
import type { Config } from '@liveticker/server';
import { ConfigError, loadConfig } from '../../server/src/config';
import { leftMetadata, phonePhoto, upload } from '../helpers/media';
import { setup, startNode } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { startS3 } from '../helpers/s3';
import type { TestS3 } from '../helpers/s3';

const ROOT = path.resolve(__dirname, '../..');
const IMMUTABLE = 'public, max-age=31536000, immutable';

describe('images in an S3-compatible bucket (MEDIA_S3_BUCKET)', () => {
  let s3: TestS3;
  let t: TestSetup;
  let dir: string;
  const mediaConfig = (more: Partial<Config['media']> = {}): Config['media'] => ({ ...testConfig().media, dir, s3: s3.config, ...more });
  beforeAll(async () => {
    // MEDIA_DIR of its own: whatever lands there went to the wrong store.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-media-s3-'));
    s3 = await startS3();
    t = await setup('sqlite', 'memory', { media: mediaConfig() });
  });
  afterAll(async () => {
    await t.close();
    await s3.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a phone photo uploaded through the API lands in the bucket, typed and immutable, without its GPS position, and /media/ serves it from there', async () => {
    const res = await upload(t.url, await phonePhoto());
    expect(res.status).toBe(201);
    expect(res.body.variants.map((v: { width: number }) => v.width)).toEqual([640, 1280, 2048]);
    const keys = res.body.variants.map((v: { url: string }) => v.url.slice(v.url.lastIndexOf('/') + 1)).sort();
    // (The bucket may hold other tests' pictures: the files run in a random order.)
    expect((await s3.keys()).filter((k) => k.startsWith(`${res.body.id}-`))).toEqual(keys);
    for (const v of res.body.variants) {
      expect(v.url).toMatch(new RegExp(`^${t.url}/media/${res.body.id}-${v.width}\\.jpg$`));
      const stored = await s3.object(`${res.body.id}-${v.width}.jpg`);
      expect({ contentType: stored.contentType, cacheControl: stored.cacheControl }).toEqual({ contentType: 'image/jpeg', cacheControl: IMMUTABLE });
      expect(await leftMetadata(stored.bytes)).toEqual({ width: v.width, exif: undefined, xmp: undefined, iptc: undefined, phone: false });
      const got = await fetch(v.url);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/jpeg');
      expect(got.headers.get('cache-control')).toBe(IMMUTABLE);
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await got.arrayBuffer()).equals(stored.bytes)).toBe(true);
    }
    // The local disk is not used.
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a key the bucket does not have is a 404; a cached copy is revalidated with the ETag (304)', async () => {
    expect((await fetch(`${t.url}/media/nothere-640.jpg`)).status).toBe(404);
    const res = await upload(t.url, await phonePhoto());
    const first = await fetch(res.body.url);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    await first.arrayBuffer();
    // fetch() adds `Cache-Control: no-cache` to a conditional request unless it names one itself.
    const again = await fetch(res.body.url, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });

  it('variants leave the bucket again when their row cannot be written', async () => {
    const before = await s3.keys();
    const db = t.node.deps.database.db;
    await sql`CREATE TRIGGER refuse_media BEFORE INSERT ON media BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`.execute(db);
    try {
      const res = await upload(t.url, await phonePhoto());
      expect(res.status).toBe(500);
    } finally {
      await sql`DROP TRIGGER refuse_media`.execute(db);
    }
    expect(await s3.keys()).toEqual(before);
  });

  it('with the store down an upload is a 503 unavailable and so is a read; the server stays up, and both work again once the store is back', async () => {
    const earlier = await upload(t.url, await phonePhoto());
    expect(earlier.status).toBe(201);
    await s3.stop();
    try {
      const refused = await upload(t.url, await phonePhoto());
      expect(refused).toMatchObject({ status: 503, body: { error: { code: 'unavailable', message: expect.stringContaining('try again') } } });
      const read = await fetch(earlier.body.url);
      expect(read.status).toBe(503);
      expect(((await read.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      // Nothing went to the local disk instead.
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      await s3.start();
    }
    const back = await upload(t.url, await phonePhoto());
    expect(back.status).toBe(201);
    expect((await fetch(back.body.url)).status).toBe(200);
    expect((await fetch(earlier.body.url)).status).toBe(200);
  });

  it('with MEDIA_PUBLIC_URL the answer hands out URLs there: the bucket serves them with their type and the immutable Cache-Control', async () => {
    const node = await startNode({ databaseUrl: t.db.url, config: { media: mediaConfig({ publicUrl: `${s3.endpoint}/${s3.bucket}` }) } });
    try {
      const res = await upload(node.url, await phonePhoto());
      expect(res.status).toBe(201);
      expect(res.body.url).toBe(`${s3.endpoint}/${s3.bucket}/${res.body.id}-1280.jpg`);
      for (const v of res.body.variants) {
        expect(v.url.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
        const got = await fetch(v.url);
        expect({ status: got.status, type: got.headers.get('content-type'), cache: got.headers.get('cache-control') }).toEqual({ status: 200, type: 'image/jpeg', cache: IMMUTABLE });
        expect(await leftMetadata(Buffer.from(await got.arrayBuffer()))).toMatchObject({ width: v.width, exif: undefined, phone: false });
      }
    } finally {
      await node.close();
    }
  });
});

describe('guessed /media/ keys against a bucket: misses remembered, and paid from the read budget', () => {
  let s3: TestS3;
  let t: TestSetup;
  let dir: string;
  // 40 points a minute: four misses at 10 points each.
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-media-miss-'));
    s3 = await startS3();
    t = await setup('sqlite', 'memory', { media: { ...testConfig().media, dir, s3: s3.config }, readRateLimit: 40, trustProxy: 1 });
  });
  afterAll(async () => {
    await t.close();
    await s3.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const get = (key: string, ip: string) => fetch(`${t.url}/media/${key}`, { headers: { 'x-forwarded-for': ip } });

  it('asks the store once for a key it does not have, charges each miss 10 points, and refuses an address with nothing left before asking the store', async () => {
    const ip = '203.0.113.7';
    expect((await get('guess0001-640.jpg', ip)).status).toBe(404);
    expect((await get('guess0001-640.jpg', ip)).status).toBe(404);
    // The second answer came from the node's memory of the miss.
    expect(s3.reads('guess0001-640.jpg')).toBe(1);
    expect((await get('guess0002-640.jpg', ip)).status).toBe(404);
    // Not even a key of ours: no store request, but a miss all the same.
    expect((await get('..%2Fsecret.txt', ip)).status).toBe(404);
    // 40 points spent: the next guess is refused before the store sees it.
    const refused = await get('guess0003-640.jpg', ip);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(s3.reads('guess0003-640.jpg')).toBe(0);
    // Another address has its own budget.
    expect((await get('guess0003-640.jpg', '203.0.113.8')).status).toBe(404);
    expect(s3.reads('guess0003-640.jpg')).toBe(1);
  });

  it('a burst of guesses sent at once is paid before the store is asked: no more reach it than the budget pays for', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `burst${String(i).padStart(4, '0')}-640.jpg`);
    const answers = await Promise.all(keys.map((key) => get(key, '203.0.113.40')));
    const statuses = answers.map((a) => a.status);
    await Promise.all(answers.map((a) => a.arrayBuffer()));
    expect(statuses.filter((s) => s === 404)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(26);
    expect(keys.reduce((n, key) => n + s3.reads(key), 0)).toBe(4);
  });

  it('files found cost nothing, however often a page shows them', async () => {
    const res = await upload(t.url, await phonePhoto());
    expect(res.status).toBe(201);
    const key = res.body.url.slice(res.body.url.lastIndexOf('/') + 1);
    const ip = '203.0.113.20';
    for (let i = 0; i < 12; i++) {
      const got = await get(key, ip);
      expect(got.status).toBe(200);
      await got.arrayBuffer();
    }
    // The whole budget is still there: four misses go through, the fifth is refused.
    for (let i = 0; i < 4; i++) expect((await get(`other000${i}-640.jpg`, ip)).status).toBe(404);
    expect((await get('other0009-640.jpg', ip)).status).toBe(429);
  });

  it('a key this node stores after it was missed is served at once', async () => {
    const key = 'late0001-640.jpg';
    expect((await get(key, '203.0.113.30')).status).toBe(404);
    await t.node.server.ctx.media.put(key, await phonePhoto(), 'image/jpeg');
    const served = await get(key, '203.0.113.30');
    expect(served.status).toBe(200);
    // Read to the end: a picture left unread holds its connection open, and the node's close waits for it.
    await served.arrayBuffer();
  });
});

describe('configuration of the S3-compatible store', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('a bucket with an endpoint (MinIO, R2, Ceph): path-style unless told otherwise, region us-east-1, the given keys', () => {
    const config = loadConfig({
      MEDIA_S3_BUCKET: 'news-media',
      MEDIA_S3_ENDPOINT: 'http://minio:9000',
      MEDIA_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      MEDIA_S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI',
      MEDIA_PUBLIC_URL: 'https://cdn.example.com/media/',
    });
    expect(config.media.s3).toEqual({
      bucket: 'news-media',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI' },
    });
    expect(config.media.publicUrl).toBe('https://cdn.example.com/media');
    // AWS itself: virtual-hosted buckets, credentials from the SDK's usual sources.
    expect(loadConfig({ MEDIA_S3_BUCKET: 'news-media', MEDIA_S3_REGION: 'eu-central-1' }).media.s3).toEqual({
      bucket: 'news-media',
      endpoint: undefined,
      region: 'eu-central-1',
      forcePathStyle: false,
      credentials: undefined,
    });
    expect(loadConfig({ MEDIA_S3_BUCKET: 'b-1', MEDIA_S3_ENDPOINT: 'https://r2.example', MEDIA_S3_FORCE_PATH_STYLE: 'false' }).media.s3?.forcePathStyle).toBe(false);
    expect(loadConfig({}).media.s3).toBeUndefined();
  });

  it('refuses partial and bad combinations, one line naming each variable, never repeating the secret', () => {
    expect(problems({ MEDIA_S3_ENDPOINT: 'http://minio:9000', MEDIA_S3_REGION: 'eu-central-1' })).toEqual([
      expect.stringMatching(/^MEDIA_S3_ENDPOINT: set MEDIA_S3_BUCKET too/),
      expect.stringMatching(/^MEDIA_S3_REGION: set MEDIA_S3_BUCKET too/),
    ]);
    expect(problems({ MEDIA_S3_BUCKET: 'media', MEDIA_S3_ENDPOINT: 'http://minio:9000', MEDIA_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE' })).toEqual([
      expect.stringMatching(/^MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY: set both or neither/),
    ]);
    expect(problems({ MEDIA_S3_BUCKET: 'media' })).toEqual([expect.stringMatching(/^MEDIA_S3_REGION: required for AWS S3/)]);
    expect(problems({ MEDIA_S3_BUCKET: 'media', MEDIA_S3_REGION: 'eu-central-1', MEDIA_DIR: '/srv/media' })).toEqual([
      expect.stringMatching(/^MEDIA_DIR and MEDIA_S3_BUCKET: set one of them/),
    ]);
    const bad = problems({
      MEDIA_S3_BUCKET: 'My_Bucket',
      MEDIA_S3_ENDPOINT: 'minio:9000',
      MEDIA_S3_FORCE_PATH_STYLE: 'sometimes',
      MEDIA_PUBLIC_URL: 'https://cdn.example.com/media?sig=1',
      MEDIA_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      MEDIA_S3_SECRET_ACCESS_KEY: `top-secret-${'x'.repeat(300)}`,
    });
    expect(bad.map((l) => l.split(':')[0]).sort()).toEqual(['MEDIA_PUBLIC_URL', 'MEDIA_S3_BUCKET', 'MEDIA_S3_ENDPOINT', 'MEDIA_S3_FORCE_PATH_STYLE', 'MEDIA_S3_SECRET_ACCESS_KEY']);
    expect(bad.join('\n')).not.toContain('top-secret');
    expect(bad.find((l) => l.startsWith('MEDIA_S3_BUCKET'))).toContain('"My_Bucket"');
  });

  it('the server refuses to start on a partial combination, saying which variable', () => {
    const res = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'server/src/main.ts')], {
      env: { ...process.env, MEDIA_S3_BUCKET: 'media', MEDIA_S3_ENDPOINT: 'http://127.0.0.1:1', MEDIA_S3_SECRET_ACCESS_KEY: 'only-the-secret' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/invalid configuration:\n\s+MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY: set both or neither/);
    expect(res.stderr).not.toContain('only-the-secret');
  });
});
