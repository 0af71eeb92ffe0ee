import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { ServerProcess } from '../helpers/process';
import { opsApi } from '../helpers/api';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

/** Every entry of a ticker in a database file, in rev order, as the reader's API would show it. */
function rows(file: string, tickerId: string) {
  const db = new Database(file, { readonly: true });
  try {
    const head = (db.prepare('select rev from streams where name = ?').get(`ticker:${tickerId}`) as { rev: number }).rev;
    const entries = db.prepare('select id, rev, body, deleted_at from entries where ticker_id = ? order by rev').all(tickerId) as Array<{ id: string; rev: number; body: string }>;
    return { head, entries };
  } finally {
    db.close();
  }
}

describe('npm run backup (SQLite online backup) and a restore', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-backup-'));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies one consistent moment while writes go on; a server started on the copy has every stream intact', async () => {
    const live = path.join(dir, 'live.sqlite');
    const server = await ServerProcess.start({ DATABASE_URL: live });
    servers.push(server);
    const api = opsApi(server.url);
    await api.createTicker({ id: 'night', title: 'Election night', status: 'live' });
    // A few MB: SQLite's page-stepping backup API would start over at every write meanwhile.
    for (let i = 0; i < 300; i++) await api.post('night', { body: `<p>early ${i} ${'x'.repeat(8000)}</p>` });

    // Writers keep going while the backup runs.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing && written < 2000) {
        await api.post('night', { body: `<p>during ${written} ${'y'.repeat(2000)}</p>` });
        written++;
      }
    })();
    const copy = path.join(dir, 'backups', 'night.sqlite');
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'scripts/backup.mjs'), copy], { cwd: ROOT, env: { ...process.env, DATABASE_URL: live } });
    writing = false;
    await writer;
    expect(stdout).toMatch(/backed up .* streams/);
    expect(written).toBeGreaterThan(0);
    expect(fs.readdirSync(path.dirname(copy))).toEqual(['night.sqlite']);

    // The copy is a prefix of the live history: its head, and exactly the entries up to it.
    const backedUp = rows(copy, 'night');
    const now = rows(live, 'night');
    expect(backedUp.head).toBeGreaterThanOrEqual(301);
    expect(backedUp.head).toBeLessThanOrEqual(now.head);
    expect(backedUp.entries.map((e) => e.rev)).toEqual(now.entries.filter((e) => e.rev <= backedUp.head).map((e) => e.rev));
    expect(backedUp.entries.at(-1)?.rev).toBe(backedUp.head);

    // A server on the restored file answers from it, revisions intact, and goes on from its head.
    const restored = await ServerProcess.start({ DATABASE_URL: copy });
    servers.push(restored);
    const changes = await (await fetch(`${restored.url}/api/v1/tickers/night/changes`)).json();
    expect(changes.rev).toBe(backedUp.head);
    const firstPage = await (await fetch(`${restored.url}/api/v1/tickers/night/changes?since=0`)).json();
    expect(firstPage.changes.length).toBeGreaterThan(0);
    // New epochs: a reader holding a position of the live history starts over once.
    const liveEpoch = (await (await fetch(`${server.url}/api/v1/tickers/night/changes`)).json()).epoch;
    expect(changes.epoch).not.toBe(liveEpoch);
    const stale = await (await fetch(`${restored.url}/api/v1/tickers/night/changes?since=10&epoch=${liveEpoch}`)).json();
    expect(stale.reset).toBe(true);
    const next = await opsApi(restored.url).post('night', { body: '<p>after the restore</p>' });
    expect(next.rev).toBe(backedUp.head + 1);
    // The search index came along, and follows edits on the copy.
    const found = async (q: string) => ((await (await fetch(`${restored.url}/api/v1/tickers/night/entries?q=${encodeURIComponent(q)}`)).json()).items as Array<{ id: string; body: string; version: number }>);
    const [early] = await found('early 123');
    expect(early?.body.startsWith('<p>early 123 ')).toBe(true);
    expect((await found('after restore')).map((e) => e.id)).toEqual([next.id]);
    await opsApi(restored.url).edit('night', early!.id, { version: early!.version, body: '<p>rewritten on the copy</p>' });
    expect((await found('rewritten')).map((e) => e.id)).toEqual([early!.id]);
    expect(await found('early 123')).toEqual([]);

    // A backup never overwrites, and PostgreSQL is pointed at pg_dump.
    await expect(run(process.execPath, [path.join(ROOT, 'scripts/backup.mjs'), copy], { cwd: ROOT, env: { ...process.env, DATABASE_URL: live } })).rejects.toMatchObject({ stderr: expect.stringMatching(/exists/) });
    await expect(run(process.execPath, [path.join(ROOT, 'scripts/backup.mjs'), path.join(dir, 'pg.sqlite')], { cwd: ROOT, env: { ...process.env, DATABASE_URL: 'postgres://x@127.0.0.1/y' } })).rejects.toMatchObject({ stderr: expect.stringMatching(/pg_dump/) });
  });
});
