import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import express, { Router } from 'express';
import { z } from 'zod';
import { BLUESKY_API, EMBED_FRAME_HOSTS, Order, Slug } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { AppError, parseInput } from '../errors';
import { returnAllowed } from '../auth/return-to';
import { tickerExists } from '../tickers/tickers.repo';
import { mastodonHosts } from '../tickers/entries.repo';
import { PAGE_STRINGS, pageLang } from './pages.i18n';
import type { PageLang } from './pages.i18n';

/** The browser bundles of the client SDK (built by `npm run build:sdk`, which `npm start` runs). */
const SDK_DIST = path.join(path.dirname(require.resolve('@liveticker/client-sdk/package.json')), 'dist', 'browser');

const DEMO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 450"><rect width="800" height="450" fill="#dfe8f1"/>
<rect y="330" width="800" height="120" fill="#9aa7b4"/><rect x="250" y="120" width="300" height="210" fill="#f4f1ea" stroke="#555" stroke-width="4"/>
<rect x="370" y="230" width="60" height="100" fill="#6b4f3a"/><text x="400" y="175" font-family="sans-serif" font-size="34" font-weight="700" text-anchor="middle" fill="#1a1a1a">WAHLLOKAL</text>
${[90, 140, 190, 560, 610, 660, 710].map((x, i) => `<circle cx="${x}" cy="${250 + (i % 2) * 8}" r="18" fill="#${['c0392b', '2c3e50', '16a085', '8e44ad', 'd35400', '2980b9', '7f8c8d'][i]}"/><rect x="${x - 20}" y="${268 + (i % 2) * 8}" width="40" height="62" rx="10" fill="#${['c0392b', '2c3e50', '16a085', '8e44ad', 'd35400', '2980b9', '7f8c8d'][i]}"/>`).join('')}
</svg>`;

const WidgetQuery = z.object({
  ticker: Slug,
  order: Order.default('newest'),
  // An unknown language is no error: the page falls back to English.
  lang: z.string().max(35).default('de').transform(pageLang),
});

/**
 * The pages e-mail links open. They never act on GET (mail scanners prefetch links): the page
 * posts the token from its URL to the API and says what happened.
 */
/**
 * Sends one of our HTML pages with a strict Content-Security-Policy: scripts only from this
 * origin or inline with this response's nonce, so injected markup cannot run code.
 */
/**
 * Sends a page with its own CSP. `frameAncestors`: who may show it in a frame (the widget pages:
 * this server and the CORS_ORIGINS sites); every other page may not be framed at all.
 */
export function sendPage(res: Response, html: (nonce: string) => string, frameAncestors: string[] = ["'none'"], embeds?: EmbedSources): void {
  const nonce = randomBytes(16).toString('base64');
  // The CSP's frame-ancestors decides; the older header could only say "same origin".
  if (frameAncestors[0] !== "'none'") res.removeHeader('X-Frame-Options');
  res.set(
    'Content-Security-Policy',
    [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self' 'unsafe-inline'",
      'img-src * data:',
      `connect-src 'self' ws: wss:${embeds ? ` ${embeds.connect.join(' ')}` : ''}`,
      // Frames only for embeds the reader agreed to, from exactly their providers' hosts.
      ...(embeds ? [`frame-src ${embeds.frames.join(' ')}`] : []),
      "base-uri 'none'",
      "form-action 'self'",
      "object-src 'none'",
      `frame-ancestors ${frameAncestors.join(' ')}`,
    ].join('; '),
  );
  res.type('html').send(html(nonce));
}

/** What a page that shows entries' embeds may load after consent: frames and Bluesky's handle lookup. */
export interface EmbedSources {
  frames: string[];
  connect: string[];
}

/**
 * The embed hosts of a page showing entries: every named provider's frame host, and the
 * Mastodon servers `mastodonHosts` names (a post's own server is its frame's host).
 */
export function embedSources(mastodonHosts: string[]): EmbedSources {
  const frames = [...new Set([...Object.values(EMBED_FRAME_HOSTS).flat(), ...mastodonHosts.map((h) => `https://${h}`)])];
  return { frames, connect: [BLUESKY_API] };
}

const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Where a mailed page was opened from: its language and (when it is one of our sites) the article. */
function mailedPage(ctx: AppContext, query: Record<string, unknown>): { lang: PageLang; back?: string; t: Record<string, string> } {
  const lang = pageLang(query.lang);
  const back = typeof query.return === 'string' && query.return.length <= 2048 && returnAllowed(ctx.config, query.return) ? query.return : undefined;
  return { lang, back, t: PAGE_STRINGS[lang] };
}

