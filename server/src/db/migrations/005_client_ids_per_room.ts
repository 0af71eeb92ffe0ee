import type { Kysely } from 'kysely';

/**
 * Idempotency keys are scoped per room: the same `clientId` sent to two tickers is two messages
 * (a retry is recognised only in the room it was sent to).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_client').execute();
  await db.schema.createIndex('messages_client').unique().on('messages').columns(['ticker_id', 'author_id', 'client_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_client').execute();
  await db.schema.createIndex('messages_client').unique().on('messages').columns(['author_id', 'client_id']).execute();
}
