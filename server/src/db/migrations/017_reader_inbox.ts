import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * The reader's inbox ("Chats", issue 27).
 *
 * `chat_members`: a reader's place in a chat they wrote in (or joined by marking it read):
 * `last_read_rev`, their read position in `chat:<ticker>` (never moves back); `active` 0 once
 * they left it (until they write there again); `rev`, the revision of `user:<user>` at which the
 * item last changed (the stream's catch-up reads by it); `notified_rev`, the chat position the
 * item last published reflects (the coalescing sweep brings items whose chat moved on up to date).
 *
 * `inbox_dirty`: chats with messages their members' items do not show yet, one row per chat
 * with the newest `seq`; the sweep claims a row by deleting it.
 *
 * `messages.reply_to_author`: the author of the message a reply answers, so "replies to me"
 * is one index range per chat instead of a join through every message of the reader's.
 *
 * Existing rows: every author becomes a member of each chat they wrote in, read up to their
 * newest message there; replies get their parent's author.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('reply_to_author', 'varchar(40)').execute();
  await sql`update messages set reply_to_author = (select p.author_id from messages p where p.id = messages.reply_to) where reply_to is not null`.execute(db);
  // Replies to a reader in one chat after their read position.
  await db.schema.createIndex('messages_replies').on('messages').columns(['reply_to_author', 'ticker_id', 'seq']).execute();
  // Unread counts read only the index: the chat's messages after a position, by whom, in which state.
  await db.schema.createIndex('messages_inbox').on('messages').columns(['ticker_id', 'seq', 'status', 'author_id']).execute();

  await db.schema
    .createTable('chat_members')
    .addColumn('user_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('ticker_id', 'varchar(80)', (c) => c.notNull().references('tickers.id'))
    .addColumn('last_read_rev', 'integer', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('notified_rev', 'integer', (c) => c.notNull())
    .addColumn('joined_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_members_pk', ['user_id', 'ticker_id'])
    .execute();
  // The user stream's catch-up: a reader's items changed after a revision.
  await db.schema.createIndex('chat_members_rev').on('chat_members').columns(['user_id', 'rev']).execute();
  // The sweep: a chat's members whose item is behind.
  await db.schema.createIndex('chat_members_chat').on('chat_members').columns(['ticker_id', 'notified_rev']).execute();

  await db.schema
    .createTable('inbox_dirty')
    .addColumn('ticker_id', 'varchar(80)', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .execute();

  await sql`insert into chat_members (user_id, ticker_id, last_read_rev, active, rev, notified_rev, joined_at)
    select author_id, ticker_id, max(seq), 1, 0, max(seq), min(created_at) from messages where seq > 0 group by author_id, ticker_id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inbox_dirty').execute();
  await db.schema.dropTable('chat_members').execute();
  await db.schema.dropIndex('messages_inbox').execute();
  await db.schema.dropIndex('messages_replies').execute();
  await db.schema.alterTable('messages').dropColumn('reply_to_author').execute();
}
