// Builds the client SDK for browsers: an ESM module and one bundled script (global `Liveticker`).
import path from 'node:path';
import { build } from 'esbuild';

const common = {
  entryPoints: ['client-sdk/src/index.ts'],
  bundle: true,
  sourcemap: true,
  target: ['es2020'],
  platform: 'browser',
  logLevel: 'warning',
  // Cyrillic and umlauts as UTF-8 (2 bytes), not \u escapes (6): the strings are a third of the widgets.
  charset: 'utf8',
};
/**
 * The readers' script speaks WebSocket only: Engine.IO's long-polling and WebTransport are left
 * out (a third of engine.io-client). Where WebSockets are blocked the SDK already keeps views
 * current over REST polling; the npm package (and the .mjs build) keep every transport.
 */
const websocketOnly = {
  name: 'websocket-only',
  setup(b) {
    b.onResolve({ filter: /^\.\/transports\/index\.js$/ }, (args) =>
      /engine\.io-client[\\/]build[\\/]esm[\\/]socket\.js$/.test(args.importer) ? { path: path.join(path.dirname(args.importer), 'transports/websocket.js'), namespace: 'ws-only' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'ws-only' }, (args) => ({
      contents: `import { WS } from ${JSON.stringify(args.path)}; export const transports = { websocket: WS };`,
      resolveDir: path.dirname(args.path),
    }));
    // engine.io-client's index re-exports every transport (and polling-xhr runs code when loaded,
    // so it is never shaken out); socket.io-client takes only these from it.
    b.onResolve({ filter: /^engine\.io-client$/ }, async (args) => {
      if (args.pluginData === 'eio' || !/socket\.io-client[\\/]build[\\/]esm[\\/]/.test(args.importer)) return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'eio' });
      return { path: real.path, namespace: 'eio-slim' };
    });
    b.onLoad({ filter: /.*/, namespace: 'eio-slim' }, (args) => ({
      contents: `export { Socket } from './socket.js'; export { installTimerFunctions } from './util.js'; export { parse } from './contrib/parseuri.js';
export { nextTick } from './globals.js'; export { WS as WebSocket } from './transports/websocket.js';
export const Fetch = undefined, NodeXHR = undefined, XHR = undefined, NodeWebSocket = undefined, WebTransport = undefined;`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * The readers' script sends and receives JSON only (the server never emits binary): socket.io-parser's
 * binary attachments (is-binary.js, binary.js) are left out; a binary packet would be refused.
 */
const jsonOnly = {
  name: 'json-only',
  setup(b) {
    b.onResolve({ filter: /^\.\/(is-)?binary\.js$/ }, (args) =>
      /socket\.io-parser[\\/]build[\\/]esm[\\/]index\.js$/.test(args.importer) ? { path: args.path, namespace: 'json-only' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'json-only' }, () => ({
      contents: `export const isBinary = () => false, hasBinary = () => false;
export const deconstructPacket = (packet) => ({ packet, buffers: [] });
export const reconstructPacket = () => { throw new Error('binary packets are not taken'); };`,
      loader: 'js',
    }));
  },
};

/**
 * The readers' script leaves the chat widget to liveticker-chat.js, and the Chats panel and
 * `<liveticker-live>`'s tabs to liveticker-chats.js (chat-lazy.ts and chats-lazy.ts load them).
 */
const lazyChat = {
  name: 'lazy-chat',
  setup(b) {
    b.onResolve({ filter: /^\.\/(widgets\/)?(chats?-widget|live-chat)$/ }, (args) =>
      /client-sdk[\\/]src[\\/](index|readers|widgets[\\/]elements)\.ts$/.test(args.importer)
        ? { path: path.resolve(`client-sdk/src/widgets/${args.path.endsWith('chat-widget') ? 'chat-lazy' : 'chats-lazy'}.ts`) }
        : undefined,
    );
  },
};

/**
 * The lazy scripts take the modules the scripts before them hold (`Liveticker.__shared` from
 * liveticker.js, `Liveticker.__chatShared` from liveticker-chat.js) instead of carrying copies:
 * one copy of each, so a class is the same class everywhere (`instanceof LivetickerError` holds).
 * Mapped by file, whoever imports it.
 */
const MAIN_SHARED = {
  'client.ts': 'client',
  'rest.ts': 'rest',
  'streams.ts': 'streams',
  'emitter.ts': 'emitter',
  'widgets/dom.ts': 'dom',
  'widgets/i18n.ts': 'i18n',
};
const CHAT_SHARED = {
  'widgets/chat-widget.ts': 'chatWidget',
  'widgets/chat-forms.ts': 'chatForms',
  'widgets/chat-login.ts': 'chatLogin',
  'widgets/i18n.chat.ts': 'i18nChat',
  'inbox-order.ts': 'inboxOrder',
};
const sharedFrom = (tables) => ({
  name: 'shared-modules',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = path.relative(path.resolve('client-sdk/src'), path.resolve(args.resolveDir, `${args.path}.ts`)).split(path.sep).join('/');
      for (const [global, table] of Object.entries(tables)) if (table[file]) return { path: `${global}.${table[file]}`, namespace: 'shared' };
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'shared' }, (args) => ({ contents: `module.exports = Liveticker.${args.path};`, loader: 'js' }));
  },
});

