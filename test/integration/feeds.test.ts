import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import type { Entry } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
/** One element or several, as an array. */
const all = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

for (const dialect of DIALECTS) {
  describe(`feeds: RSS 2.0, Atom, JSON Feed 1.1 (${dialect})`, () => {
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    // Each test has a ticker of its own (they run in any order).
    const get = (id: string, path: string, headers: Record<string, string> = {}) => fetch(`${t.url}/api/v1/tickers/${id}/${path}`, { headers });
    const makeTicker = async (id: string) => {
      await api.createTicker({ id, title: 'Election night & more', description: 'Live from the count', status: 'live', locale: 'en' });
      const posted: Entry[] = [];
      posted.push(await api.post(id, { kind: 'text', title: 'Welcome', body: '<p>We report live.</p>', pinned: true }));
      for (let i = 1; i <= 3; i++) posted.push(await api.post(id, { body: `<p>Update ${i}: the count goes on. More later.</p>` }));
      posted.push(
        await api.post(id, {
          title: 'Ends ]]> here & <b>not bold</b>',
          body: '<p>Counting votes</p>',
          image: { url: 'https://img.example.org/count.jpg', caption: 'The count', credit: 'Photo: Agency', width: 800, height: 450 },
          teaser: { url: 'https://news.example.org/analysis', title: 'Analysis: what the numbers mean' },
        }),
      );
      return posted;
    };

    beforeAll(async () => {
      t = await setup(dialect);
      api = opsApi(t.url);
    });
    afterAll(() => t.close());

    const page = (id: string) => `${t.url}/api/v1/tickers/${id}/html`;

    it('RSS 2.0: the channel and the entries newest first (the pinned one by its time), each with its permalink, text and picture', async () => {
      const posted = await makeTicker('rss');
      const res = await get('rss', 'feed.rss');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/rss\+xml/);
      const channel = xml.parse(await res.text()).rss.channel;
      expect(channel.title).toBe('Election night & more');
      expect(channel.description).toBe('Live from the count');
      expect(channel.link).toBe(page('rss'));
      const items = all(channel.item);
      expect(items.map((i: { guid: { '#text': string } }) => i.guid['#text'])).toEqual([...posted].reverse().map((e) => `${page('rss')}#entry-${e.id}`));
      // The title came through the XML intact: no markup, no broken CDATA.
      expect(items[0].title).toBe('Ends ]]> here & <b>not bold</b>');
      expect(items[1].title).toBe('Update 3: the count goes on.');
      expect(items[0]['content:encoded']).toContain('<figcaption>The count · Photo: Agency</figcaption>');
      expect(items[0]['content:encoded']).toContain('href="https://news.example.org/analysis"');
      expect(new Date(items[4].pubDate).toISOString()).toBe(new Date(posted[0].publishedAt).toISOString().replace(/\.\d{3}Z$/, '.000Z'));
    });

    it('Atom: an edit shows as the entry\'s new content and `updated`; a deleted entry is gone from every format', async () => {
      const posted = await makeTicker('atom');
      const target = posted[2]!;
      const edited = await api.edit('atom', target.id, { version: target.version, body: '<p>Update 2, corrected: a recount.</p>' });
      const removed = posted[1]!;
      await api.remove('atom', removed.id);

      const atom = xml.parse(await (await get('atom', 'feed.atom')).text()).feed;
      expect(atom.title).toBe('Election night & more');
      const entries = all(atom.entry) as Array<{ id: string; updated: string; content: { '#text': string } | string }>;
      const mine = entries.find((e) => e.id === `${page('atom')}#entry-${target.id}`)!;
      expect(new Date(mine.updated).toISOString()).toBe(new Date(edited.updatedAt).toISOString());
      expect(edited.updatedAt > target.updatedAt).toBe(true);
      expect(typeof mine.content === 'string' ? mine.content : mine.content['#text']).toContain('a recount');
      expect(new Date(atom.updated).getTime()).toBeGreaterThanOrEqual(new Date(mine.updated).getTime());

      const gone = `#entry-${removed.id}`;
      expect(entries.some((e) => e.id.endsWith(gone))).toBe(false);
      expect(await (await get('atom', 'feed.rss')).text()).not.toContain(gone);
      expect(await (await get('atom', 'feed.json')).text()).not.toContain(gone);
    });

    it('JSON Feed 1.1: the fields readers need, ids and urls that are the permalinks', async () => {
      await makeTicker('json');
      const res = await get('json', 'feed.json');
      expect(res.headers.get('content-type')).toMatch(/^application\/feed\+json/);
      const feed = (await res.json()) as Record<string, unknown> & { items: Array<Record<string, unknown>> };
      expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
      expect(feed).toMatchObject({ title: 'Election night & more', home_page_url: page('json'), feed_url: `${t.url}/api/v1/tickers/json/feed.json`, language: 'en' });
      expect(feed.items.length).toBeGreaterThan(0);
      for (const item of feed.items) {
        expect(item.id).toBe(item.url);
        expect(String(item.url)).toMatch(/#entry-/);
        expect(typeof item.content_html).toBe('string');
        expect(Number.isNaN(Date.parse(String(item.date_published)))).toBe(false);
        expect(Number.isNaN(Date.parse(String(item.date_modified)))).toBe(false);
        expect(item.authors).toEqual([{ name: expect.any(String) }]);
      }
      expect(feed.items[0]).toMatchObject({ title: 'Ends ]]> here & <b>not bold</b>', image: 'https://img.example.org/count.jpg' });
    });

    it('answers If-None-Match with 304 until the ticker moves, and may be cached briefly by a CDN', async () => {
      await makeTicker('etag');
      for (const format of ['rss', 'atom', 'json']) {
        const first = await get('etag', `feed.${format}`);
        const etag = first.headers.get('etag')!;
        expect(etag).toMatch(/^W\/"feed\./);
        expect(first.headers.get('cache-control')).toMatch(/public, max-age=\d+, stale-while-revalidate=\d+/);
        expect((await get('etag', `feed.${format}`, { 'if-none-match': etag })).status).toBe(304);
      }
      const before = (await get('etag', 'feed.rss')).headers.get('etag')!;
      await api.post('etag', { body: '<p>One more.</p>' });
      const after = await get('etag', 'feed.rss', { 'if-none-match': before });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(before);
      expect(await after.text()).toContain('One more.');
    });

    it('an editor\'s title, text, caption and credit that close CDATA sections stay text in RSS and Atom, served as data that can run nothing', async () => {
      const attack = 'x]]>]]><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(document.cookie)</x:script><![CDATA[';
      await api.createTicker({ id: 'cdata', title: attack, description: attack, status: 'live', locale: 'en' });
      await api.post('cdata', {
        title: attack,
        body: `<p>${attack.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`,
        image: { url: 'https://img.example.org/a.jpg', caption: attack, credit: attack },
        teaser: { url: 'https://news.example.org/a', title: attack },
      });
      for (const format of ['rss', 'atom'] as const) {
        const res = await get('cdata', `feed.${format}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none';.*;\s*sandbox$/);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        const names: string[] = [];
        const titles: string[] = [];
        const parser = new SaxesParser({ xmlns: true });
        let inTitle = false;
        parser.on('error', (err) => {
          throw err;
        });
        parser.on('opentag', (tag) => {
          names.push(tag.name);
          inTitle = tag.name === 'title';
          if (inTitle) titles.push('');
        });
        parser.on('text', (text) => {
          if (inTitle) titles[titles.length - 1] += text;
        });
        parser.on('closetag', () => {
          inTitle = false;
        });
        parser.write(await res.text()).close();
        expect(names).not.toContain('x:script');
        // The ticker's title and the entry's title, each as typed.
        expect(titles).toEqual([attack, attack]);
      }
    });

    it('an unknown ticker is a 404 in every format', async () => {
      for (const format of ['rss', 'atom', 'json']) expect((await fetch(`${t.url}/api/v1/tickers/nope/feed.${format}`)).status).toBe(404);
    });
  });
}
