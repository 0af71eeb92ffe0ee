import type { Kysely } from 'kysely';

/**
 * Web Push ("follow a ticker").
 *
 * `push_vapid`: the server's VAPID key pair when none is configured; one row (id 1), the first
 * node to start writes it and every node signs with it.
 *
 * `push_follows`: a device following a ticker. `secret_hash` is the SHA-256 of the secret shown
 * once to the device; `user_id` the reader who made it logged in. `pushed_rev`: the ticker
 * stream's revision up to which this follow has been served (entries published after it are
 * news); `pending` the entries waiting for its next push (a burst summed up), kept by the
 * deliverer; `lease_owner`/`lease_until` the one node pushing to it at a time; `failing_since`,
 * `attempts`, `next_attempt_at` its retries.
 *
 * `push_streams`: per followed ticker, how far the deliverer has read its change stream
 * (`epoch`, `rev`, claimed by one node at a time) and the latest entry revisions found there
 * (`head_rev` any published entry, `head_key_rev` a key event).
 *
 * `push_entries`: each entry published in a followed ticker, once, at the revision it was
 * published with.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('push_vapid')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('push_follows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticker_id', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('p256dh', 'text', (c) => c.notNull())
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('topics', 'text', (c) => c.notNull())
    .addColumn('lang', 'text')
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('pushed_rev', 'integer', (c) => c.notNull())
    .addColumn('last_pushed_at', 'text')
    .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failing_since', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .execute();
  await db.schema.createIndex('push_follows_endpoint').on('push_follows').columns(['ticker_id', 'endpoint']).unique().execute();
  await db.schema.createIndex('push_follows_due').on('push_follows').columns(['ticker_id', 'pushed_rev']).execute();
  await db.schema.createIndex('push_follows_user').on('push_follows').columns(['user_id']).execute();
  await db.schema
    .createTable('push_streams')
    .addColumn('ticker_id', 'text', (c) => c.primaryKey())
    .addColumn('epoch', 'text', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('head_rev', 'integer', (c) => c.notNull())
    .addColumn('head_key_rev', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .execute();
  await db.schema
    .createTable('push_entries')
    .addColumn('ticker_id', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('push_entries_pk', ['ticker_id', 'entry_id'])
    .execute();
  await db.schema.createIndex('push_entries_by_rev').on('push_entries').columns(['ticker_id', 'rev']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('push_entries').execute();
  await db.schema.dropTable('push_streams').execute();
  await db.schema.dropTable('push_follows').execute();
  await db.schema.dropTable('push_vapid').execute();
}
