import { Slug } from '../../schemas/src/common';
import { slugify } from '../../server/src/tickers/slug';

describe('slugify (a ticker id from its title)', () => {
  it.each([
    ['Wahl-Abend: Live!', 'wahl-abend-live'],
    ['Größe Übersicht', 'groesse-uebersicht'],
    ['ÄRGER im Schloß', 'aerger-im-schloss'],
    ['Выборы в Москве', 'vybory-v-moskve'],
    ['Ёлка, йогурт, щи, цирк, хор, ъь', 'elka-iogurt-shchi-tsirk-khor'],
    ['Café Olé', 'cafe-ole'],
    ['Ｆｕｌｌｗｉｄｔｈ ½', 'fullwidth-1-2'],
    ['  --Hello,   World--  ', 'hello-world'],
    ['Tor! 2:1 in der 90.', 'tor-2-1-in-der-90'],
  ])('%j → %j', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('transliterates every letter of the Russian alphabet', () => {
    expect(slugify('абвгдеёжзийклмнопрстуфхцчшщъыьэюя')).toBe('abvgdeezhziiklmnoprstufkhtschshshchyeyuya');
    expect(slugify('объезд подъём')).toBe('obezd-podem');
  });

  it('a title typed with decomposed umlauts (as macOS and some keyboards send them) gets the same id', () => {
    expect(slugify('A\u0308rger u\u0308ber Gro\u0308ße')).toBe(slugify('Ärger über Größe'));
    expect(slugify('A\u0308rger u\u0308ber Gro\u0308ße')).toBe('aerger-ueber-groesse');
  });

  it('a title with nothing to keep becomes "ticker"', () => {
    expect(slugify('!!! ???')).toBe('ticker');
    expect(slugify('')).toBe('ticker');
    expect(slugify('日本語')).toBe('ticker');
  });

  it('a long title is cut to 80 characters without a dash left at the end', () => {
    const slug = slugify(`${'a'.repeat(79)} bcd`);
    expect(slug).toBe('a'.repeat(79));
    expect(slugify('b'.repeat(100))).toHaveLength(80);
  });

  it('every slug it makes is a valid ticker id', () => {
    const titles = ['Wahl-Abend: Live!', '-x-', 'Ä'.repeat(60), `${'word '.repeat(30)}`, 'Москва — 2026', '!!', 'a--b'];
    for (const title of titles) expect(Slug.safeParse(slugify(title)).success).toBe(true);
  });
});
