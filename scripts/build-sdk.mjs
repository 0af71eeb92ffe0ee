// Builds the client SDK for browsers: an ESM module and one bundled script (global `Liveticker`).
import { build } from 'esbuild';

const common = {
  entryPoints: ['client-sdk/src/index.ts'],
  bundle: true,
  sourcemap: true,
  target: ['es2020'],
  platform: 'browser',
  logLevel: 'warning',
};
await Promise.all([
  build({ ...common, format: 'esm', outfile: 'client-sdk/dist/browser/liveticker.mjs' }),
  build({ ...common, format: 'iife', globalName: 'Liveticker', minify: true, outfile: 'client-sdk/dist/browser/liveticker.js' }),
]);
