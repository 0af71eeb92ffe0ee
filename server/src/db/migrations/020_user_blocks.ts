import type { Kysely } from 'kysely';

/**
 * A reader's blocks (issue 27): `user_blocks` holds one row per reader and user they blocked.
 * A blocked user's messages never count in the reader's inbox (unread, replies to them), and the
 * reader's widget leaves them out of the chat. Blocking is the reader's own business: the blocked
 * user is not told.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_blocks')
    .addColumn('user_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('blocked_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_blocks_pk', ['user_id', 'blocked_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('user_blocks').execute();
}
