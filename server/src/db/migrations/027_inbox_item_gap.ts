import type { Kysely } from 'kysely';

/**
 * At most one `inbox.updated` a second per item (issue 27), however its changes come (a reply,
 * the author's own message, a read position, the sweep): `chat_members.notified_at`, when the
 * item was last sent on its reader's stream; `due_at`, set when a change came less than a second
 * after that: the sweep sends the item as it then stands once `due_at` has passed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('chat_members').addColumn('notified_at', 'varchar(40)').execute();
  await db.schema.alterTable('chat_members').addColumn('due_at', 'varchar(40)').execute();
  await db.schema.createIndex('chat_members_due').on('chat_members').columns(['due_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('chat_members_due').execute();
  await db.schema.alterTable('chat_members').dropColumn('due_at').execute();
  await db.schema.alterTable('chat_members').dropColumn('notified_at').execute();
}
