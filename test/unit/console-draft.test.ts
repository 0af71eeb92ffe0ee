import { canonical, previewEntry, same } from '../../client-sdk/src/console/draft';
import type { Draft } from '../../client-sdk/src/console/draft';

/** The composer's pure decisions about the entry being written (client-sdk/src/console/draft.ts). */
describe('whether two versions of a field hold the same content', () => {
  it('ignores the order of keys and keys left undefined, and takes a missing value for null', () => {
    expect(same({ url: 'u', caption: 'c' }, { caption: 'c', url: 'u', credit: undefined })).toBe(true);
    expect(same(undefined, null)).toBe(true);
    expect(same(null, '')).toBe(false);
    expect(canonical({ b: 1, a: [2, { d: null, c: 'x' }] })).toBe('{"a":[2,{"c":"x","d":null}],"b":1}');
  });

  it('sees a changed value behind the same keys, at any depth', () => {
    expect(same({ url: 'u', caption: 'Crowd' }, { url: 'u', caption: 'Queue' })).toBe(false);
    expect(same({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
    expect(same({ a: 1 }, { b: 1 })).toBe(false);
  });

  it('keeps the order of lists and does not take a list for an object', () => {
    expect(same(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(same(['a,b'], ['a', 'b'])).toBe(false);
    expect(same([], {})).toBe(false);
    expect(same('1', 1)).toBe(false);
  });
});

describe('the preview of the entry being written', () => {
  const draft: Draft = {
    kind: 'image',
    title: 'Queues',
    body: '<p>Long queues.</p>',
    image: { url: 'https://example.org/p.jpg', caption: 'Crowd', creditUrl: 'https://example.org/photos' },
    teaser: { url: 'https://example.org/story', title: 'Background', image: 'https://example.org/t.jpg' },
    pinned: true,
  };
  const me = { id: 'u1', displayName: 'Anna' };
  const now = '2026-11-03T20:00:00.000Z';

  it('is the draft as the readers’ widget gets it, by the one writing it, published now', () => {
    expect(previewEntry(draft, { id: 'election' }, me, undefined, now)).toEqual({
      ...draft,
      id: 'preview',
      tickerId: 'election',
      seq: 0,
      rev: 0,
      author: { id: 'u1', displayName: 'Anna' },
      publishedAt: now,
      updatedAt: now,
      embed: null,
      version: 1,
      deletedAt: null,
      status: 'published',
      publishAt: null,
    });
  });

  it('shows an embed as the server will store it: recognised from its URL, a URL that is not one shows none', () => {
    const withEmbed = (url: string) => previewEntry({ ...draft, embed: { url, caption: 'The speech' } }, { id: 'election' }, me, undefined, now).embed;
    expect(withEmbed('https://youtu.be/dQw4w9WgXcQ')).toEqual({ provider: 'youtube', id: 'dQw4w9WgXcQ', canonical: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', url: 'https://youtu.be/dQw4w9WgXcQ', caption: 'The speech' });
    expect(withEmbed('https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ')?.provider).toBe('link');
    expect(withEmbed('javascript:alert(1)')).toBeNull();
    expect(withEmbed('https://you')?.provider).toBe('link');
  });

  it('an entry being edited keeps the time it was published at', () => {
    expect(previewEntry(draft, { id: 'election' }, me, '2026-11-03T18:00:00.000Z', now).publishedAt).toBe('2026-11-03T18:00:00.000Z');
  });

  it('links only http and https addresses: a typed javascript: or a half-typed address stays inert', () => {
    const typed = {
      ...draft,
      image: { url: 'javascript:fetch("https://evil.example")', caption: 'x' },
      teaser: { url: 'example.org/story', title: 'Half typed' },
    };
    const p = previewEntry(typed, { id: 'election' }, me, undefined, now);
    expect(p.image).toBeNull();
    expect(p.teaser).toBeNull();
    const credits = previewEntry({ ...draft, image: { url: 'HTTP://example.org/p.jpg', creditUrl: 'javascript:alert(2)' }, teaser: { url: 'http://example.org/a', title: 'A', image: 'data:image/png;base64,xx' } }, { id: 'e' }, me, undefined, now);
    expect(credits.image).toEqual({ url: 'HTTP://example.org/p.jpg', creditUrl: undefined });
    expect(credits.teaser).toEqual({ url: 'http://example.org/a', title: 'A', image: undefined });
  });

  it('shows no picture or related article when the form has none', () => {
    const p = previewEntry({ ...draft, image: null, teaser: null }, { id: 'e' }, me, undefined, now);
    expect(p.image).toBeNull();
    expect(p.teaser).toBeNull();
  });
});
