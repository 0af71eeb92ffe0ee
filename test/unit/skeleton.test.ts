import { containsWord, skeleton } from '../../server/src/text/skeleton';
import { nameKey } from '../../server/src/auth/names';
import { hasVisibleText } from '../../schemas/src/common';

describe('word lists match disguised words', () => {
  it.each([
    ['plain', 'you idiot'],
    ['upper case', 'you IDIOT'],
    ['zero-width space inside', 'you id\u200Biot'],
    ['soft hyphen inside', 'you id\u00ADiot'],
    ['word joiner inside', 'you id\u2060iot'],
    ['Cyrillic і', 'you \u0456diot'],
    ['fullwidth letters', 'you ｉｄｉｏｔ'],
    ['combining accent', 'you idio\u0301t'],
    ['digit for letter', 'you idi0t'],
    ['mathematical bold', 'you 𝐢𝐝𝐢𝐨𝐭'],
    ['capitals', 'YOU IDIOT'],
  ])('%s', (_what, text) => {
    expect(containsWord(text, ['idiot'])).toBe('idiot');
  });

  it('still matches whole words only, and a disguised list entry matches the plain word', () => {
    expect(containsWord('idiotic behaviour', ['idiot'])).toBeUndefined();
    expect(containsWord('an idiot!', ['іdiot'])).toBe('іdiot');
    expect(containsWord('anything', [])).toBeUndefined();
    expect(containsWord('anything', ['\u200B'])).toBeUndefined();
  });

  it('folds capital I as the l it passes for, and makes no multi-letter folds (m is not rn)', () => {
    expect(containsWord('you kiII them', ['kill'])).toBe('kill');
    expect(containsWord('a pom-pom', ['porn'])).toBeUndefined();
    expect(containsWord('burn it', ['bum'])).toBeUndefined();
    expect(nameKey('PauI')).toBe(nameKey('Paul'));
    expect(nameKey('CIaudia Müller')).toBe(nameKey('Claudia Muller'));
  });

  it('keeps different words different', () => {
    expect(skeleton('Anna')).not.toBe(skeleton('Anne'));
    expect(skeleton('Аnna')).toBe(skeleton('Anna'));
    expect(nameKey('Mod\u00ADerator')).toBe(nameKey('Moderator'));
    expect(nameKey('A d m i n')).toBe(nameKey('admin'));
  });
});

describe('hasVisibleText', () => {
  it.each([
    ['zero-width spaces', '\u200B\u200B\u200B'],
    ['soft hyphens and joiners', '\u00AD\u2060\u200D'],
    ['Hangul filler', '\u3164'],
    ['Braille blank', '\u2800\u2800'],
    ['combining marks alone', '\u0301\u0301'],
    ['ideographic and no-break spaces', '\u3000\u00A0'],
  ])('refuses %s', (_what, text) => {
    expect(hasVisibleText(text)).toBe(false);
  });

  it('accepts text, emoji and punctuation', () => {
    expect(hasVisibleText('a')).toBe(true);
    expect(hasVisibleText('👍')).toBe(true);
    expect(hasVisibleText('?')).toBe(true);
  });
});
