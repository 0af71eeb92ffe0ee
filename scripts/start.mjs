// npm start: runs the compiled server (server/dist/main.js), building it first when the build is
// missing or older than any source, so `npm install && npm start` works on a fresh clone. In a
// production install (npm ci --omit=dev) the build must exist already: it cannot be made there.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'server', 'dist', 'BUILD');

/** The newest modification time under `dir` (files only), 0 when it does not exist. */
function newest(dir) {
  let latest = 0;
  if (!fs.existsSync(dir)) return latest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return latest;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const sources = Math.max(...['schemas/src', 'server/src', 'client-sdk/src'].map((d) => newest(path.join(root, d))));
if (built < sources) {
  const hasSources = sources > 0;
  if (!hasSources) {
    process.stderr.write('no build (server/dist) and no sources to build it from\n');
    process.exit(1);
  }
  const canBuild = fs.existsSync(path.join(root, 'node_modules', 'typescript')) && fs.existsSync(path.join(root, 'scripts', 'build.mjs'));
  if (built && !canBuild) {
    // A production install (no dev dependencies) with sources touched after the build.
    process.stderr.write('sources are newer than the build, but this install cannot build (no dev dependencies): starting the existing build\n');
  } else {
    process.stdout.write(built ? 'sources changed since the last build: building\n' : 'no build yet: building\n');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
  }
}
await import(pathToFileURL(path.join(root, 'server', 'dist', 'main.js')).href);
