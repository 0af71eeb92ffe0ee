import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createDeps, createServer, testConfig } from '@liveticker/server';
import type { Deps, LivetickerServer } from '@liveticker/server';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { OPS_KEY } from '../helpers/server';

// sharp is loaded at a node's first upload (media.service.ts). Here its first load fails, as it
// does where the platform's libvips binary is missing; the loads after it find the real library.
let mockLoads = 0;
jest.mock('sharp', () => {
  mockLoads += 1;
  if (mockLoads === 1) throw new Error('Could not load the "sharp" module using the linux-x64 runtime');
  return jest.requireActual('sharp');
});

/** A 1×1 PNG (grey), made without sharp: the test must not load it itself. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==', 'base64');

async function upload(url: string, data: Buffer) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)], { type: 'image/png' }), 'dot.png');
  const res = await fetch(`${url}/api/v1/media`, { method: 'POST', body: form, headers: { authorization: `Bearer ${OPS_KEY}` } });
  return { status: res.status, body: (await res.json()) as { error?: { code: string }; width?: number } };
}

describe('the image library is loaded at the first upload', () => {
  let db: TestDatabase;
  let dir: string;
  let deps: Deps;
  let server: LivetickerServer;
  let url: string;
  const lines: Array<{ level: number; msg: string; err?: { message: string } }> = [];

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-media-load-'));
    const log = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const config = testConfig({ databaseUrl: db.url, adminApiKey: OPS_KEY, media: { ...testConfig().media, dir } });
    deps = await createDeps(config, { logger: pino({ level: 'error' }, log) });
    server = await createServer(deps);
    url = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  });
  afterAll(async () => {
    await server.close();
    await deps.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a node starts without it; an upload while it cannot be loaded answers 500 and logs why; the next upload loads it', async () => {
    expect(mockLoads).toBe(0);

    const failed = await upload(url, PNG);
    expect(failed).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
    expect(mockLoads).toBe(1);
    const logged = lines.find((l) => l.msg === 'request failed');
    expect(logged?.err?.message).toContain('the image library (sharp) cannot be loaded');
    expect(logged?.err?.message).toContain('Could not load the "sharp" module');
    expect(fs.readdirSync(dir)).toEqual([]);

    const stored = await upload(url, PNG);
    expect(stored).toMatchObject({ status: 201, body: { width: 1 } });
    expect(mockLoads).toBe(2);
  });
});
