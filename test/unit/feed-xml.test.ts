import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import type { Entry, Ticker } from '@liveticker/schemas';
import { renderFeed } from '../../server/src/tickers/feeds';
import { sanitizeEntryHtml } from '../../server/src/tickers/sanitize';
import { headline, textOf } from '../../server/src/tickers/entry-text';

/**
 * Whatever an editor types into a title, a body, a caption, a credit or a ticker's title, the RSS
 * and Atom feeds stay well-formed XML (a strict XML 1.0 parser reads them), hold only the elements
 * the feed writes, and carry the text as it was typed (less the characters XML cannot hold).
 */

/** Pieces an attacker would put together, between arbitrary strings of any code points. */
const HOSTILE = [
  ']]>',
  ']]>]]>',
  '<![CDATA[',
  '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
  '</title></item><item><title>',
  '<',
  '>',
  '&',
  '&amp;',
  '&lt;',
  '&#0;',
  '"',
  "'",
  '\u0000',
  '\u0001',
  '\u000b',
  '\u001f',
  '\u007f',
  '\ud800',
  '\udfff',
  '\ufffe',
  '\uffff',
  '😀',
  '\r\n',
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 8 })), { minLength: 1, maxLength: 12 })
  .map((parts) => parts.join(''));

/** What XML 1.0 can carry of a string (the feed drops the rest). */
const xmlable = (s: string) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
/** XML normalizes every line break to \n. */
const asParsed = (s: string) => xmlable(s).replace(/\r\n?/g, '\n');
const decodeHtml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

interface Parsed {
  /** Every element's qualified name, in document order. */
  names: string[];
  /** The text of each element, by its path (`rss/channel/item/title`), in document order. */
  texts: Map<string, string[]>;
}

