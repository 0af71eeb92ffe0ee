import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { Slug, tickerStream } from '@liveticker/schemas';
import type { Card, Entry, Ticker, TickerSnapshot } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { AppError, parseInput } from '../errors';
import { safeDecode, tickerIdParam } from '../http/params';
import { embedSources, sendPage } from '../http/pages';
import { notModified, publicCache } from '../http/conditional';
import { listEntriesPage } from './entries.service';
import { listKeyEvents, mastodonHosts } from './entries.repo';
import { findTicker } from './tickers.repo';
import { headline, textOf, tickerPageUrl } from './entry-text';
import { pollHtml } from '../polls/poll-html';
import { questionHtml } from '../questions/question-html';
import { embedHtml } from './embed-html';
import { CARD_PAGE_CSS, cardHtml, sportsEventJsonLd } from '../cards/card-html';
import { cardsOf } from '../cards/cards.service';

/** The fragment's CSP: its inline style and pictures from anywhere (entries' images), nothing else. */
export const FRAGMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

/** How many entries a server-rendered page shows before its "older entries" link. */
const PAGE_ENTRIES = 20;
/** Key events the widget shows in its jump box (as many as it asks for itself). */
const KEY_EVENTS = 20;
/** The widget's languages: another locale renders an English widget. */
const WIDGET_LANGS = new Set(['de', 'en', 'ru']);

/** JSON inside a script element: nothing in it can close the element or open a comment. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const RenderQuery = z.strictObject({
  order: z.enum(['newest', 'oldest']).default('newest'),
  cursor: z.string().max(300).optional(),
});

const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STRINGS: Record<string, { older: string; newer: string; pinned: string; updated: string; live: string; ended: string; scheduled: string }> = {
  de: { older: 'Ältere Einträge', newer: 'Neuere Einträge', pinned: 'Angeheftet', updated: 'aktualisiert', live: 'Live', ended: 'Beendet', scheduled: 'Geplant' },
  en: { older: 'Older entries', newer: 'Newer entries', pinned: 'Pinned', updated: 'updated', live: 'Live', ended: 'Ended', scheduled: 'Scheduled' },
  ru: { older: 'Более ранние записи', newer: 'Более новые записи', pinned: 'Закреплено', updated: 'обновлено', live: 'В эфире', ended: 'Завершено', scheduled: 'Запланировано' },
};

/**
 * schema.org LiveBlogPosting for the entries shown: what search engines read of a live blog
 * (coverage window, each update as a BlogPosting with its permalink and picture).
 */
export function liveBlogJsonLd(ticker: Ticker, entries: Entry[], page: string): Record<string, unknown> {
  const start = ticker.coverageStart ?? ticker.createdAt;
  return {
    '@context': 'https://schema.org',
    '@type': 'LiveBlogPosting',
    '@id': page,
    url: page,
    headline: ticker.title,
    description: ticker.description || ticker.title,
    inLanguage: ticker.locale,
    datePublished: ticker.createdAt,
    dateModified: entries.reduce((at, e) => (e.updatedAt > at ? e.updatedAt : at), ticker.updatedAt),
    coverageStartTime: start,
    ...(ticker.status === 'ended' ? { coverageEndTime: ticker.coverageEnd ?? ticker.updatedAt } : {}),
    liveBlogUpdate: entries.map((e) => ({
      '@type': 'BlogPosting',
      '@id': `${page}#entry-${e.id}`,
      url: `${page}#entry-${e.id}`,
      headline: headline(e).slice(0, 110),
      datePublished: e.publishedAt,
      dateModified: e.updatedAt,
      articleBody: textOf(e.body),
      author: { '@type': 'Person', name: e.author.displayName },
      ...(e.image
        ? {
            image: {
              '@type': 'ImageObject',
              url: e.image.url,
              ...(e.image.caption ? { caption: e.image.caption } : {}),
              ...(e.image.credit ? { creditText: e.image.credit } : {}),
              ...(e.image.width ? { width: e.image.width } : {}),
              ...(e.image.height ? { height: e.image.height } : {}),
            },
          }
        : {}),
      // The post an entry embeds, as a link (what it shares; nothing of the provider's is loaded).
      ...(e.embed ? { sharedContent: { '@type': e.embed.provider === 'link' ? 'WebPage' : 'SocialMediaPosting', url: e.embed.canonical, ...(e.embed.caption ? { headline: e.embed.caption } : {}) } } : {}),
    })),
  };
}

function time(iso: string, lang: string, cls = ''): string {
  const d = new Date(iso);
  return `<time${cls ? ` class="${cls}"` : ''} datetime="${esc(d.toISOString())}">${esc(d.toLocaleString(lang, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }))} UTC</time>`;
}

