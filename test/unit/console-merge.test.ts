import type { Entry } from '@liveticker/schemas';
import { changes } from '../../client-sdk/src/console/draft';
import type { Draft } from '../../client-sdk/src/console/draft';
import { MERGE_FIELDS, conflicts, merged, presetChoice } from '../../client-sdk/src/console/merge';

/**
 * The console's answer to a refused save (409): Anna opened version 1, Ben saved version 2
 * meanwhile. The three versions are base (what Anna opened), mine (Anna's form) and theirs
 * (Ben's saved entry).
 */
const base: Draft = { kind: 'text', title: 'Old title', body: '<p>Old text.</p>', image: null, teaser: null, pinned: false };
const edit = (over: Partial<Draft>): Draft => ({ ...base, ...over });

describe('the merge decision after a stale save', () => {
  it('a field only they changed is preset to theirs', () => {
    const mine = edit({});
    const theirs = edit({ title: 'Ben’s better title' });
    expect(conflicts(base, mine, theirs)).toEqual([{ field: 'title', changedBy: 'them', preset: 'theirs' }]);
  });

  it('a field only I changed is preset to mine', () => {
    const mine = edit({ body: '<p>Old text. Anna adds a sentence.</p>' });
    expect(conflicts(base, mine, base)).toEqual([{ field: 'body', changedBy: 'me', preset: 'mine' }]);
  });

  it('a field we both changed, differently, is marked as changed by both and preset to mine', () => {
    const mine = edit({ title: 'Anna’s title' });
    const theirs = edit({ title: 'Ben’s title' });
    expect(conflicts(base, mine, theirs)).toEqual([{ field: 'title', changedBy: 'both', preset: 'mine' }]);
  });

  it('a field we both changed to the same content is not asked about', () => {
    const same = edit({ title: 'Both wrote this', pinned: true });
    expect(conflicts(base, same, { ...same })).toEqual([]);
  });

  it('Anna’s sentence and Ben’s headline: each preset to who changed it, and the presets keep both', () => {
    const mine = edit({ body: '<p>Old text. Anna adds a sentence.</p>' });
    const theirs = edit({ title: 'Ben’s better title' });
    const found = conflicts(base, mine, theirs);
    expect(found).toEqual([
      { field: 'title', changedBy: 'them', preset: 'theirs' },
      { field: 'body', changedBy: 'me', preset: 'mine' },
    ]);
    expect(merged(mine, theirs, presetChoice(found))).toEqual(edit({ title: 'Ben’s better title', body: '<p>Old text. Anna adds a sentence.</p>' }));
  });

  it('lists the differing fields in the table’s order: headline, text, picture, embed, related article, kind, pinned', () => {
    const mine = edit({ pinned: true, kind: 'quote', body: '<p>Mine.</p>' });
    const theirs = edit({
      embed: { url: 'https://youtu.be/dQw4w9WgXcQ' },
      teaser: { url: 'https://example.org/a', title: 'Background' },
      image: { url: 'https://example.org/p.jpg', caption: 'Crowd' },
      title: 'Theirs',
    });
    expect(conflicts(base, mine, theirs).map((c) => c.field)).toEqual(['title', 'body', 'image', 'embed', 'teaser', 'kind', 'pinned']);
    expect(MERGE_FIELDS).toEqual(['title', 'body', 'image', 'embed', 'teaser', 'kind', 'pinned']);
  });

  it('a picture with the same content in another key order, or with an absent key where the other has none, is no difference', () => {
    const image = { url: 'https://example.org/p.jpg', caption: 'Crowd', credit: 'Desk' };
    const mine = edit({ image: { credit: 'Desk', url: 'https://example.org/p.jpg', caption: 'Crowd', creditUrl: undefined } });
    const theirs = edit({ image });
    expect(conflicts(base, mine, theirs)).toEqual([]);
  });

  it('a removed picture against a new caption: I removed it, they captioned it — both changed', () => {
    const withPicture = edit({ image: { url: 'https://example.org/p.jpg' } });
    const mine = { ...withPicture, image: null };
    const theirs = { ...withPicture, image: { url: 'https://example.org/p.jpg', caption: 'Now with a caption' } };
    expect(conflicts(withPicture, mine, theirs)).toEqual([{ field: 'image', changedBy: 'both', preset: 'mine' }]);
  });

  it('the merged draft takes theirs where chosen and keeps mine everywhere else, fields nobody differs on too', () => {
    const mine = edit({ title: 'Mine', body: '<p>Mine.</p>', pinned: true });
    const theirs = edit({ title: 'Theirs', body: '<p>Theirs.</p>', kind: 'quote' });
    expect(merged(mine, theirs, { title: 'theirs', body: 'mine', kind: 'theirs' })).toEqual({ ...mine, title: 'Theirs', kind: 'quote' });
    expect(merged(mine, theirs, {})).toEqual(mine);
    // Choosing changes neither version.
    expect(mine.title).toBe('Mine');
    expect(theirs.title).toBe('Theirs');
  });

  it('their version may be a whole saved entry: only the entry’s fields are taken from it', () => {
    const theirs = { ...edit({ title: 'Theirs' }), id: 'e1', version: 2, status: 'published' } as unknown as Entry;
    const out = merged(edit({}), theirs, { title: 'theirs' });
    expect(out).toEqual(edit({ title: 'Theirs' }));
    expect(out).not.toHaveProperty('version');
  });
});

describe('what an edit sends', () => {
  it('only the fields that differ from the saved entry, whatever the key order of a picture', () => {
    const saved = edit({ image: { url: 'https://example.org/p.jpg', caption: 'Crowd' } });
    const form = edit({ title: 'New', image: { caption: 'Crowd', url: 'https://example.org/p.jpg' } });
    expect(changes(saved, form)).toEqual({ title: 'New' });
    expect(changes(saved, saved)).toEqual({});
  });

  it('a title cleared to nothing is sent as null', () => {
    expect(changes(base, edit({ title: null }))).toEqual({ title: null });
  });
});
