import { sql } from 'kysely';
import type { Db, Trx } from '../db/database';
import type { ChatMembersTable, MessagesTable } from '../db/tables';

/** A member row with the time its chat last had a message (or the reader joined): the inbox order. */
export type MemberWithActivity = ChatMembersTable & { active_at: string };

/** Where a page of the inbox goes on from: the last item's activity time and ticker id. */
export interface InboxAfter {
  at: string;
  tickerId: string;
}

export function findMember(db: Db | Trx, userId: string, tickerId: string): Promise<ChatMembersTable | undefined> {
  return db.selectFrom('chat_members').selectAll().where('user_id', '=', userId).where('ticker_id', '=', tickerId).executeTakeFirst();
}

/** When an item was last sent and when a held one is due (read under its stream's lock: every writer of them holds it). */
export function memberTiming(db: Db | Trx, userId: string, tickerId: string): Promise<Pick<ChatMembersTable, 'notified_at' | 'due_at'> | undefined> {
  return db.selectFrom('chat_members').select(['notified_at', 'due_at']).where('user_id', '=', userId).where('ticker_id', '=', tickerId).executeTakeFirst();
}

export async function insertMember(db: Db | Trx, row: ChatMembersTable): Promise<void> {
  await db.insertInto('chat_members').values(row).execute();
}

export async function updateMember(db: Db | Trx, userId: string, tickerId: string, set: Partial<ChatMembersTable>): Promise<void> {
  await db.updateTable('chat_members').set(set).where('user_id', '=', userId).where('ticker_id', '=', tickerId).execute();
}

/**
 * A page of a reader's active chats, newest activity first (ties by ticker id, descending). The
 * activity is the newest message's time (one step back along `messages_seq` per chat), else
 * when the reader joined.
 */
export async function listMembers(db: Db, userId: string, limit: number, after?: InboxAfter): Promise<MemberWithActivity[]> {
  const withActivity = db
    .selectFrom('chat_members as cm')
    .selectAll('cm')
    .select((eb) =>
      eb.fn
        .coalesce(
          eb.selectFrom('messages as m').select('m.created_at').whereRef('m.ticker_id', '=', 'cm.ticker_id').where('m.seq', '>', 0).orderBy('m.seq', 'desc').limit(1),
          eb.ref('cm.joined_at'),
        )
        .as('active_at'),
    )
    .where('cm.user_id', '=', userId)
    .where('cm.active', '=', 1);
  let q = db.selectFrom(withActivity.as('x')).selectAll();
  if (after) q = q.where((eb) => eb.or([eb('x.active_at', '<', after.at), eb.and([eb('x.active_at', '=', after.at), eb('x.ticker_id', '<', after.tickerId)])]));
  const rows = await q.orderBy('x.active_at', 'desc').orderBy('x.ticker_id', 'desc').limit(limit).execute();
  return rows as MemberWithActivity[];
}

/** The activity time of one chat for the inbox order (see `listMembers`). */
export async function chatActivity(db: Db | Trx, tickerId: string): Promise<string | undefined> {
  const row = await db.selectFrom('messages').select('created_at').where('ticker_id', '=', tickerId).where('seq', '>', 0).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row?.created_at;
}

/**
 * A reader's items changed after `since` up to `head` on `user:<userId>`, in rev order, each
 * once (a row keeps the rev of its last change). Left chats come too (their removal).
 */
export function membersChangedSince(db: Db | Trx, userId: string, since: number, head: number, limit: number): Promise<ChatMembersTable[]> {
  return db.selectFrom('chat_members').selectAll().where('user_id', '=', userId).where('rev', '>', since).where('rev', '<=', head).orderBy('rev', 'asc').limit(limit).execute();
}

export interface ChatFacts {
  title: string;
  status: string;
  /** Head of `chat:<id>`. */
  rev: number;
}