function entryHtml(e: Entry, lang: string, t: (typeof STRINGS)['en'], cards: Card[] = []): string {
  const parts = [`<article class="lt-entry${e.pinned ? ' pinned' : ''}" id="entry-${esc(e.id)}" data-rev="${e.rev}">`];
  parts.push(`<div class="lt-when"><a href="#entry-${esc(e.id)}">${time(e.publishedAt, lang)}</a>`);
  if (e.updatedAt !== e.publishedAt && e.version > 1) parts.push(` <small>${esc(t.updated)} ${time(e.updatedAt, lang)}</small>`);
  parts.push('</div><div class="lt-main">');
  if (e.pinned) parts.push(`<span class="lt-label">${esc(t.pinned)}</span>`);
  if (e.title) parts.push(`<h2>${esc(e.title)}</h2>`);
  if (e.question) parts.push(questionHtml(e.question, lang));
  // Bodies are stored sanitized to the allowlist: they go out as they are.
  parts.push(`<div class="lt-body">${e.body}</div>`);
  // A poll: its question and options; its counts once it closed (as the feeds: a page a CDN keeps
  // for a while shows no count that moved on since; the widget on it shows them live).
  if (e.poll) parts.push(pollHtml(e.poll, lang, { closedOnly: true }));
  if (e.image) {
    const credit = e.image.credit ? (e.image.creditUrl ? `<a href="${esc(e.image.creditUrl)}">${esc(e.image.credit)}</a>` : esc(e.image.credit)) : '';
    const size = e.image.width && e.image.height ? ` width="${e.image.width}" height="${e.image.height}"` : '';
    parts.push(`<figure><img src="${esc(e.image.url)}" alt="${esc(e.image.caption ?? '')}"${size} loading="lazy"><figcaption>${esc(e.image.caption ?? '')}${credit ? ` <span class="lt-credit">${credit}</span>` : ''}</figcaption></figure>`);
  }
  if (e.embed) parts.push(embedHtml(e.embed, lang));
  if (e.teaser) parts.push(`<p class="lt-teaser"><a href="${esc(e.teaser.url)}">${esc(e.teaser.title)}</a></p>`);
  for (const card of cards) parts.push(cardHtml(card, lang));
  parts.push('</div></article>');
  return parts.join('');
}

const CSS = `liveticker-ticker{display:block}.liveticker{font:16px/1.5 Georgia,serif;color:#1a1a1a;max-width:44rem}.liveticker header h1{font:700 1.5rem system-ui,sans-serif;margin:0 0 .25rem}
.lt-status{font:700 .75rem system-ui,sans-serif;text-transform:uppercase;background:#c00018;color:#fff;padding:.1rem .4rem;border-radius:3px}
.lt-entry{display:grid;grid-template-columns:7rem minmax(0,1fr);gap:.75rem;border-bottom:1px solid #ddd;padding:.9rem 0}
.lt-entry.pinned{background:#fff8e1}.lt-when{font:700 .8rem system-ui,sans-serif;color:#c00018}.lt-when a{color:inherit;text-decoration:none}
.lt-when small{display:block;font-weight:400;color:#595959}.lt-label{font:700 .7rem system-ui,sans-serif;text-transform:uppercase;color:#7a5200}
.lt-entry h2{font:700 1.05rem/1.3 system-ui,sans-serif;margin:0 0 .25rem}.lt-body p{margin:0 0 .5rem}.lt-body blockquote{margin:0;font-style:italic;border-left:3px solid #c00018;padding-left:.75rem}.lt-entry img{max-width:100%;height:auto}
.lt-entry figure{margin:.5rem 0}.lt-entry figcaption{font:.8rem system-ui,sans-serif;color:#454545}.lt-credit{color:#595959}
.lt-poll{font:.95rem system-ui,sans-serif;border:1px solid #ddd;border-radius:4px;padding:.5rem .75rem;margin:.5rem 0}.lt-poll ul{margin:.25rem 0;padding-left:1.25rem}.lt-poll-foot{color:#595959;font-size:.8rem;margin:0}
.lt-embed{margin:.5rem 0}.lt-embed-gate{box-sizing:border-box;max-width:100%;border:1px solid #ccc;border-radius:4px;padding:.75rem;background:#f6f6f6;font:.9rem/1.4 system-ui,sans-serif;overflow:auto}.lt-embed-gate p{margin:0 0 .4rem}.lt-embed-url{overflow-wrap:anywhere}.lt-embed-hint{color:#595959}
.lt-pages{display:flex;justify-content:space-between;margin:1rem 0;font:.9rem system-ui,sans-serif}
${CARD_PAGE_CSS}
@media (max-width:600px){.lt-entry{grid-template-columns:1fr;gap:.25rem}}`;

