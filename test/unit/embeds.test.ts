import { embedFrame } from '../../schemas/src/embed-frames';
import { recogniseEmbed } from '../../server/src/tickers/embeds';
import { AppError } from '../../server/src/errors';
import { entryPayload } from '../../server/src/push/payloads';

describe('an embed is recognised from its URL alone', () => {
  it.each([
    // YouTube: watch, youtu.be, shorts, live, mobile, embed, with extra parameters
    ['https://www.youtube.com/watch?v=dQw4w9WgXcQ', 'youtube', 'dQw4w9WgXcQ', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'],
    ['https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s', 'youtube', 'dQw4w9WgXcQ', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'],
    ['https://m.youtube.com/watch?v=jNQXAC9IVRw', 'youtube', 'jNQXAC9IVRw', 'https://www.youtube.com/watch?v=jNQXAC9IVRw'],
    ['https://youtu.be/dQw4w9WgXcQ?si=abc123', 'youtube', 'dQw4w9WgXcQ', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'],
    ['https://www.youtube.com/shorts/aqz-KE-bpKQ', 'youtube', 'aqz-KE-bpKQ', 'https://www.youtube.com/shorts/aqz-KE-bpKQ'],
    ['https://www.youtube.com/live/jfKfPfyJRdk?feature=shared', 'youtube', 'jfKfPfyJRdk', 'https://www.youtube.com/watch?v=jfKfPfyJRdk'],
    ['https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ', 'youtube', 'dQw4w9WgXcQ', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'],
    // Vimeo: plain, unlisted, channel, player
    ['https://vimeo.com/76979871', 'vimeo', '76979871', 'https://vimeo.com/76979871'],
    ['https://vimeo.com/76979871/a1b2c3d4e5', 'vimeo', '76979871/a1b2c3d4e5', 'https://vimeo.com/76979871/a1b2c3d4e5'],
    ['https://vimeo.com/channels/staffpicks/76979871', 'vimeo', '76979871', 'https://vimeo.com/76979871'],
    ['https://player.vimeo.com/video/76979871?h=a1b2c3d4e5', 'vimeo', '76979871/a1b2c3d4e5', 'https://vimeo.com/76979871/a1b2c3d4e5'],
    // X / Twitter
    ['https://x.com/NASA/status/1869426591530189178', 'x', '1869426591530189178', 'https://x.com/NASA/status/1869426591530189178'],
    ['https://twitter.com/jack/status/20?s=20', 'x', '20', 'https://x.com/jack/status/20'],
    ['https://mobile.twitter.com/jack/status/20', 'x', '20', 'https://x.com/jack/status/20'],
    ['https://x.com/NASA/status/1869426591530189178/photo/1', 'x', '1869426591530189178', 'https://x.com/NASA/status/1869426591530189178'],
    // Instagram: post, reel
    ['https://www.instagram.com/p/C1a2B3c4D5e/', 'instagram', 'C1a2B3c4D5e', 'https://www.instagram.com/p/C1a2B3c4D5e/'],
    ['https://instagram.com/reel/C9xYz_12AbC/?igsh=abc', 'instagram', 'C9xYz_12AbC', 'https://www.instagram.com/reel/C9xYz_12AbC/'],
    ['https://www.instagram.com/natgeo/p/C1a2B3c4D5e/', 'instagram', 'C1a2B3c4D5e', 'https://www.instagram.com/p/C1a2B3c4D5e/'],
    // TikTok
    ['https://www.tiktok.com/@scout2015/video/6718335390845095173', 'tiktok', '6718335390845095173', 'https://www.tiktok.com/@scout2015/video/6718335390845095173'],
    ['https://tiktok.com/@bbcnews/video/7329176473848138017?lang=de', 'tiktok', '7329176473848138017', 'https://www.tiktok.com/@bbcnews/video/7329176473848138017'],
    // Bluesky: by handle and by DID
    ['https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l', 'bluesky', 'bsky.app/3l6oveex3ii2l', 'https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l'],
    ['https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l', 'bluesky', 'did:plc:z72i7hdynmk6r22z27h6tvur/3l6oveex3ii2l', 'https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l'],
    // Mastodon: any instance, by the path's shape
    ['https://mastodon.social/@Gargron/109318810349165016', 'mastodon', '109318810349165016', 'https://mastodon.social/@Gargron/109318810349165016'],
    ['https://chaos.social/@ccc/113512345678901234', 'mastodon', '113512345678901234', 'https://chaos.social/@ccc/113512345678901234'],
    ['https://social.bund.de/users/BSI/statuses/111111111111111111', 'mastodon', '111111111111111111', 'https://social.bund.de/@BSI/111111111111111111'],
    ['https://mastodon.social/@someone@fosstodon.org/112233445566778899', 'mastodon', '112233445566778899', 'https://mastodon.social/@someone@fosstodon.org/112233445566778899'],
    // Threads
    ['https://www.threads.net/@zuck/post/C8jXYZabc12', 'threads', 'C8jXYZabc12', 'https://www.threads.com/@zuck/post/C8jXYZabc12'],
    ['https://www.threads.com/@zuck/post/C8jXYZabc12?xmt=1', 'threads', 'C8jXYZabc12', 'https://www.threads.com/@zuck/post/C8jXYZabc12'],
    // Facebook: post, video, watch, reel, permalink
    ['https://www.facebook.com/tagesschau/posts/pfbid02abcDEF123', 'facebook', 'pfbid02abcDEF123', 'https://www.facebook.com/tagesschau/posts/pfbid02abcDEF123'],
    ['https://www.facebook.com/tagesschau/videos/1234567890123456/', 'facebook', '1234567890123456', 'https://www.facebook.com/tagesschau/videos/1234567890123456'],
    ['https://www.facebook.com/watch/?v=1234567890', 'facebook', '1234567890', 'https://www.facebook.com/watch/?v=1234567890'],
    ['https://m.facebook.com/reel/987654321', 'facebook', '987654321', 'https://www.facebook.com/reel/987654321'],
    ['https://www.facebook.com/permalink.php?story_fbid=123456&id=100064', 'facebook', '123456', 'https://www.facebook.com/permalink.php?story_fbid=123456&id=100064'],
    // Spotify
    ['https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC', 'spotify', 'track/4uLU6hMCjMI75M1A2tKUQC', 'https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC'],
    ['https://open.spotify.com/intl-de/episode/0Q86acNRm6V9GYx55SXKwf?si=x', 'spotify', 'episode/0Q86acNRm6V9GYx55SXKwf', 'https://open.spotify.com/episode/0Q86acNRm6V9GYx55SXKwf'],
    ['https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M', 'spotify', 'playlist/37i9dQZF1DXcBWIGoYBM5M', 'https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M'],
    // SoundCloud
    ['https://soundcloud.com/forss/flickermood', 'soundcloud', 'forss/flickermood', 'https://soundcloud.com/forss/flickermood'],
    ['https://soundcloud.com/forss/sets/soulhack', 'soundcloud', 'forss/sets/soulhack', 'https://soundcloud.com/forss/sets/soulhack'],
  ])('%s → %s', (url, provider, id, canonical) => {
    expect(recogniseEmbed(url)).toEqual({ provider, id, canonical });
  });

  it.each([
    // Look-alikes: a provider's name in another host is that host's link.
    ['https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ', 'youtube.com.evil.example'],
    ['https://evil-youtube.com/watch?v=dQw4w9WgXcQ', 'evil-youtube.com'],
    ['https://www.youtube.com.evil.example/shorts/aqz-KE-bpKQ', 'www.youtube.com.evil.example'],
    ['https://x.com.attacker.test/jack/status/20', 'x.com.attacker.test'],
    ['https://notbsky.app/profile/bsky.app/post/3l6oveex3ii2l', 'notbsky.app'],
    ['https://open.spotify.com.evil.example/track/4uLU6hMCjMI75M1A2tKUQC', 'open.spotify.com.evil.example'],
    // A provider's own pages that are not a post: links.
    ['https://www.youtube.com/@tagesschau', 'www.youtube.com'],
    ['https://www.youtube.com/watch?v=short', 'www.youtube.com'],
    ['https://x.com/NASA', 'x.com'],
    ['https://www.instagram.com/natgeo/', 'www.instagram.com'],
    ['https://vm.tiktok.com/ZMabc123/', 'vm.tiktok.com'],
    ['https://soundcloud.com/forss', 'soundcloud.com'],
    // A Mastodon path on a named provider's host, or not over https, is no Mastodon post.
    ['https://x.com/@jack/109318810349165016', 'x.com'],
    ['http://mastodon.social/@Gargron/109318810349165016', 'mastodon.social'],
    ['https://mastodon.social:8443/@Gargron/109318810349165016', 'mastodon.social'],
    ['https://www.tagesschau.de/inland/wahl-100.html', 'www.tagesschau.de'],
  ])('%s is a link to %s', (url, host) => {
    const e = recogniseEmbed(url);
    expect(e.provider).toBe('link');
    expect(e.id).toBe(host);
  });

  it.each(['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'ftp://example.org/file', 'not a url', 'https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ', 'https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ'])(
    '%s is refused, naming embed.url',
    (url) => {
      let err: unknown;
      try {
        recogniseEmbed(url);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).details).toEqual([expect.objectContaining({ path: 'embed.url' })]);
    },
  );

  it('frames a recognised embed on its provider\'s player: YouTube without cookies, every frame sandboxed', () => {
    const frame = (url: string) => embedFrame({ ...recogniseEmbed(url), url });
    expect(frame('https://youtu.be/dQw4w9WgXcQ')).toMatchObject({ src: 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0', ratio: 16 / 9 });
    expect(frame('https://www.youtube.com/shorts/aqz-KE-bpKQ')?.ratio).toBe(9 / 16);
    expect(frame('https://mastodon.social/@Gargron/109318810349165016')?.src).toBe('https://mastodon.social/@Gargron/109318810349165016/embed');
    expect(frame('https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l')?.src).toBe('https://embed.bsky.app/embed/did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l');
    // A handle is resolved to its DID after consent: until then there is no frame.
    expect(frame('https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l')).toBeUndefined();
    expect(frame('https://www.tagesschau.de/')).toBeUndefined();
    for (const url of ['https://youtu.be/dQw4w9WgXcQ', 'https://x.com/jack/status/20', 'https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC', 'https://www.instagram.com/p/C1a2B3c4D5e/']) {
      const f = frame(url)!;
      expect(f.sandbox).toMatch(/allow-scripts/);
      expect(f.sandbox).not.toMatch(/allow-top-navigation|allow-forms|allow-modals/);
    }
  });
});

describe('an entry that is only an embed', () => {
  it('is announced in a push by its caption', () => {
    const ticker = { id: 'election', title: 'Election night' } as Parameters<typeof entryPayload>[1];
    const entry = { id: 'e1', title: null, body: '', kind: 'text', image: null, embed: { provider: 'youtube', url: 'https://youtu.be/dQw4w9WgXcQ', id: 'dQw4w9WgXcQ', canonical: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', caption: 'The speech in full' } } as unknown as Parameters<typeof entryPayload>[2];
    expect(entryPayload('https://live.example.org', ticker, entry, 7, 1, 'en').body).toBe('The speech in full');
  });
});
