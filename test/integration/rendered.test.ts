import type { Entry } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';

/** The JSON-LD blocks of a page. */
const jsonLd = (html: string) => [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1]!) as Record<string, any>);
const entryIds = (html: string) => [...html.matchAll(/<article class="lt-entry[^"]*" id="entry-([^"]+)"/g)].map((m) => m[1]);

for (const dialect of DIALECTS) {
  describe(`the ticker rendered on the server, with LiveBlogPosting JSON-LD, and oEmbed (${dialect})`, () => {
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    const flow: Entry[] = [];
    let pinned: Entry;
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.url}/api/v1${path}`, { headers });

    beforeAll(async () => {
      t = await setup(dialect);
      api = opsApi(t.url);
      await api.createTicker({ id: 'ssr', title: 'Wahlabend </script><script>alert(1)</script>', description: 'Alle Ergebnisse', status: 'live', locale: 'de' });
      pinned = await api.post('ssr', { title: 'Willkommen', body: '<p>Wir berichten live.</p>', pinned: true });
      for (let i = 1; i <= 24; i++) flow.push(await api.post('ssr', { body: `<p>Update ${i}: es wird gezählt. Mehr später.</p>` }));
      flow.push(await api.post('ssr', { body: '<p>Stimmen werden gezählt.</p>', image: { url: 'https://img.example.org/z.jpg', caption: 'Auszählung', credit: 'Foto: dpa', creditUrl: 'https://dpa.example.org', width: 800, height: 450 } }));
    });
    afterAll(() => t.close());

    it('the fragment: the pinned entry first, then the first page newest first, an "older entries" link that works without JavaScript, and the revision it shows', async () => {
      const res = await get('/tickers/ssr/fragment');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      const newest = [...flow].reverse();
      expect(entryIds(html)).toEqual([pinned.id, ...newest.slice(0, 20).map((e) => e.id)]);
      expect(html).toMatch(/data-liveticker-ticker="ssr" data-liveticker-rev="\d+"/);
      // The revision it shows is the stream's head (other tests here move it: ask the stream).
      const rev = Number(/data-liveticker-rev="(\d+)"/.exec(html)![1]);
      const head = (await (await get('/tickers/ssr/changes')).json()) as { rev: number };
      expect(rev).toBe(head.rev);
      // The title is text everywhere: the JSON-LD, the widget's state and the SDK are the only scripts.
      expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="application/ld+json">', '<script type="application/json" data-liveticker-state>', `<script src="${t.url}/sdk/liveticker.js" async>`]);
      const state = JSON.parse(/<script type="application\/json" data-liveticker-state>([\s\S]*?)<\/script>/.exec(html)![1]!) as Record<string, any>;
      expect(state).toMatchObject({ v: 1, rev, order: 'newest', nextCursor: expect.any(String) });
      expect(state.ticker.title).toBe('Wahlabend </script><script>alert(1)</script>');
      expect([...state.pinned, ...state.items].map((e: Entry) => e.id)).toEqual(entryIds(html));
      expect(html).toMatch(/^<style>[^<]*<\/style>\n<liveticker-ticker ticker="ssr" order="newest" lang="de">/);
      expect(html).toContain('Wahlabend &#60;/script&#62;');
      expect(html).toContain('<a href="https://dpa.example.org">Foto: dpa</a>');

      const older = /<a rel="next" href="([^"]+)">Ältere Einträge<\/a>/.exec(html)![1]!.replace(/&#38;/g, '&');
      const next = await (await fetch(older.replace('/html', '/fragment'))).text();
      expect(entryIds(next)).toEqual(newest.slice(20).map((e) => e.id));
      expect(next).not.toContain('rel="next"');
      expect(next).toContain('Neuere Einträge');
    });

    it('LiveBlogPosting JSON-LD: headline, coverage, and every shown update as a BlogPosting with its permalink', async () => {
      const html = await (await get('/tickers/ssr/html')).text();
      const [ld] = jsonLd(html);
      const page = `${t.url}/api/v1/tickers/ssr/html`;
      expect(ld).toMatchObject({ '@context': 'https://schema.org', '@type': 'LiveBlogPosting', url: page, headline: 'Wahlabend </script><script>alert(1)</script>', description: 'Alle Ergebnisse', inLanguage: 'de' });
      expect(Date.parse(ld.coverageStartTime)).not.toBeNaN();
      expect(ld.coverageEndTime).toBeUndefined();
      const shown = entryIds(html);
      expect(ld.liveBlogUpdate.map((u: { url: string }) => u.url)).toEqual(shown.map((id) => `${page}#entry-${id}`));
      const withImage = ld.liveBlogUpdate.find((u: { image?: unknown }) => u.image);
      expect(withImage).toMatchObject({ '@type': 'BlogPosting', headline: 'Stimmen werden gezählt.', articleBody: 'Stimmen werden gezählt.', image: { '@type': 'ImageObject', url: 'https://img.example.org/z.jpg', creditText: 'Foto: dpa', caption: 'Auszählung' } });
      for (const u of ld.liveBlogUpdate) {
        expect(Date.parse(u.datePublished)).not.toBeNaN();
        expect(Date.parse(u.dateModified)).not.toBeNaN();
      }
      // The page: feeds and oEmbed to discover, and a policy that runs no script of anyone's.
      expect(html).toContain(`<link rel="alternate" type="application/rss+xml" title="RSS" href="${t.url}/api/v1/tickers/ssr/feed.rss">`);
      expect(html).toContain('type="application/json+oembed"');

      await api.rest.patch('/tickers/ssr', { status: 'ended' });
      const [ended] = jsonLd(await (await get('/tickers/ssr/html')).text());
      expect(Date.parse(ended!.coverageEndTime)).not.toBeNaN();
      await api.rest.patch('/tickers/ssr', { status: 'live' });
    });

    it('an edit and a delete show at once: the ETag follows the stream head, 304 until then', async () => {
      // A ticker of its own: the other tests here count entries.
      await api.createTicker({ id: 'ssr-edit', title: 'Edits', status: 'live', locale: 'de' });
      const mine: Entry[] = [];
      for (let i = 1; i <= 3; i++) mine.push(await api.post('ssr-edit', { body: `<p>Eintrag ${i}.</p>` }));
      const first = await get('/tickers/ssr-edit/fragment');
      const etag = first.headers.get('etag')!;
      expect(first.headers.get('cache-control')).toMatch(/public, max-age=\d+, stale-while-revalidate=\d+/);
      expect((await get('/tickers/ssr-edit/fragment', { 'if-none-match': etag })).status).toBe(304);
      // A cache that holds several versions asks with all of them, or with `*`.
      expect((await get('/tickers/ssr-edit/fragment', { 'if-none-match': `W/"older", ${etag}` })).status).toBe(304);
      expect((await get('/tickers/ssr-edit/fragment', { 'if-none-match': '*' })).status).toBe(304);
      expect((await get('/tickers/ssr-edit/fragment', { 'if-none-match': 'W/"older"' })).status).toBe(200);
      const target = mine[1]!;
      await api.edit('ssr-edit', target.id, { version: target.version, body: '<p>Korrigiert: neu gezählt.</p>' });
      await api.remove('ssr-edit', mine[0]!.id);
      const after = await get('/tickers/ssr-edit/fragment', { 'if-none-match': etag });
      expect(after.status).toBe(200);
      const html = await after.text();
      expect(html).toContain('Korrigiert: neu gezählt.');
      expect(html).toContain('aktualisiert');
      expect(entryIds(html)).toEqual([mine[2]!.id, mine[1]!.id]);
    });

    it('bad questions get a 4xx: an unknown ticker, a broken cursor, an unknown parameter', async () => {
      expect((await get('/tickers/nope/html')).status).toBe(404);
      expect((await get('/tickers/nope/fragment')).status).toBe(404);
      expect((await get('/tickers/ssr/fragment?cursor=%%%')).status).toBe(400);
      expect((await get('/tickers/ssr/fragment?evil=1')).status).toBe(400);
      // Line breaks in a cursor go into no header (the ETag names the page asked for).
      expect((await get('/tickers/ssr/html?cursor=%0D%0ASet-Cookie:%20x=1')).status).toBe(400);
    });

    it('oEmbed: a pasted ticker page becomes an iframe embed; other URLs are not ours', async () => {
      const page = `${t.url}/api/v1/tickers/ssr/html`;
      for (const url of [page, `${t.url}/widgets/ticker.html?ticker=ssr&lang=de`]) {
        const res = await get(`/oembed?url=${encodeURIComponent(url)}&maxwidth=600`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as Record<string, any>;
        expect(body).toMatchObject({ version: '1.0', type: 'rich', provider_name: 'liveticker', width: 600 });
        expect(body.html).toMatch(/^<iframe src="[^"]+\/widgets\/ticker\.html\?ticker=ssr&#38;lang=de"/);
        expect(body.html).not.toContain('<script');
      }
      expect((await get(`/oembed?url=${encodeURIComponent('https://evil.example.org/api/v1/tickers/ssr/html')}`)).status).toBe(404);
      expect((await get(`/oembed?url=${encodeURIComponent(`${t.url}/api/v1/tickers/nope/html`)}`)).status).toBe(404);
      expect((await get(`/oembed?url=${encodeURIComponent(page)}&format=xml`)).status).toBe(501);
      expect((await get('/oembed?url=not%20a%20url')).status).toBe(400);
      expect((await get('/oembed')).status).toBe(400);
    });
  });
}

describe('how long a CDN may keep the rendered ticker and the feeds (PUBLIC_CACHE_MAX_AGE, PUBLIC_CACHE_STALE)', () => {
  it('follows the configuration; 0 means revalidate every time', async () => {
    for (const [publicCache, want] of [
      [{ maxAge: 30, stale: 0 }, 'public, max-age=30'],
      [{ maxAge: 5, stale: 120 }, 'public, max-age=5, stale-while-revalidate=120'],
      [{ maxAge: 0, stale: 60 }, 'no-cache'],
    ] as const) {
      const t = await setup('sqlite', 'memory', { publicCache });
      try {
        await opsApi(t.url).createTicker({ id: 'cached', title: 'Cached', status: 'live' });
        for (const path of ['/tickers/cached/html', '/tickers/cached/fragment', '/tickers/cached/feed.rss', '/tickers/cached/feed.json']) {
          const res = await fetch(`${t.url}/api/v1${path}`);
          expect({ path, cache: res.headers.get('cache-control') }).toEqual({ path, cache: want });
        }
      } finally {
        await t.close();
      }
    }
  });
});