/** The rendered ticker: what a page without JavaScript, a crawler or a CMS's server include sees. */
async function renderTicker(ctx: Pick<AppContext, 'db' | 'config' | 'changeLog'>, req: Request) {
  const id = tickerIdParam(req.params.id);
  const q = parseInput(RenderQuery, req.query, 'query');
  const pos = await ctx.changeLog.position(tickerStream(id));
  const ticker = await findTicker(ctx.db, id);
  if (!ticker || !pos) throw new AppError('not_found', `no ticker ${id}`);
  const list = await listEntriesPage(ctx, id, { order: q.order, limit: String(PAGE_ENTRIES), ...(q.cursor ? { cursor: q.cursor } : {}) });
  const entries = [...list.pinned, ...list.items.filter((e) => !e.deletedAt)];
  const lang = STRINGS[ticker.locale] ? ticker.locale : 'en';
  const t = STRINGS[lang]!;
  const page = tickerPageUrl(ctx.config.publicUrl, id);
  const link = (extra: Record<string, string>) => `${page}?${new URLSearchParams({ ...(q.order !== 'newest' ? { order: q.order } : {}), ...extra })}`.replace(/\?$/, '');
  const jsonLd = scriptJson(liveBlogJsonLd(ticker, entries, page));
  // Cards of no entry at the top (pinned first), the others inside their entries.
  const cards = await cardsOf(ctx, id);
  const sportsLd = cards.map((c) => sportsEventJsonLd(c, ticker, page)).filter((x) => x !== undefined);
  const section = `<section class="liveticker" lang="${esc(ticker.locale)}" data-liveticker-ticker="${esc(id)}" data-liveticker-rev="${pos.rev}" data-liveticker-epoch="${esc(pos.epoch)}" data-liveticker-order="${q.order}">
<header><h1>${esc(ticker.title)}</h1> <span class="lt-status">${esc(t[ticker.status])}</span>${ticker.description ? `<p>${esc(ticker.description)}</p>` : ''}</header>
${cards.filter((c) => !c.entryId).map((c) => cardHtml(c, lang)).join('\n')}
${entries.map((e) => entryHtml(e, lang, t, cards.filter((c) => c.entryId === e.id))).join('\n')}
<nav class="lt-pages">${q.cursor ? `<a href="${esc(link({}))}">${esc(t.newer)}</a>` : '<span></span>'}${list.nextCursor ? `<a rel="next" href="${esc(link({ cursor: list.nextCursor }))}">${esc(t.older)}</a>` : ''}</nav>
<script type="application/ld+json">${jsonLd}</script>${sportsLd.map((ld) => `\n<script type="application/ld+json">${scriptJson(ld)}</script>`).join('')}
</section>`;
  // The first page becomes the live widget when the SDK loads: <liveticker-ticker> takes over what
  // was rendered (its state below, read after the position above) and goes live from that revision.
  // Older pages stay plain pages.
  let html = section;
  if (!q.cursor) {
    const keyEvents = await listKeyEvents(ctx.db, id, KEY_EVENTS);
    const state: TickerSnapshot = { v: 1, rev: pos.rev, epoch: pos.epoch, order: q.order, ticker: ctx.config.analytics.enabled ? ticker : { ...ticker, analytics: false }, items: list.items, pinned: list.pinned, nextCursor: list.nextCursor, keyEvents, cards };
    html = `<liveticker-ticker ticker="${esc(id)}" order="${q.order}" lang="${WIDGET_LANGS.has(ticker.locale) ? ticker.locale : 'en'}">
${section}
<script type="application/json" data-liveticker-state>${scriptJson(state)}</script>
</liveticker-ticker>
<script src="${esc(ctx.config.publicUrl)}/sdk/liveticker.js" async></script>`;
  }
  return { ticker, pos, html, page, order: q.order, cursor: q.cursor };
}

/** The rendered answer is fixed by the stream's head and the page asked for. */
function renderedNotModified(ctx: Pick<AppContext, 'config'>, req: Request, res: Response, kind: string, pos: { epoch: string; rev: number }): boolean {
  return notModified(req, res, `W/"${kind}.${pos.epoch}.${pos.rev}.${encodeURIComponent(String(req.query.order ?? ''))}.${encodeURIComponent(String(req.query.cursor ?? ''))}"`, publicCache(ctx.config));
}