/** Parses strictly (well-formedness and namespaces): any error fails the test with its message. */
function parse(xml: string): Parsed {
  const parser = new SaxesParser({ xmlns: true });
  const names: string[] = [];
  const texts = new Map<string, string[]>();
  const stack: Array<{ name: string; text: string }> = [];
  parser.on('error', (err) => {
    throw err;
  });
  parser.on('opentag', (tag) => {
    names.push(tag.name);
    stack.push({ name: tag.name, text: '' });
  });
  parser.on('text', (t) => {
    if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('cdata', (t) => {
    if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('closetag', () => {
    const path = stack.map((s) => s.name).join('/');
    const top = stack.pop()!;
    texts.set(path, [...(texts.get(path) ?? []), top.text]);
  });
  parser.write(xml).close();
  return { names, texts };
}

const RSS_ELEMENTS = new Set(['rss', 'channel', 'title', 'link', 'description', 'language', 'lastBuildDate', 'generator', 'atom:link', 'item', 'guid', 'pubDate', 'content:encoded', 'dc:creator', 'enclosure']);
const ATOM_ELEMENTS = new Set(['feed', 'id', 'title', 'subtitle', 'updated', 'generator', 'link', 'entry', 'published', 'summary', 'content', 'author', 'name']);

const at = '2026-11-03T18:00:00.000Z';
function ticker(title: string, description: string): Ticker {
  return {
    id: 'night',
    title,
    description,
    status: 'live',
    locale: 'de',
    coverageStart: null,
    coverageEnd: null,
    chat: { mode: 'open', slowModeSeconds: 0 },
    maxPinned: 3,
    requireImageCredit: false,
    questions: { public: false },
    rev: 9,
    createdAt: at,
    updatedAt: at,
  };
}
function entry(i: number, f: { title: string; body: string; caption: string; credit: string; author: string; teaser: string }): Entry {
  return {
    id: `e${i}`,
    tickerId: 'night',
    seq: i,
    rev: i,
    kind: 'text',
    title: f.title,
    // As the server keeps it: through the allowlist on write.
    body: sanitizeEntryHtml(f.body),
    image: { url: 'https://img.example.org/a.jpg?x=1&y=2', caption: f.caption, credit: f.credit, width: 800, height: 450 },
    teaser: { url: 'https://news.example.org/a?b=1&c=2', title: f.teaser },
    pinned: false,
    author: { id: 'u1', displayName: f.author },
    publishedAt: at,
    updatedAt: at,
    version: 1,
    deletedAt: null,
    status: 'published',
    publishAt: null,
  };
}

const fields = fc.record({ title: hostile, body: hostile, caption: hostile, credit: hostile, author: hostile, teaser: hostile });

describe('feeds under hostile text (property)', () => {
  /** Where each format keeps what the property compares (element paths of the parsed document). */
  const FORMATS = [
    {
      format: 'rss' as const,
      elements: RSS_ELEMENTS,
      item: 'item',
      paths: { title: 'rss/channel/title', itemTitle: 'rss/channel/item/title', author: 'rss/channel/item/dc:creator', summary: 'rss/channel/item/description', content: 'rss/channel/item/content:encoded' },
      // RSS readers render the summary as HTML: it is escaped text that decodes to the entry's text.
      summary: decodeHtml,
    },
    {
      format: 'atom' as const,
      elements: ATOM_ELEMENTS,
      item: 'entry',
      paths: { title: 'feed/title', itemTitle: 'feed/entry/title', author: 'feed/entry/author/name', summary: 'feed/entry/summary', content: 'feed/entry/content' },
      summary: (s: string) => s,
    },
  ];

  it.each(FORMATS)('$format: well-formed, only its own elements, every text as typed', ({ format, elements, item, paths, summary }) => {
    fc.assert(
      fc.property(hostile, hostile, fc.array(fields, { minLength: 1, maxLength: 3 }), (title, description, fs) => {
        const entries = fs.map((f, i) => entry(i + 1, f));
        const { names, texts } = parse(renderFeed(format, ticker(title, description), entries, 'https://ticker.example'));
        expect(names.filter((n) => !elements.has(n))).toEqual([]);
        expect(names.filter((n) => n === item)).toHaveLength(entries.length);
        expect(texts.get(paths.title)).toEqual([asParsed(title)]);
        expect(texts.get(paths.itemTitle)).toEqual(entries.map((e) => asParsed(headline(e))));
        expect(texts.get(paths.author)).toEqual(entries.map((e) => asParsed(e.author.displayName)));
        expect(texts.get(paths.summary)!.map(summary)).toEqual(entries.map((e) => asParsed(textOf(e.body).slice(0, 300))));
        // The content is the entry's HTML, whole: the caption and the credit are in it, escaped once.
        const content = texts.get(paths.content)!;
        entries.forEach((e, i) => expect(content[i]!.startsWith(asParsed(e.body))).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('RSS: the channel description is the ticker\'s (its title when it has none)', () => {
    fc.assert(
      fc.property(hostile, fc.oneof(hostile, fc.constant('')), (title, description) => {
        const { texts } = parse(renderFeed('rss', ticker(title, description), [], 'https://ticker.example'));
        expect(texts.get('rss/channel/description')).toEqual([asParsed(description || title)]);
      }),
    );
  });

  it('the reported attack: a title and a body that close a CDATA section twice stay text', () => {
    const attack = 'x]]>]]><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(document.cookie)</x:script><![CDATA[';
    const e = entry(1, { title: attack, body: `<p>${attack.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`, caption: attack, credit: attack, author: attack, teaser: attack });
    for (const format of ['rss', 'atom'] as const) {
      const { names, texts } = parse(renderFeed(format, ticker(attack, attack), [e], 'https://ticker.example'));
      expect(names).not.toContain('x:script');
      const title = format === 'rss' ? texts.get('rss/channel/item/title') : texts.get('feed/entry/title');
      expect(title).toEqual([attack]);
    }
  });

  it('JSON Feed: any text survives JSON as it was typed', () => {
    fc.assert(
      fc.property(hostile, fields, (title, f) => {
        const e = entry(1, f);
        const feed = JSON.parse(renderFeed('json', ticker(title, ''), [e], 'https://ticker.example'));
        expect(feed.title).toBe(title);
        expect(feed.items[0].title).toBe(headline(e));
        expect(feed.items[0].authors).toEqual([{ name: f.author }]);
      }),
      { numRuns: 200 },
    );
  });
});
