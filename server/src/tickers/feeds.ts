import type { RequestHandler } from 'express';
import { tickerStream } from '@liveticker/schemas';
import { cardText } from '@liveticker/schemas';
import type { Card, CardLang, Entry, Ticker } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { tickerIdParam } from '../http/params';
import { notModified, publicCache } from '../http/conditional';
import { listEntries, listPinned } from './entries.repo';
import { findTicker } from './tickers.repo';
import { headline, textOf, tickerPageUrl } from './entry-text';
import { atom1, jsonFeed, rss2 } from './feed-formats';
import { pollHtml } from '../polls/poll-html';
import { questionHtml } from '../questions/question-html';
import { embedFeedHtml } from './embed-html';
import type { FeedChannel, FeedFormat, FeedItem } from './feed-formats';
import { cardsOf } from '../cards/cards.service';

/** How many of the newest entries a feed carries. */
const FEED_ENTRIES = 50;

const CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/** The entry as a feed reader shows it: its body, its picture with caption and credit, its embed as a link, its teaser. */
function contentOf(e: Entry, lang: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  // An answer: the reader's question quoted above it.
  let html = (e.question ? questionHtml(e.question, lang) : '') + e.body;
  // A poll: its question and options; its counts once it closed (a feed reader keeps what it got).
  if (e.poll) html += pollHtml(e.poll, lang, { closedOnly: true });
  if (e.image) {
    const caption = [e.image.caption, e.image.credit].filter(Boolean).map((s) => esc(s!)).join(' · ');
    html += `<figure><img src="${esc(e.image.url)}" alt="${esc(e.image.caption ?? '')}"${e.image.width ? ` width="${e.image.width}"` : ''}${e.image.height ? ` height="${e.image.height}"` : ''}>${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;
  }
  if (e.embed) html += embedFeedHtml(e.embed);
  if (e.teaser) html += `<p><a href="${esc(e.teaser.url)}">${esc(e.teaser.title)}</a></p>`;
  return html;
}

/**
 * The ticker as a feed: its cards first (each one item, its current state as text, `updated` at
 * its last change), then its newest entries (pinned ones among them by time), edits as `updated`.
 */
export function renderFeed(format: FeedFormat, ticker: Ticker, entries: Entry[], publicUrl: string, cards: Card[] = []): string {
  const page = tickerPageUrl(publicUrl, ticker.id);
  const self = (f: FeedFormat) => `${publicUrl}/api/v1/tickers/${encodeURIComponent(ticker.id)}/feed.${f}`;
  const newest = [...entries, ...cards].reduce((at, e) => (e.updatedAt > at ? e.updatedAt : at), ticker.updatedAt);
  const channel: FeedChannel = {
    title: ticker.title,
    description: ticker.description || ticker.title,
    page,
    language: ticker.locale,
    updated: new Date(newest),
    self: { rss: self('rss'), atom: self('atom'), json: self('json') },
  };
  const lang: CardLang = ticker.locale === 'de' || ticker.locale === 'ru' ? ticker.locale : 'en';
  const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const cardItems: FeedItem[] = cards.map((c) => {
    const text = cardText(c, lang);
    return {
      url: `${page}#card-${encodeURIComponent(c.id)}`,
      title: text.slice(0, 200),
      summary: text.slice(0, 300),
      contentHtml: `<p>${esc(text)}</p>`,
      published: new Date(c.createdAt),
      updated: new Date(c.updatedAt),
      author: ticker.title,
    };
  });
  const items: FeedItem[] = cardItems.concat(entries.map((e) => ({
    url: `${page}#entry-${encodeURIComponent(e.id)}`,
    title: headline(e),
    summary: textOf(e.body).slice(0, 300),
    contentHtml: contentOf(e, ticker.locale),
    published: new Date(e.publishedAt),
    updated: new Date(e.updatedAt),
    author: e.author.displayName,
    ...(e.image ? { image: e.image.url } : {}),
  })));
  if (format === 'rss') return rss2(channel, items);
  if (format === 'atom') return atom1(channel, items);
  return jsonFeed(channel, items);
}

/**
 * `GET /tickers/:id/feed.(rss|atom|json)`: the ticker's newest entries for feed readers and other
 * systems. The ETag is the stream's head (every entry and ticker change moves it), so a reader
 * polling a ticker that did not move gets a 304 without a single entry read.
 */
export function feedRoute(ctx: Pick<AppContext, 'db' | 'config' | 'changeLog'>, format: FeedFormat): RequestHandler {
  return async (req, res) => {
    const id = tickerIdParam(req.params.id);
    const pos = await ctx.changeLog.position(tickerStream(id));
    if (!pos) throw new AppError('not_found', `no ticker ${id}`);
    if (notModified(req, res, `W/"feed.${format}.${pos.epoch}.${pos.rev}"`, publicCache(ctx.config))) return;
    const ticker = await findTicker(ctx.db, id);
    if (!ticker) throw new AppError('not_found', `no ticker ${id}`);
    const [flow, pinned] = await Promise.all([listEntries(ctx.db, { tickerId: id, order: 'newest', limit: FEED_ENTRIES }), listPinned(ctx.db, id)]);
    // Pinned entries take their place by time here; deleted ones are gone.
    const entries = [...new Map([...flow, ...pinned].filter((e) => !e.deletedAt).map((e) => [e.id, e])).values()]
      .sort((a, b) => b.seq - a.seq)
      .slice(0, FEED_ENTRIES);
    // Chromium shows `+xml` as a document: the app's default CSP (nothing runs, sandboxed) and
    // nosniff (helmet) come with it.
    res.type(CONTENT_TYPES[format]).send(renderFeed(format, ticker, entries, ctx.config.publicUrl, await cardsOf(ctx, id)));
  };
}
