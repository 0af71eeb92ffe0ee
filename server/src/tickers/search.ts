import { PostgresAdapter, sql } from 'kysely';
import type { Expression, SqlBool } from 'kysely';
import type { Db } from '../db/database';
import { AppError } from '../errors';
import { textOf } from './entry-text';

/**
 * Entry search: words and word beginnings, any case, any accent, on both databases. The text an
 * entry is found by (`entries.search_text`) and the words of a question are cut the same way
 * here: letters, marks and digits, nothing else, so neither SQLite's FTS5 tokenizer nor
 * PostgreSQL's parser ever sees markup, punctuation or query syntax (`"`, `*`, `NEAR`, `-`, `:`,
 * parentheses are spaces). Each database then folds case and accents: FTS5 `unicode61
 * remove_diacritics 2`, PostgreSQL `unaccent` in the `liveticker_search` configuration
 * (migration 015).
 */

/** Most words a question may have (each is one more index lookup). */
export const MAX_SEARCH_WORDS = 8;
/**
 * Shortest word taken as a beginning: a shorter one matches whole words only. The index spans
 * every ticker, so a two-letter beginning ("de", "st") expands to a large part of it on every
 * lookup (a third of a second over 100,000 entries on SQLite, on the event loop).
 */
export const MIN_PREFIX = 3;
/** What a search costs against READ_RATE_LIMIT: each word is a lookup in the whole index. */
export const SEARCH_COST_PER_WORD = 5;

/** The read points a question costs: at least SEARCH_READ_COST, more for many words. */
export function searchCost(q: unknown, base: number): number {
  const words = typeof q === 'string' ? Math.min(searchWords(q).length, MAX_SEARCH_WORDS) : 0;
  return Math.max(base, SEARCH_COST_PER_WORD * words);
}

/** The words of a text as they are indexed and asked for: NFKC, lower case, ß as ss. */
export function searchWords(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/ß/g, 'ss').match(/[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu) ?? [];
}

/** What an entry is found by: its title and its text without markup, as words. */
export function searchText(title: string | null, body: string): string {
  return searchWords(`${title ?? ''} ${textOf(body)}`).join(' ');
}

/**
 * The condition "the entry has every word of `q`, the last letters open" for the dialect, or
 * undefined when `q` has no word at all (it finds nothing). Words shorter than MIN_PREFIX match
 * whole words only: as beginnings they would match most of the index.
 */
export function searchCondition(db: Db, q: string): Expression<SqlBool> | undefined {
  const words = searchWords(q);
  if (words.length === 0) return undefined;
  if (words.length > MAX_SEARCH_WORDS) {
    throw new AppError('validation_failed', 'invalid query', [{ path: 'q', message: `at most ${MAX_SEARCH_WORDS} words` }]);
  }
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    // FTS5 strings: the words hold no quote, so `"word"` is always one string, never syntax.
    const match = words.map((w) => (w.length >= MIN_PREFIX ? `"${w}"*` : `"${w}"`)).join(' ');
    return sql<SqlBool>`entries.id in (select d.entry_id from entry_search_docs d where d.doc in (select rowid from entry_search where entry_search match ${match}))`;
  }
  // tsquery lexemes in quotes (the words hold no quote or backslash), all of them required.
  const query = words.map((w) => (w.length >= MIN_PREFIX ? `'${w}':*` : `'${w}'`)).join(' & ');
  return sql<SqlBool>`to_tsvector('liveticker_search'::regconfig, entries.search_text) @@ to_tsquery('liveticker_search'::regconfig, ${query})`;
}
