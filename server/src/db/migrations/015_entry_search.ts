import { PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * Entry search gets an index (it was `lower(body) LIKE '%…%'` over a whole ticker).
 *
 * `entries.search_text`: what an entry is found by, its title and its text without markup as
 * lower-case words (letters, marks and digits) separated by single spaces; the write path keeps
 * it (tickers/search.ts). Existing rows are filled here with this migration's own copy of that
 * rule (migrations are frozen: they never import live code).
 *
 * SQLite: an FTS5 index (`entry_search`, contentless: it keeps no copy of the text) with the
 * `unicode61 remove_diacritics 2` tokenizer (any case, any accent), kept by triggers on every
 * insert, change of `search_text` and delete. An FTS5 row is named by an integer, and an entry's
 * rowid is not stable (VACUUM, and so `npm run backup`'s VACUUM INTO, may renumber the rows of a
 * table without an INTEGER PRIMARY KEY): `entry_search_docs` gives each entry a number that stays.
 *
 * PostgreSQL: full-text search with the `unaccent` extension (postgresql-contrib; a trusted
 * extension since PostgreSQL 13, so the database's owner may create it): a text search
 * configuration `liveticker_search` (the `simple` dictionary — no stemming, no stop words — after
 * `unaccent`) and a GIN index over `to_tsvector('liveticker_search', search_text)`, which the
 * database keeps by itself.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.alterTable('entries').addColumn('search_text', 'text', (c) => c.notNull().defaultTo('')).execute();
  await fill(db);
  if (postgres) {
    await sql`create extension if not exists unaccent`.execute(db);
    await sql`create text search configuration liveticker_search (copy = simple)`.execute(db);
    await sql`alter text search configuration liveticker_search alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword with unaccent, simple`.execute(db);
    await sql`create index entries_search on entries using gin (to_tsvector('liveticker_search'::regconfig, search_text))`.execute(db);
    return;
  }
  await sql`create table entry_search_docs (doc integer primary key, entry_id text not null unique)`.execute(db);
  await sql`create virtual table entry_search using fts5(text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  await sql`insert into entry_search_docs (entry_id) select id from entries order by seq`.execute(db);
  await sql`insert into entry_search (rowid, text) select d.doc, e.search_text from entries e join entry_search_docs d on d.entry_id = e.id`.execute(db);
  await sql`create trigger entries_search_insert after insert on entries begin
    insert into entry_search_docs (entry_id) values (new.id);
    insert into entry_search (rowid, text) values ((select doc from entry_search_docs where entry_id = new.id), new.search_text);
  end`.execute(db);
  await sql`create trigger entries_search_update after update of search_text on entries when new.search_text is not old.search_text begin
    delete from entry_search where rowid = (select doc from entry_search_docs where entry_id = new.id);
    insert into entry_search (rowid, text) values ((select doc from entry_search_docs where entry_id = new.id), new.search_text);
  end`.execute(db);
  await sql`create trigger entries_search_delete after delete on entries begin
    delete from entry_search where rowid = (select doc from entry_search_docs where entry_id = old.id);
    delete from entry_search_docs where entry_id = old.id;
  end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop index if exists entries_search`.execute(db);
    await sql`drop text search configuration if exists liveticker_search`.execute(db);
  } else {
    for (const t of ['entries_search_insert', 'entries_search_update', 'entries_search_delete']) await sql`drop trigger if exists ${sql.id(t)}`.execute(db);
    await sql`drop table if exists entry_search`.execute(db);
    await sql`drop table if exists entry_search_docs`.execute(db);
  }
  await db.schema.alterTable('entries').dropColumn('search_text').execute();
}

/** Every existing entry's search text, a page of rows at a time. */
async function fill(db: Kysely<any>): Promise<void> {
  let after = '';
  for (;;) {
    const rows: Array<{ id: string; title: string | null; body: string }> = await db
      .selectFrom('entries')
      .select(['id', 'title', 'body'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .execute();
    if (rows.length === 0) return;
    for (const r of rows) {
      await db.updateTable('entries').set({ search_text: words(`${r.title ?? ''} ${plain(r.body)}`).join(' ') }).where('id', '=', r.id).execute();
    }
    after = rows[rows.length - 1]!.id;
  }
}

/** The rule of this migration's day for an entry's text without markup (the body passed an allowlist). */
function plain(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** …and for its words: NFKC, lower case, ß as ss; letters, marks and digits, starting with a letter or digit. */
function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/ß/g, 'ss').match(/[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu) ?? [];
}