/**
 * A page a mail opens, in the reader's language, with a way back to the article. `messages` go to
 * the script as JSON (its words by error code); the script posts the token and says what happened.
 */
function page(nonce: string, m: ReturnType<typeof mailedPage>, title: string, form: string, script: string): string {
  const words = JSON.stringify(m.t).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="${m.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}
input,button{font:inherit;padding:.5rem;margin:.25rem 0;width:100%;box-sizing:border-box}button{background:#0a5bd3;color:#fff;border:0;border-radius:4px}
label{display:block}.ok{color:#0a7a32}.err{color:#b00020}.back{display:inline-block;margin-top:1rem;color:#0a5bd3}</style></head><body><main><h1>${escapeHtml(title)}</h1>${form}<p id="status" role="status"></p>
${m.back ? `<a class="back" href="${escapeHtml(m.back)}">← ${escapeHtml(m.t.back)}</a>` : ''}</main>
<script nonce="${nonce}">const t = ${words};
${tokenScript}
${script}</script></body></html>`;
}

const tokenScript = `const token = new URLSearchParams(location.search).get('token') || '';
const status = document.getElementById('status');
function show(ok, text) { status.className = ok ? 'ok' : 'err'; status.textContent = text; }
function fail(e) { show(false, e.code === 'invalid_token' ? t.invalidLink : e.code === 'invalid_credentials' ? t.wrongPassword : e.code === 'rate_limited' ? t.tooMany : t.failed); }
async function post(path, body) {
  const res = await fetch('/api/v1' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = res.status === 204 ? {} : await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(json.error ? json.error.message : res.statusText), { code: json.error && json.error.code });
  return json;
}`;

/**
 * In a frame, a widget page tells its parent how tall it is whenever that changes, so the host
 * page's frame fits it (the README's snippet sets the height). Only the height leaves the frame.
 */
const FRAME_SIZE = `if (window.parent !== window) new ResizeObserver(() => window.parent.postMessage({ type: 'liveticker:size', height: Math.ceil(document.body.getBoundingClientRect().height + 32) }, '*')).observe(document.body);`;

/**
 * The widget pages register the Follow button's worker themselves (scope `/`, so it covers them);
 * the widget then finds it with getRegistration(). A framed page does not: there the button opens
 * the page in a window of its own, which does.
 */
const REGISTER_WORKER = `if (window.parent === window && 'serviceWorker' in navigator) navigator.serviceWorker.register('/liveticker-sw.js').catch(() => {});`;

export function pagesRouter(ctx: AppContext): Router {
  const r = Router();
  // The widget pages may be framed by this server's pages and the sites CORS_ORIGINS names.
  const frameAncestors = ctx.config.corsOrigins.includes('*') ? ['*'] : ["'self'", ...ctx.config.corsOrigins];
  /**
   * The Follow button's service worker. A worker's scope is at most the folder of its script unless
   * the script says otherwise: `/sdk/liveticker-sw.js` allows `/` (a page may register it with
   * `{scope: '/'}`), and the same file at `/liveticker-sw.js` (the widget's default `sw-url`) covers
   * the widget pages as it is. `no-cache`: a new worker reaches readers at their next visit.
   * A worker runs under its script's CSP: not the default one (its sandbox would deny it the
   * IndexedDB where the page keeps the follows, its `default-src 'none'` the PATCH that renews a
   * replaced subscription), but only this server to talk to.
   */
  const SW_FILE = path.join(SDK_DIST, 'liveticker-sw.js');
  const sendWorker: express.RequestHandler = (_req, res, next) => {
    res.set({ 'Service-Worker-Allowed': '/', 'Cache-Control': 'no-cache', 'Content-Security-Policy': "default-src 'none'; connect-src 'self'" });
    res.sendFile(SW_FILE, (err) => err && next(err));
  };
  r.get(['/liveticker-sw.js', '/sdk/liveticker-sw.js'], sendWorker);
  r.use('/sdk', express.static(SDK_DIST, { maxAge: '5m', fallthrough: false }));
  // ticker.html, chat.html and live.html (both side by side, as beside an article).
  const MOUNT = {
    ticker: `Liveticker.mountTicker(document.getElementById('ticker'), cfg)`,
    chat: `Liveticker.mountChat(document.getElementById('chat'), cfg)`,
  };
  for (const kind of ['ticker', 'chat', 'live'] as const) {
    r.get(`/widgets/${kind}.html`, async (req, res) => {
      const q = parseInput(WidgetQuery, req.query, 'widget parameters');
      if (!(await tickerExists(ctx.db, q.ticker))) {
        throw new AppError('not_found', `no ticker ${q.ticker}`);
      }
      // JSON in a script tag: escape "<" so no value can close the tag.
      // `shadow: false`: this page is the widget's own (its CSS is the widget's), so the widget draws into it.
      const cfg = JSON.stringify({ url: ctx.config.publicUrl, ...q, shadow: false }).replace(/</g, '\\u003c');
      const parts = kind === 'live' ? (['ticker', 'chat'] as const) : ([kind] as const);
      sendPage(res, (nonce) => `<!doctype html><html lang="${q.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>liveticker</title></head>
<body style="margin:1rem;display:flex;gap:1.5rem;align-items:flex-start;flex-wrap:wrap">
${parts.map((p) => `<div id="${p}" style="flex:${p === 'ticker' ? '2 1 28rem' : '1 1 20rem'}"></div>`).join('')}
<script src="/sdk/liveticker.js"></script>
<script nonce="${nonce}">${FRAME_SIZE}${REGISTER_WORKER}const cfg = ${cfg}; cfg.url = location.origin;${parts.length > 1 ? ' cfg.client = Liveticker.createClient({ url: cfg.url, withCredentials: true, token: ((t) => /^lts_[\\w-]{20,}$/.test(t || \'\') ? t : undefined)(sessionStorage.getItem(\'liveticker.token\')) });' : ''} window.widgets = {${parts.map((p) => `${p}: ${MOUNT[p]}`).join(', ')}}; window.widget = window.widgets.${parts[0]};</script></body></html>`, frameAncestors, kind === 'chat' ? undefined : embedSources(await mastodonHosts(ctx.db, q.ticker)));
    });
  }
  // The newsroom's web console (the CLI's sibling): entries, status and the chat's moderation queue.
  r.get('/console.html', (_req, res) => {
    sendPage(res, (nonce) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>liveticker console</title></head>
<body style="margin:1rem"><div id="console"></div><script src="/sdk/console.js"></script>
<script nonce="${nonce}">window.console_ = LivetickerConsole.mountConsole(document.getElementById('console'), { url: location.origin });</script></body></html>`, undefined, embedSources([]));
  });
  // The demo ticker's picture, so the seeded demo looks complete without any outside host.
  r.get('/demo/polling-station.svg', (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(DEMO_SVG);
  });
  /**
   * A mailed link's page: one password field, posted with the link's token to `endpoint`;
   * `intro` above the form, `done` said once the server took it.
   */
  const passwordPage = (p: { title: 'verifyTitle' | 'resetTitle'; intro?: 'verifyIntro'; label: 'password' | 'newPassword'; button: 'confirm' | 'save'; done: 'verified' | 'resetDone'; endpoint: string; field: string }) =>
    ((req, res) => {
      const m = mailedPage(ctx, req.query);
      sendPage(res, (nonce) =>
        page(
          nonce,
          m,
          m.t[p.title],
          `${p.intro ? `<p>${escapeHtml(m.t[p.intro])}</p>` : ''}<form id="f"><label>${escapeHtml(m.t[p.label])}<input id="pw" type="password" ${p.field} required></label><button>${escapeHtml(m.t[p.button])}</button></form>`,
          `document.getElementById('f').addEventListener('submit', (ev) => { ev.preventDefault();
  post('${p.endpoint}', { token, password: document.getElementById('pw').value })
    .then(() => { document.getElementById('f').hidden = true; show(true, t.${p.done}); }, fail); });`,
        ),
      );
    }) satisfies express.RequestHandler;
  r.get(
    '/verify-email',
    passwordPage({ title: 'verifyTitle', intro: 'verifyIntro', label: 'password', button: 'confirm', done: 'verified', endpoint: '/auth/verify', field: 'maxlength="128" autocomplete="current-password"' }),
  );
  r.get(
    '/reset-password',
    passwordPage({ title: 'resetTitle', label: 'newPassword', button: 'save', done: 'resetDone', endpoint: '/auth/password-reset/confirm', field: 'minlength="8" maxlength="128" autocomplete="new-password"' }),
  );
  return r;
}
