/**
 * RSS 2.0, Atom 1.0 and JSON Feed 1.1 written out from a plain model.
 *
 * Written here rather than through the `feed` library: its XML writer (xml-js) puts titles and
 * bodies in CDATA sections and splits only the *first* `]]>` of a string, so a second one closed
 * the section and the rest of an editor's title became live markup; it also turns `&amp;` in text
 * back into `&` before escaping. Here no CDATA is ever written: every string is escaped as XML
 * text, and characters XML 1.0 cannot carry (C0 controls, lone surrogates, U+FFFE/FFFF) are
 * dropped, so whatever an editor types, the document stays well-formed and holds only the
 * elements written below.
 */

/** What a feed says about its ticker. */
export interface FeedChannel {
  title: string;
  description: string;
  /** The ticker's page (also the feed's id). */
  page: string;
  language: string;
  updated: Date;
  /** The feed's own URL in each format (self links). */
  self: Record<FeedFormat, string>;
}

/** One entry as a feed carries it. */
export interface FeedItem {
  /** The entry's permalink (also its id). */
  url: string;
  title: string;
  /** Plain text: a short summary. */
  summary: string;
  /** HTML: the body with its picture and related article. */
  contentHtml: string;
  published: Date;
  updated: Date;
  author: string;
  image?: string;
}

export type FeedFormat = 'rss' | 'atom' | 'json';

/** Characters an XML 1.0 document may contain; everything else is dropped from text. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** A string as XML character data (and attribute value): escaped, never able to end anything. */
export function xmlText(s: string): string {
  return s
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Plain text as HTML (RSS readers treat `description` as HTML). */
export function htmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const el = (name: string, text: string, attrs = '') => `<${name}${attrs}>${xmlText(text)}</${name}>`;
const attr = (name: string, value: string) => ` ${name}="${xmlText(value)}"`;

/** The image's type from its file name, as an RSS enclosure wants it (`image/jpeg` …). */
function imageType(url: string): string {
  let ext = '';
  try {
    ext = new URL(url).pathname.split('.').pop()?.toLowerCase() ?? '';
  } catch {
    // Not a URL: no type to say.
  }
  const known: Record<string, string> = { jpg: 'jpeg', jpeg: 'jpeg', png: 'png', gif: 'gif', webp: 'webp', avif: 'avif', svg: 'svg+xml' };
  return `image/${known[ext] ?? 'jpeg'}`;
}

export function rss2(c: FeedChannel, items: FeedItem[]): string {
  const out = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<channel>',
    el('title', c.title),
    el('link', c.page),
    el('description', c.description),
    el('language', c.language),
    el('lastBuildDate', c.updated.toUTCString()),
    el('generator', 'liveticker'),
    `<atom:link${attr('href', c.self.rss)} rel="self" type="application/rss+xml"/>`,
  ];
  for (const i of items) {
    out.push(
      '<item>',
      el('title', i.title),
      el('link', i.url),
      el('guid', i.url, ' isPermaLink="false"'),
      el('pubDate', i.published.toUTCString()),
      el('description', htmlText(i.summary)),
      el('content:encoded', i.contentHtml),
      el('dc:creator', i.author),
      ...(i.image ? [`<enclosure${attr('url', i.image)} length="0"${attr('type', imageType(i.image))}/>`] : []),
      '</item>',
    );
  }
  out.push('</channel>', '</rss>');
  return out.join('\n');
}

export function atom1(c: FeedChannel, items: FeedItem[]): string {
  const out = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom"${attr('xml:lang', c.language)}>`,
    el('id', c.page),
    el('title', c.title),
    el('subtitle', c.description),
    el('updated', c.updated.toISOString()),
    el('generator', 'liveticker'),
    `<link rel="alternate"${attr('href', c.page)}/>`,
    `<link rel="self"${attr('href', c.self.atom)}/>`,
  ];
  for (const i of items) {
    out.push(
      '<entry>',
      el('title', i.title, ' type="text"'),
      el('id', i.url),
      `<link${attr('href', i.url)}/>`,
      el('updated', i.updated.toISOString()),
      el('published', i.published.toISOString()),
      el('summary', i.summary, ' type="text"'),
      el('content', i.contentHtml, ' type="html"'),
      `<author>${el('name', i.author)}</author>`,
      ...(i.image ? [`<link rel="enclosure"${attr('href', i.image)}${attr('type', imageType(i.image))}/>`] : []),
      '</entry>',
    );
  }
  out.push('</feed>');
  return out.join('\n');
}

/** JSON Feed 1.1 (`author` beside `authors` for 1.0 readers, as the spec suggests). */
export function jsonFeed(c: FeedChannel, items: FeedItem[]): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: c.title,
    home_page_url: c.page,
    feed_url: c.self.json,
    description: c.description,
    language: c.language,
    items: items.map((i) => ({
      id: i.url,
      url: i.url,
      title: i.title,
      summary: i.summary,
      content_html: i.contentHtml,
      ...(i.image ? { image: i.image } : {}),
      date_published: i.published.toISOString(),
      date_modified: i.updated.toISOString(),
      author: { name: i.author },
      authors: [{ name: i.author }],
    })),
  });
}
