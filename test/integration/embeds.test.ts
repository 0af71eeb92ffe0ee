import type { Entry } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';

const auth = { authorization: `Bearer ${OPS_KEY}` };

for (const dialect of DIALECTS) {
  describe(`entries with embeds (${dialect})`, () => {
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    let video: Entry;
    let toot: Entry;

    beforeAll(async () => {
      t = await setup(dialect);
      api = opsApi(t.url);
      await api.createTicker({ id: 'emb', title: 'Wahlabend', status: 'live', locale: 'de' });
      video = await api.post('emb', { body: '<p>Die Rede der Kandidatin.</p>', embed: { url: 'https://youtu.be/dQw4w9WgXcQ?si=share', caption: 'Die Rede im Wortlaut', credit: 'Video: Phoenix' } });
      // Instead of a body: the post alone.
      toot = await api.post('emb', { embed: { url: 'https://chaos.social/@ccc/113512345678901234' } });
    });
    afterAll(() => t.close());

    it('an editor posts an entry with a video: the server recognised YouTube and stores provider, id and the canonical URL', async () => {
      expect(video.embed).toEqual({
        provider: 'youtube',
        url: 'https://youtu.be/dQw4w9WgXcQ?si=share',
        id: 'dQw4w9WgXcQ',
        canonical: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
        caption: 'Die Rede im Wortlaut',
        credit: 'Video: Phoenix',
      });
      expect(toot.embed).toMatchObject({ provider: 'mastodon', id: '113512345678901234', canonical: 'https://chaos.social/@ccc/113512345678901234' });
      // Read back as stored.
      const read = await raw(t.url, 'GET', `/tickers/emb/entries/${video.id}`);
      expect(read.body.embed).toEqual(video.embed);
    });

    it.each([
      ['javascript:alert(1)'],
      ['ftp://files.example.org/x'],
      ['https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ'],
    ])('%s is refused with a 400 naming embed.url', async (url) => {
      const res = await raw(t.url, 'POST', '/tickers/emb/entries', { embed: { url } }, auth);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'embed.url' })]));
    });

    it('a look-alike host is kept as a plain link, never as the provider', async () => {
      const e = await api.post('emb', { body: '<p>Vorsicht.</p>', embed: { url: 'https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ' } });
      expect(e.embed).toMatchObject({ provider: 'link', id: 'youtube.com.evil.example' });
      await api.remove('emb', e.id);
    });

    it('an edit changes and removes the embed; an entry with nothing else left is refused', async () => {
      const e = await api.post('emb', { title: 'Zum Nachhören', embed: { url: 'https://open.spotify.com/episode/0Q86acNRm6V9GYx55SXKwf' } });
      expect(e.embed).toMatchObject({ provider: 'spotify', id: 'episode/0Q86acNRm6V9GYx55SXKwf' });
      const edited = await api.edit('emb', e.id, { version: e.version, embed: { url: 'https://soundcloud.com/forss/flickermood' } });
      expect(edited.embed).toMatchObject({ provider: 'soundcloud', id: 'forss/flickermood' });
      const bad = await raw(t.url, 'PATCH', `/tickers/emb/entries/${e.id}`, { version: edited.version, embed: { url: 'javascript:x' } }, auth);
      expect(bad.status).toBe(400);
      expect(bad.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'embed.url' })]));
      const gone = await api.edit('emb', e.id, { version: edited.version, embed: null });
      expect(gone.embed).toBeNull();
      const alone = await api.post('emb', { embed: { url: 'https://x.com/jack/status/20' } });
      const empty = await raw(t.url, 'PATCH', `/tickers/emb/entries/${alone.id}`, { version: alone.version, embed: null }, auth);
      expect(empty.status).toBe(400);
      // A deleted entry keeps no embed.
      expect((await api.remove('emb', alone.id)).embed).toBeNull();
      await api.remove('emb', e.id);
    });

    it('the stream carries the embed to readers', async () => {
      const changes = await raw(t.url, 'GET', '/tickers/emb/changes?since=0');
      const created = (changes.body.changes as Array<{ type: string; data: Entry }>).filter((c) => c.type === 'entry.created' && c.data.id === video.id);
      expect(created[0]?.data.embed).toEqual(video.embed);
    });

    it('the rendered page shows a placeholder with the link and no script or frame of the provider, and its CSP lists the embed hosts', async () => {
      const res = await fetch(`${t.url}/api/v1/tickers/emb/html`);
      const html = await res.text();
      const section = html.slice(html.indexOf('<section'), html.indexOf('</section>'));
      expect(section).toContain('data-provider="youtube"');
      expect(section).toContain('<a class="lt-embed-url" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" rel="noopener nofollow">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a>');
      expect(section).toContain('an Google übermittelt');
      expect(section).toContain('an chaos.social übermittelt');
      expect(section).toContain('Video: Phoenix');
      expect(html).not.toMatch(/<iframe|youtube-nocookie|<script[^>]+(twitter|instagram|tiktok|facebook|bsky)/);
      expect(html.match(/<script[^>]*>/g)).toEqual(expect.arrayContaining([`<script src="${t.url}/sdk/liveticker.js" async>`]));
      const csp = res.headers.get('content-security-policy')!;
      const frames = /frame-src ([^;]+)/.exec(csp)![1]!.split(' ');
      expect(frames).toEqual(expect.arrayContaining(['https://www.youtube-nocookie.com', 'https://platform.twitter.com', 'https://embed.bsky.app', 'https://chaos.social']));
      expect(frames.every((f) => /^https:\/\/[a-z0-9.-]+$/.test(f))).toBe(true);
      // JSON-LD: the update shares the post.
      const ld = JSON.parse(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)![1]!) as { liveBlogUpdate: Array<Record<string, any>> };
      const update = ld.liveBlogUpdate.find((u) => String(u.url).endsWith(`#entry-${video.id}`))!;
      expect(update.sharedContent).toEqual({ '@type': 'SocialMediaPosting', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', headline: 'Die Rede im Wortlaut' });
    });

    it('the widget page lists the ticker\'s Mastodon server among its frame hosts; the chat page allows no frames', async () => {
      const csp = (await fetch(`${t.url}/widgets/ticker.html?ticker=emb`)).headers.get('content-security-policy')!;
      expect(csp).toMatch(/frame-src [^;]*https:\/\/chaos\.social/);
      expect(csp).toMatch(/connect-src 'self' ws: wss: https:\/\/public\.api\.bsky\.app/);
      const chat = (await fetch(`${t.url}/widgets/chat.html?ticker=emb`)).headers.get('content-security-policy')!;
      expect(chat).not.toContain('frame-src');
    });

    it('feeds carry the link', async () => {
      for (const format of ['rss', 'atom', 'json']) {
        const text = await (await fetch(`${t.url}/api/v1/tickers/emb/feed.${format}`)).text();
        expect(text).toContain('https://www.youtube.com/watch?v=dQw4w9WgXcQ');
        expect(text).toContain('https://chaos.social/@ccc/113512345678901234');
        expect(text).not.toMatch(/youtube-nocookie|iframe/);
      }
    });
  });
}
