import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { testConfig } from '@liveticker/server';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { OPS_KEY } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { phonePhoto, upload } from '../helpers/media';

const auth = { authorization: `Bearer ${OPS_KEY}` };

describe('image uploads (POST /media): type from the bytes, limits, variants without metadata', () => {
  let t: TestSetup;
  let dir: string;
  const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-media-'));
    t = await setup('sqlite', 'memory', { media: { ...testConfig().media, dir, maxBytes: 2 * 1024 * 1024, maxPixels: 8_000_000 } });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a phone photo: resized variants, served immutable with nosniff, and the GPS position is gone from every one', async () => {
    const photo = await phonePhoto();
    const original = await sharp(photo).metadata();
    expect(original.exif?.toString('latin1')).toContain('Reporter Phone'); // the test photo does carry EXIF
    const res = await upload(t.url, photo);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), contentType: 'image/jpeg', width: 1280, height: 853 });
    expect(res.body.variants.map((v: { width: number }) => v.width)).toEqual([640, 1280, 2048]);
    for (const v of res.body.variants) {
      const got = await fetch(v.url);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/jpeg');
      expect(got.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
      const bytes = Buffer.from(await got.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect({ width: meta.width, exif: meta.exif, xmp: meta.xmp, iptc: meta.iptc }).toEqual({ width: v.width, exif: undefined, xmp: undefined, iptc: undefined });
      expect(bytes.toString('latin1')).not.toContain('Reporter Phone');
    }
    // The entry keeps the size, so the widget reserves the space.
    const api = opsApi(t.url);
    await api.createTicker({ id: 'pics', title: 'Pictures', status: 'live' });
    const entry = await api.post('pics', { body: '<p>With a picture.</p>', image: { url: res.body.url, width: res.body.width, height: res.body.height, caption: 'Counting', credit: 'Photo: newsroom' } });
    expect(entry.image).toMatchObject({ width: 1280, height: 853 });
  });

  it('a picture narrower than a variant width is kept at its own width as the last variant, never enlarged', async () => {
    const mid = await sharp({ create: { width: 1000, height: 600, channels: 3, background: '#555' } }).jpeg().toBuffer();
    const res = await upload(t.url, mid);
    expect(res.body.variants.map((v: { width: number }) => v.width)).toEqual([640, 1000]);
    expect(res.body).toMatchObject({ width: 1000, height: 600 });
  });

  it('PNG, WebP and GIF are taken and keep their type', async () => {
    const base = sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 200, g: 0, b: 0, alpha: 0.5 } } });
    for (const [type, data] of [
      ['image/png', await base.clone().png().toBuffer()],
      ['image/webp', await base.clone().webp().toBuffer()],
      ['image/gif', await base.clone().gif().toBuffer()],
    ] as const) {
      const res = await upload(t.url, data, { type: 'application/octet-stream', name: 'x.bin' });
      expect({ type, status: res.status, contentType: res.body.contentType, width: res.body.width }).toEqual({ type, status: 201, contentType: type, width: 300 });
      const served = await fetch(res.body.url);
      expect(served.headers.get('content-type')).toBe(type);
      await served.arrayBuffer();
    }
  });

  it('refused uploads store nothing: not an image (whatever its name and header say) 415, too large 413, too many pixels 422', async () => {
    const before = files();
    const html = await upload(t.url, Buffer.from('<html><script>alert(1)</script></html>'), { name: 'photo.jpg', type: 'image/jpeg' });
    expect(html).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type', details: { field: 'file' } } } });
    const svg = await upload(t.url, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), { name: 'x.svg', type: 'image/svg+xml' });
    expect(svg.status).toBe(415);
    const big = await upload(t.url, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(3 * 1024 * 1024, 1)]));
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    // A decompression bomb: a small file that decodes to far more pixels than allowed.
    const bomb = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(200 * 1024);
    const bombed = await upload(t.url, bomb, { type: 'image/png', name: 'bomb.png' });
    expect(bombed).toMatchObject({ status: 422, body: { error: { code: 'image_rejected' } } });
    expect(bombed.body.error.message).toContain('4000×4000');
    // An animation counts every frame: more than 50 frames of 400×400 are over the 8 million pixels here.
    const frames = await Promise.all(Array.from({ length: 80 }, (_, i) => sharp({ create: { width: 400, height: 400, channels: 3, background: { r: i % 2 ? 255 : 0, g: (i * 37) % 256, b: (i * 91) % 256 } } }).png().toBuffer()));
    const reel = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(reel).metadata()).pages).toBeGreaterThan(50);
    const reeled = await upload(t.url, reel, { type: 'image/gif', name: 'reel.gif' });
    expect(reeled).toMatchObject({ status: 422, body: { error: { code: 'image_rejected', message: expect.stringContaining('frames of 400×400') } } });

    const broken = await upload(t.url, (await phonePhoto()).subarray(0, 600));
    expect(broken.status).toBe(422);
    const wrongField = await upload(t.url, await phonePhoto(), { field: 'picture' });
    expect(wrongField.status).toBe(400);
    const json = await raw(t.url, 'POST', '/media', { file: 'x' }, auth);
    expect(json.status).toBe(415);
    expect(files()).toEqual(before);
    // A short animation of the same frames is taken, every frame kept.
    const short = await sharp(frames.slice(0, 4), { join: { animated: true } }).gif().toBuffer();
    const taken = await upload(t.url, short, { type: 'image/gif', name: 'short.gif' });
    expect(taken.status).toBe(201);
    expect((await sharp(Buffer.from(await (await fetch(taken.body.url)).arrayBuffer())).metadata()).pages).toBe((await sharp(short).metadata()).pages);
  });

  it('a body cut short (or a part in the wrong field cut short) is a 400, and the server goes on', async () => {
    for (const field of ['file', 'other']) {
      const body = Buffer.from(`--cut\r\nContent-Disposition: form-data; name="${field}"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff partial`, 'latin1');
      const res = await raw(t.url, 'POST', '/media', body, { ...auth, 'content-type': 'multipart/form-data; boundary=cut' });
      expect({ field, status: res.status, code: res.body.error.code }).toEqual({ field, status: 400, code: 'validation_failed' });
    }
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('only editors and above upload; a file key that is not one of ours is a 404', async () => {
    const photo = await phonePhoto();
    const anon = await fetch(`${t.url}/api/v1/media`, { method: 'POST', body: new FormData() });
    expect(anon.status).toBe(401);
    expect((await fetch(`${t.url}/media/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${t.url}/media/nothere-640.jpg`)).status).toBe(404);
    expect(photo.length).toBeGreaterThan(0);
  });
});