await Promise.all([
  build({ ...common, format: 'esm', outfile: 'client-sdk/dist/browser/liveticker.mjs' }),
  build({
    ...common,
    entryPoints: ['client-sdk/src/reader-entry.ts'],
    format: 'iife',
    globalName: 'Liveticker',
    minify: true,
    outfile: 'client-sdk/dist/browser/liveticker.js',
    plugins: [websocketOnly, lazyChat, jsonOnly],
  }),
  build({ ...common, entryPoints: ['client-sdk/src/widgets/chat-entry.ts'], format: 'iife', minify: true, outfile: 'client-sdk/dist/browser/liveticker-chat.js', plugins: [sharedFrom({ __shared: MAIN_SHARED })] }),
  // The reader's Chats panel: after liveticker-chat.js, whose chat and login forms it uses.
  build({
    ...common,
    entryPoints: ['client-sdk/src/widgets/chats-entry.ts'],
    format: 'iife',
    minify: true,
    outfile: 'client-sdk/dist/browser/liveticker-chats.js',
    plugins: [sharedFrom({ __shared: MAIN_SHARED, __chatShared: CHAT_SHARED })],
  }),
  // The service worker that shows a followed ticker's pushes (copied to a site's root, or imported
  // into its own worker with importScripts): a classic script, no module syntax.
  build({ ...common, entryPoints: ['client-sdk/src/sw/liveticker-sw.ts'], format: 'iife', minify: true, outfile: 'client-sdk/dist/browser/liveticker-sw.js' }),
  // The console is the newsroom's, not the readers': a bundle of its own.
  // Its charts' style sheet (uPlot's) comes in as text, for the console's own <style>.
  build({ ...common, entryPoints: ['client-sdk/src/console-entry.ts'], format: 'iife', globalName: 'LivetickerConsole', minify: true, loader: { '.css': 'text' }, outfile: 'client-sdk/dist/browser/console.js' }),
]);

// The notification's icon (192 px) and monochrome badge (96 px, white on transparent), served as
// /sdk/liveticker-icon.png and /sdk/liveticker-badge.png: drawn from their SVGs with sharp (the
// server's image library) so the PNGs are never out of step with them.
{
  const { default: sharp } = await import('sharp');
  await Promise.all([
    sharp('client-sdk/src/sw/icon.svg', { density: 192 }).resize(192, 192).png({ compressionLevel: 9 }).toFile('client-sdk/dist/browser/liveticker-icon.png'),
    sharp('client-sdk/src/sw/badge.svg', { density: 96 }).resize(96, 96).png({ compressionLevel: 9 }).toFile('client-sdk/dist/browser/liveticker-badge.png'),
  ]);
}

// What each bundle costs a reader (or an editor) over the wire.
if (process.env.SDK_SIZES !== '0') {
  const { gzipSync } = await import('node:zlib');
  const { readFileSync } = await import('node:fs');
  for (const file of ['liveticker.js', 'liveticker-chat.js', 'liveticker-chats.js', 'liveticker-sw.js', 'console.js']) {
    const bytes = readFileSync(`client-sdk/dist/browser/${file}`);
    process.stdout.write(`sdk: ${file} ${(bytes.length / 1024).toFixed(1)} KB, ${(gzipSync(bytes).length / 1024).toFixed(1)} KB gzip\n`);
  }
}
