// npm run backup -- <file>: a consistent copy of the SQLite database (DATABASE_URL, default
// ./data/liveticker.sqlite) while the server keeps running and writing, through SQLite's VACUUM
// INTO (one snapshot; writers go on). For PostgreSQL use pg_dump (see the README's "Backups").
// Restore: stop the server, delete the old database's -wal and -shm files, put the copy where
// DATABASE_URL points (or point DATABASE_URL at it), start the server.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
const target = process.argv[2];
if (!target || target.startsWith('-')) {
  process.stderr.write('usage: npm run backup -- <file>   (DATABASE_URL names the database; SQLite only)\n');
  process.exit(2);
}
const url = process.env.DATABASE_URL || './data/liveticker.sqlite';
if (/^postgres(ql)?:\/\//i.test(url)) {
  process.stderr.write('DATABASE_URL is PostgreSQL: back it up with pg_dump -Fc (see the README, "Backups")\n');
  process.exit(2);
}
const source = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\//, '') : url;
if (!fs.existsSync(source)) {
  process.stderr.write(`no database at ${source}\n`);
  process.exit(1);
}
if (fs.existsSync(target)) {
  process.stderr.write(`${target} exists; choose a new file (a backup never overwrites)\n`);
  process.exit(1);
}
fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
const Database = require(require.resolve('better-sqlite3', { paths: [path.resolve('server'), process.cwd()] }));
const db = new Database(source, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const started = Date.now();
// VACUUM INTO reads one snapshot of the database (WAL: writers go on meanwhile) and writes it to
// a new file in one go; the online backup API would start over at every write of the server.
// Written under a temporary name and renamed once checked, so a failed run leaves nothing behind.
const partial = `${target}.partial-${process.pid}`;
try {
  db.prepare('VACUUM INTO ?').run(partial);
} catch (err) {
  fs.rmSync(partial, { force: true });
  process.stderr.write(`backup failed: ${err.message}\n`);
  process.exit(1);
} finally {
  db.close();
}
// A restored copy is an earlier history than readers may hold: new epochs make every reader whose
// position came from the live database start over once, instead of trusting revisions that will
// be written again with other content.
const copyDb = new Database(partial);
const setEpoch = copyDb.prepare('update streams set epoch = ? where name = ?');
copyDb.transaction(() => {
  for (const { name } of copyDb.prepare('select name from streams').all()) setEpoch.run(randomBytes(8).toString('hex'), name);
})();
const ok = copyDb.pragma('integrity_check', { simple: true });
const streams = copyDb.prepare('select count(*) as n from streams').get();
copyDb.pragma('journal_mode = DELETE');
copyDb.close();
if (ok !== 'ok') {
  fs.rmSync(partial, { force: true });
  process.stderr.write(`the copy failed its integrity check: ${ok}\n`);
  process.exit(1);
}
fs.renameSync(partial, target);
const bytes = fs.statSync(target).size;
process.stdout.write(`backed up ${source} to ${target}: ${(bytes / 1048576).toFixed(1)} MB, ${streams.n} streams, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