/** Title, status and chat head of each ticker. */
export async function chatFacts(db: Db | Trx, tickerIds: string[]): Promise<Map<string, ChatFacts>> {
  if (tickerIds.length === 0) return new Map();
  const [tickers, heads] = await Promise.all([
    db.selectFrom('tickers').select(['id', 'title', 'status']).where('id', 'in', tickerIds).execute(),
    db
      .selectFrom('streams')
      .select(['name', 'rev'])
      .where(
        'name',
        'in',
        tickerIds.map((id) => `chat:${id}`),
      )
      .execute(),
  ]);
  const headOf = new Map(heads.map((h) => [h.name.slice('chat:'.length), h.rev]));
  return new Map(tickers.map((t) => [t.id, { title: t.title, status: t.status, rev: headOf.get(t.id) ?? 0 }]));
}

/** The newest visible message of a chat. */
export function lastVisibleMessage(db: Db | Trx, tickerId: string): Promise<MessagesTable | undefined> {
  return db.selectFrom('messages').selectAll().where('ticker_id', '=', tickerId).where('seq', '>', 0).where('status', '=', 'visible').orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

const pairKey = (userId: string, tickerId: string) => `${userId}\n${tickerId}`;

/**
 * Unread messages and replies of every membership of `userIds` × `tickerIds` (one reader's page,
 * or one chat's members): visible messages by others after the member's read position, and of
 * them those replying to the member from authors who are neither banned nor muted at `now`.
 * Keyed by `countKey(user, ticker)`; memberships with nothing unread are absent.
 */
/** The message (`m`) is not by a user the member (`cm`) blocked. */
const notBlocked = sql<boolean>`not exists (select 1 from user_blocks b where b.user_id = cm.user_id and b.blocked_id = m.author_id)`;

export async function countUnread(db: Db | Trx, userIds: string[], tickerIds: string[], now: string): Promise<Map<string, { unread: number; replies: number }>> {
  const out = new Map<string, { unread: number; replies: number }>();
  if (userIds.length === 0 || tickerIds.length === 0) return out;
  const [unread, replies] = await Promise.all([
    db
      .selectFrom('chat_members as cm')
      .innerJoin('messages as m', (j) =>
        j.onRef('m.ticker_id', '=', 'cm.ticker_id').onRef('m.seq', '>', 'cm.last_read_rev').on('m.status', '=', 'visible').onRef('m.author_id', '<>', 'cm.user_id'),
      )
      .select((eb) => ['cm.user_id', 'cm.ticker_id', eb.fn.count<number | string>('m.id').as('n')])
      .where('cm.user_id', 'in', userIds)
      .where('cm.ticker_id', 'in', tickerIds)
      .where(notBlocked)
      .groupBy(['cm.user_id', 'cm.ticker_id'])
      .execute(),
    db
      .selectFrom('chat_members as cm')
      .innerJoin('messages as m', (j) =>
        j
          .onRef('m.reply_to_author', '=', 'cm.user_id')
          .onRef('m.ticker_id', '=', 'cm.ticker_id')
          .onRef('m.seq', '>', 'cm.last_read_rev')
          .on('m.status', '=', 'visible')
          .onRef('m.author_id', '<>', 'cm.user_id'),
      )
      .leftJoin('users as u', 'u.id', 'm.author_id')
      .select((eb) => ['cm.user_id', 'cm.ticker_id', eb.fn.count<number | string>('m.id').as('n')])
      .where('cm.user_id', 'in', userIds)
      .where('cm.ticker_id', 'in', tickerIds)
      .where('u.banned_at', 'is', null)
      .where((eb) => eb.or([eb('u.muted_until', 'is', null), eb('u.muted_until', '<=', now)]))
      .where(notBlocked)
      .groupBy(['cm.user_id', 'cm.ticker_id'])
      .execute(),
  ]);
  for (const r of unread) out.set(pairKey(r.user_id, r.ticker_id), { unread: Number(r.n), replies: 0 });
  for (const r of replies) {
    const key = pairKey(r.user_id, r.ticker_id);
    out.set(key, { unread: out.get(key)?.unread ?? 0, replies: Number(r.n) });
  }
  return out;
}
export const countKey = pairKey;

/** A chat has messages its members' items do not show yet, up to `seq` (the sweep's work list). */
export async function markChatDirty(trx: Trx, tickerId: string, seq: number): Promise<void> {
  await trx
    .insertInto('inbox_dirty')
    .values({ ticker_id: tickerId, seq })
    .onConflict((oc) => oc.column('ticker_id').doUpdateSet({ seq: (eb) => eb.ref('excluded.seq') }))
    .execute();
}

/** Chats waiting for the sweep, oldest claim first is not kept: any order. */
export function dirtyChats(db: Db, limit: number): Promise<Array<{ ticker_id: string; seq: number }>> {
  return db.selectFrom('inbox_dirty').selectAll().limit(limit).execute();
}

/** Claims a dirty chat at `seq`: true when this transaction took it (nobody else, and no newer message since). */
export async function claimDirtyChat(trx: Trx, tickerId: string, seq: number): Promise<boolean> {
  const res = await trx.deleteFrom('inbox_dirty').where('ticker_id', '=', tickerId).where('seq', '=', seq).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Active members of a chat whose item shows less than `seq`, up to `limit`. */
export function staleMembers(db: Db | Trx, tickerId: string, seq: number, limit: number): Promise<ChatMembersTable[]> {
  return db.selectFrom('chat_members').selectAll().where('ticker_id', '=', tickerId).where('active', '=', 1).where('notified_rev', '<', seq).orderBy('user_id').limit(limit).execute();
}

/**
 * Active memberships that hold visible messages by `authorId` their reader has not read yet: one
 * reader's (`{ reader }`: whose unread count a block of that author, or its end, changes), or every
 * reader's unread replies from that author (`{ repliesOnly }`: whose `repliesToMe` a mute or ban of
 * that author, or its end, changes). In ticker, then user order.
 */
export function membersWithUnreadBy(db: Db | Trx, authorId: string, only: { reader: string } | { repliesOnly: true }): Promise<ChatMembersTable[]> {
  let q = db.selectFrom('chat_members as cm').selectAll('cm').where('cm.active', '=', 1).where('cm.user_id', '<>', authorId);
  if ('reader' in only) q = q.where('cm.user_id', '=', only.reader);
  return q
    .where((eb) => {
      let unread = eb
        .selectFrom('messages as m')
        .select('m.id')
        .where('m.author_id', '=', authorId)
        .whereRef('m.ticker_id', '=', 'cm.ticker_id')
        .whereRef('m.seq', '>', 'cm.last_read_rev')
        .where('m.status', '=', 'visible');
      if (!('reader' in only)) unread = unread.whereRef('m.reply_to_author', '=', 'cm.user_id');
      return eb.exists(unread);
    })
    .orderBy('cm.ticker_id')
    .orderBy('cm.user_id')
    .execute();
}


/**
 * How many of each reader's questions in each ticker were answered (by `countKey`): an inbox
 * item says so, and an answer sends the asker's item again (`inbox.updated`).
 */
export async function countAnswered(db: Db | Trx, userIds: string[], tickerIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (userIds.length === 0 || tickerIds.length === 0) return out;
  const rows = await db
    .selectFrom('questions')
    .select(['author_id', 'ticker_id', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
    .where('author_id', 'in', userIds)
    .where('ticker_id', 'in', tickerIds)
    .where('status', '=', 'answered')
    .groupBy(['author_id', 'ticker_id'])
    .execute();
  for (const r of rows) out.set(countKey(r.author_id, r.ticker_id), Number(r.n));
  return out;
}

/** Items whose wait is over (`due_at` ≤ `now`, ISO): the sweep sends them (see `changeItem`). */
export function dueMembers(db: Db, now: string, limit: number): Promise<Array<{ user_id: string; ticker_id: string }>> {
  return db.selectFrom('chat_members').select(['user_id', 'ticker_id']).where('due_at', 'is not', null).where('due_at', '<=', now).orderBy('due_at').limit(limit).execute();
}
