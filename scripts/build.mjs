// npm run build: compiles schemas, client-sdk and server to each package's dist/ (CommonJS +
// declarations, in dependency order), then the browser bundles of the SDK. `npm start` runs the
// result; it calls this first when the build is missing or older than the sources.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!fs.existsSync(tsc)) {
  process.stderr.write('npm run build needs the dev dependencies (npm ci without --omit=dev): TypeScript is missing\n');
  process.exit(1);
}

const started = Date.now();
for (const pkg of ['schemas', 'client-sdk', 'server']) {
  fs.rmSync(path.join(root, pkg, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', path.join(root, pkg, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
}
execFileSync(process.execPath, [path.join(root, 'scripts', 'build-sdk.mjs')], { stdio: 'inherit', cwd: root });
fs.writeFileSync(path.join(root, 'server', 'dist', 'BUILD'), `${new Date().toISOString()}\n`);
process.stdout.write(`built schemas, client-sdk and server in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