/** `GET /tickers/:id/fragment`: the rendered ticker as an HTML fragment for a CMS to include. */
export function fragmentRoute(ctx: Pick<AppContext, 'db' | 'config' | 'changeLog'>): RequestHandler {
  return async (req, res) => {
    const pos = await ctx.changeLog.position(tickerStream(tickerIdParam(req.params.id)));
    if (pos && renderedNotModified(ctx, req, res, 'fragment', pos)) return;
    const r = await renderTicker(ctx, req);
    // A CMS includes the fragment in its own page on the server; opened here it shows as it is and
    // runs nothing (it holds no script, and needs only its inline style and pictures).
    res.set('Content-Security-Policy', FRAGMENT_CSP);
    res.type('html').send(`<style>${CSS}</style>\n${r.html}`);
  };
}

/** `GET /tickers/:id/html`: a whole page around it, with its feeds and oEmbed discovery. */
export function htmlRoute(ctx: Pick<AppContext, 'db' | 'config' | 'changeLog'>): RequestHandler {
  return async (req, res) => {
    const pos = await ctx.changeLog.position(tickerStream(tickerIdParam(req.params.id)));
    if (pos && renderedNotModified(ctx, req, res, 'html', pos)) return;
    const r = await renderTicker(ctx, req);
    const base = `${ctx.config.publicUrl}/api/v1/tickers/${encodeURIComponent(r.ticker.id)}`;
    sendPage(
      res,
      () => `<!doctype html><html lang="${esc(r.ticker.locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(r.ticker.title)}</title>${r.ticker.description ? `<meta name="description" content="${esc(r.ticker.description)}">` : ''}
<link rel="canonical" href="${esc(r.cursor ? `${r.page}?cursor=${encodeURIComponent(r.cursor)}` : r.page)}">
<link rel="alternate" type="application/rss+xml" title="RSS" href="${esc(base)}/feed.rss">
<link rel="alternate" type="application/atom+xml" title="Atom" href="${esc(base)}/feed.atom">
<link rel="alternate" type="application/feed+json" title="JSON Feed" href="${esc(base)}/feed.json">
<link rel="alternate" type="application/json+oembed" href="${esc(`${ctx.config.publicUrl}/api/v1/oembed?url=${encodeURIComponent(r.page)}`)}" title="${esc(r.ticker.title)}">
<style>body{margin:1rem}${CSS}</style></head><body>${r.html}</body></html>`,
      undefined,
      embedSources(await mastodonHosts(ctx.db, r.ticker.id)),
    );
  };
}

const OembedQuery = z.object({
  url: z.string().min(1).max(2000),
  format: z.string().max(10).optional(),
  maxwidth: z.coerce.number().int().min(100).max(5000).optional(),
  maxheight: z.coerce.number().int().min(100).max(10000).optional(),
});

/**
 * `GET /oembed?url=`: a CMS that pastes a ticker's page (the server-rendered page or a widget
 * page) gets the iframe embed for it (oEmbed `rich`). Only this server's own pages are known.
 */
export function oembedRoute(ctx: Pick<AppContext, 'db' | 'config'>): RequestHandler {
  return async (req, res) => {
    const q = parseInput(OembedQuery, req.query, 'query');
    if (q.format && q.format !== 'json') {
      throw new AppError('not_implemented', 'only format=json is offered');
    }
    let asked: URL;
    try {
      asked = new URL(q.url);
    } catch {
      throw new AppError('validation_failed', 'url must be an absolute URL of a ticker page');
    }
    const own = new URL(ctx.config.publicUrl);
    const id =
      asked.origin === own.origin
        ? (/^\/api\/v1\/tickers\/([^/]+)\/html$/.exec(asked.pathname)?.[1] ?? (/^\/widgets\/(ticker|live)\.html$/.test(asked.pathname) ? asked.searchParams.get('ticker') : null))
        : null;
    // The path's id is still percent-encoded (URL keeps it so): a malformed escape names no ticker.
    const slug = id === null || id === undefined ? undefined : Slug.safeParse(safeDecode(id));
    const ticker = slug?.success ? await findTicker(ctx.db, slug.data) : undefined;
    if (!ticker) throw new AppError('not_found', 'no ticker page at that url');
    const width = Math.min(q.maxwidth ?? 700, 700);
    const height = Math.min(q.maxheight ?? 800, 800);
    const src = `${ctx.config.publicUrl}/widgets/ticker.html?ticker=${encodeURIComponent(ticker.id)}&lang=${ticker.locale}`;
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json({
      version: '1.0',
      type: 'rich',
      provider_name: 'liveticker',
      provider_url: ctx.config.publicUrl,
      title: ticker.title,
      width,
      height,
      html: `<iframe src="${esc(src)}" title="${esc(ticker.title)}" width="${width}" height="${height}" style="width:100%;max-width:${width}px;border:0" loading="lazy"></iframe>`,
    });
  };
}
