import { InboxQuery, MarkReadBody, userStream } from '@liveticker/schemas';
import type { InboxItem, InboxList, TickerStatus } from '@liveticker/schemas';
import { z } from 'zod';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { toMessage } from '../chat/messages.repo';
import { commit, ensureStream } from '../db/commit';
import type { Write } from '../db/commit';
import { decodeCursor, encodeCursor } from '../db/cursor';
import type { Db, Trx } from '../db/database';
import type { ChatMembersTable, MessagesTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { findTicker } from '../tickers/tickers.repo';
import { chatActivity, chatFacts, countAnswered, countKey, countUnread, findMember, insertMember, lastVisibleMessage, listMembers, markChatDirty, memberTiming, membersWithUnreadBy, updateMember } from './inbox.repo';
import type { MemberWithActivity } from './inbox.repo';

type Ctx = Pick<AppContext, 'db' | 'publisher'>;

/** The account whose inbox this is: a session or API token of a user (the ops key is nobody's). */
export function owner(actor: Actor | undefined): Actor {
  if (!actor?.sessionId) throw new AppError('login_required', 'log in to see your chats');
  return actor;
}

/** The items of one reader's memberships as `GET /me/chats` shows them, in the given order. */
export async function buildItems(db: Db | Trx, userId: string, members: MemberWithActivity[]): Promise<InboxItem[]> {
  if (members.length === 0) return [];
  const tickerIds = members.map((m) => m.ticker_id);
  const [facts, counts, lasts, answered] = await Promise.all([
    chatFacts(db, tickerIds),
    countUnread(db, [userId], tickerIds, new Date().toISOString()),
    Promise.all(tickerIds.map((id) => lastVisibleMessage(db, id))),
    countAnswered(db, [userId], tickerIds),
  ]);
  return members.map((m, i) => toItem(m, facts.get(m.ticker_id), counts.get(countKey(userId, m.ticker_id)), lasts[i], answered.get(countKey(userId, m.ticker_id))));
}

function toItem(
  m: MemberWithActivity,
  facts: { title: string; status: string; rev: number } | undefined,
  counts: { unread: number; replies: number } | undefined,
  last: MessagesTable | undefined,
  questionsAnswered?: number,
): InboxItem {
  return {
    id: m.ticker_id,
    tickerId: m.ticker_id,
    title: facts?.title ?? '',
    status: (facts?.status ?? 'ended') as TickerStatus,
    lastMessage: last ? toMessage(last) : null,
    unread: counts?.unread ?? 0,
    repliesToMe: counts?.replies ?? 0,
    lastReadRev: m.last_read_rev,
    rev: facts?.rev ?? 0,
    activeAt: m.active_at,
    ...(questionsAnswered && { questionsAnswered }),
  };
}

/** One membership's item as it stands in this transaction. */
async function itemOf(db: Db | Trx, member: ChatMembersTable): Promise<InboxItem> {
  const activeAt = (await chatActivity(db, member.ticker_id)) ?? member.joined_at;
  const [item] = await buildItems(db, member.user_id, [{ ...member, active_at: activeAt }]);
  return item;
}

const InboxCursor = z.object({ a: z.string().max(40), t: z.string().max(80) });

/** `GET /me/chats`: the reader's chats, newest activity first, a page at a time. */
export async function listInbox(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, query: unknown): Promise<InboxList> {
  const who = owner(actor);
  const q = parseInput(InboxQuery, query, 'query');
  const after = q.cursor ? decodeCursor(InboxCursor, q.cursor) : undefined;
  const rows = await listMembers(ctx.db, who.id, q.limit + 1, after && { at: after.a, tickerId: after.t });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: await buildItems(ctx.db, who.id, page),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ a: last.active_at, t: last.ticker_id }) : null,
  };
}

/** At most one `inbox.updated` per item in this time, ms ("at most once a second per item under load"). */
export const ITEM_GAP_MS = 1000;

/**
 * When an item last sent at `notifiedAt` may be sent again, if that is after `now`; else
 * undefined (it may go now). A wait already planned stays as planned.
 */
function holdUntil(notified: Pick<ChatMembersTable, 'notified_at' | 'due_at'> | undefined, now: number): string | undefined {
  if (!notified?.notified_at) return undefined;
  const next = Date.parse(notified.notified_at) + ITEM_GAP_MS;
  return next > now ? (notified.due_at ?? new Date(next).toISOString()) : undefined;
}

/**
 * Writes a membership's new state at the next revision of its reader's stream and records
 * `inbox.updated` with the item as it now stands (or `inbox.removed` when it left the inbox).
 * An item sent less than `ITEM_GAP_MS` ago is not sent again now: its state is stored, `due_at`
 * set, and the sweep sends it as it then stands (the last state always arrives, at most one a
 * second). Leaving is said at once.
 */
async function changeItem(w: Write, member: ChatMembersTable, set: Partial<ChatMembersTable>, chatRev: number): Promise<InboxItem> {
  const stream = userStream(member.user_id);
  await ensureStream(w.trx, stream);
  // The stream's lock first, the row's after, like every writer of user streams.
  await w.lock(stream);
  const notifiedRev = Math.max(member.notified_rev, chatRev);
  const now = Date.now();
  const active = set.active ?? member.active;
  const hold = active ? holdUntil(await memberTiming(w.trx, member.user_id, member.ticker_id), now) : undefined;
  if (hold) {
    await updateMember(w.trx, member.user_id, member.ticker_id, { ...set, notified_rev: notifiedRev, due_at: hold });
    return itemOf(w.trx, { ...member, ...set, notified_rev: notifiedRev });
  }
  const rev = await w.rev(stream);
  const next = { ...member, ...set, rev, notified_rev: notifiedRev };
  await updateMember(w.trx, member.user_id, member.ticker_id, { ...set, rev, notified_rev: next.notified_rev, notified_at: new Date(now).toISOString(), due_at: null });
  const item = await itemOf(w.trx, next);
  if (next.active) w.record(stream, { rev, type: 'inbox.updated', data: item });
  else w.record(stream, { rev, type: 'inbox.removed', data: { id: member.ticker_id, tickerId: member.ticker_id } });
  return item;
}

/**
 * The sweep's step for an item whose `due_at` has passed (`now`): sent as it stands, unless
 * another node sent it meanwhile. Resolves whether it was sent.
 */
export async function sendDueItem(w: Write, userId: string, tickerId: string, now: Date): Promise<boolean> {
  const stream = userStream(userId);
  await ensureStream(w.trx, stream);
  await w.lock(stream);
  const member = await findMember(w.trx, userId, tickerId);
  if (!member?.due_at || member.due_at > now.toISOString()) return false;
  if (!member.active) {
    await updateMember(w.trx, userId, tickerId, { due_at: null });
    return false;
  }
  const rev = await w.rev(stream);
  await updateMember(w.trx, userId, tickerId, { rev, notified_at: now.toISOString(), due_at: null });
  w.record(stream, { rev, type: 'inbox.updated', data: await itemOf(w.trx, { ...member, rev }) });
  return true;
}

/** The head of a chat's stream as this transaction sees it. */
async function chatHead(db: Db | Trx, tickerId: string): Promise<number> {
  return (await chatFacts(db, [tickerId])).get(tickerId)?.rev ?? 0;
}

/**
 * `PUT /me/chats/:tickerId/read`: the reader has read the chat up to `rev` (never backwards; a
 * rev beyond the chat's head is a 400). Marking a chat read that is not in the inbox joins it;
 * a chat the reader left stays out (a tab still open on it must not bring it back).
 */
export async function markRead(ctx: Ctx, actor: Actor | undefined, tickerId: string, body: unknown): Promise<InboxItem> {
  const who = owner(actor);
  const input = parseInput(MarkReadBody, body, 'read position');
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  return commit(ctx, async (w) => {
    const head = await chatHead(w.trx, tickerId);
    if (input.rev > head) throw new AppError('validation_failed', `the chat is at revision ${head}`, [{ path: 'rev', message: `beyond the chat's head (${head})` }]);
    let member = await findMember(w.trx, who.id, tickerId);
    if (!member) {
      member = { user_id: who.id, ticker_id: tickerId, last_read_rev: input.rev, active: 1, rev: 0, notified_rev: 0, joined_at: new Date().toISOString() };
      await insertMember(w.trx, member);
      return changeItem(w, member, {}, head);
    }
    if (input.rev <= member.last_read_rev || !member.active) {
      if (input.rev > member.last_read_rev) await updateMember(w.trx, who.id, tickerId, { last_read_rev: input.rev });
      return itemOf(w.trx, { ...member, last_read_rev: Math.max(member.last_read_rev, input.rev) });
    }
    return changeItem(w, member, { last_read_rev: input.rev }, head);
  });
}

/**
 * A logged-in reader follows a ticker (a push follow made with their session): its chat joins
 * their inbox, read up to the chat's head (nothing said before counts as unread). A chat they are
 * in already stays as it is, and one they left stays out (as a tab still open on it does): leaving
 * lasts until they write there again. Ending the follow later leaves the inbox alone (a chat they
 * wrote in must not go; they leave it themselves).
 */
export async function chatFollowed(ctx: Ctx, userId: string, tickerId: string): Promise<void> {
  await commit(ctx, async (w) => {
    if (await findMember(w.trx, userId, tickerId)) return;
    const head = await chatHead(w.trx, tickerId);
    const member = { user_id: userId, ticker_id: tickerId, last_read_rev: head, active: 1, rev: 0, notified_rev: 0, joined_at: new Date().toISOString() };
    await insertMember(w.trx, member);
    await changeItem(w, member, {}, head);
  });
}

/** `DELETE /me/chats/:tickerId`: the chat leaves the reader's inbox until they write there again. */
export async function leaveChat(ctx: Ctx, actor: Actor | undefined, tickerId: string): Promise<void> {
  const who = owner(actor);
  await commit(ctx, async (w) => {
    const member = await findMember(w.trx, who.id, tickerId);
    if (!member || !member.active) return;
    await changeItem(w, member, { active: 0 }, 0);
  });
}

/**
 * Inside the commit that stored a message: its author's chat is (again) in their inbox, and
 * when it is visible, what it means for others: the replied-to author's item at once, every
 * other member's in the sweep. The author's read position does not move on an active
 * membership; a new or returning member starts read up to the chat's head (a first message in
 * a busy chat brings no pile of unread).
 */
export async function messageWritten(w: Write, actor: Actor, row: MessagesTable): Promise<void> {
  if (!actor.sessionId) return; // the ops key writes as the newsroom, which has no inbox
  const visible = row.status === 'visible';
  const head = visible ? row.seq : await chatHead(w.trx, row.ticker_id);
  const member = await findMember(w.trx, actor.id, row.ticker_id);
  // Users' streams are taken in id order everywhere, so two replies crossing wait, never deadlock.
  const users = [...new Set([actor.id, ...(visible && row.reply_to_author ? [row.reply_to_author] : [])])].sort();
  for (const userId of users) {
    if (userId !== actor.id) {
      await replyChanged(w, userId, row.ticker_id, head);
    } else if (!member) {
      const fresh = { user_id: actor.id, ticker_id: row.ticker_id, last_read_rev: head, active: 1, rev: 0, notified_rev: 0, joined_at: row.created_at };
      await insertMember(w.trx, fresh);
      await changeItem(w, fresh, {}, head);
    } else {
      await changeItem(w, member, member.active ? {} : { active: 1, last_read_rev: Math.max(member.last_read_rev, head) }, head);
    }
  }
  // Last in the transaction, as the sweep claims it last: the two never wait for each other in a circle.
  if (visible) await markChatDirty(w.trx, row.ticker_id, head);
}

/** A held message became visible (approved): the replied-to author's count, and everyone's unread. */
export async function messageVisible(w: Write, row: MessagesTable, chatRev: number): Promise<void> {
  if (row.reply_to_author && row.reply_to_author !== row.author_id) await replyChanged(w, row.reply_to_author, row.ticker_id, chatRev);
  await markChatDirty(w.trx, row.ticker_id, chatRev);
}

/** A visible message was deleted or edited: a reply stops counting at once, the rest in the sweep. */
export async function messageChanged(w: Write, row: MessagesTable, chatRev: number): Promise<void> {
  if (row.reply_to_author && row.reply_to_author !== row.author_id) await replyChanged(w, row.reply_to_author, row.ticker_id, chatRev);
  await markChatDirty(w.trx, row.ticker_id, chatRev);
}

/** The replied-to author's item, when the chat is in their inbox. */
async function replyChanged(w: Write, userId: string, tickerId: string, chatRev: number): Promise<void> {
  const member = await findMember(w.trx, userId, tickerId);
  if (member?.active) await changeItem(w, member, {}, chatRev);
}

/**
 * The sweep's step for members of one chat whose items are behind (see inbox.sweep.ts): what
 * the chat shows (title, head, last message, activity) is read once, the counts of all of them
 * in one grouped query, then each item is written at its reader's next revision, in user-id
 * order like every writer of user streams.
 */
export async function refreshItems(w: Write, tickerId: string, members: ChatMembersTable[], chatRev: number): Promise<void> {
  if (members.length === 0) return;
  const [facts, last, activity, counts, answered] = await Promise.all([
    chatFacts(w.trx, [tickerId]),
    lastVisibleMessage(w.trx, tickerId),
    chatActivity(w.trx, tickerId),
    countUnread(
      w.trx,
      members.map((m) => m.user_id),
      [tickerId],
      new Date().toISOString(),
    ),
    countAnswered(
      w.trx,
      members.map((m) => m.user_id),
      [tickerId],
    ),
  ]);
  const now = Date.now();
  for (const member of [...members].sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0))) {
    const stream = userStream(member.user_id);
    await ensureStream(w.trx, stream);
    await w.lock(stream);
    const notified = Math.max(member.notified_rev, chatRev);
    // Sent less than a second ago: it goes when that second is over (sendDueItem), as it then stands.
    const hold = holdUntil(await memberTiming(w.trx, member.user_id, tickerId), now);
    if (hold) {
      await updateMember(w.trx, member.user_id, tickerId, { notified_rev: notified, due_at: hold });
      continue;
    }
    const rev = await w.rev(stream);
    await updateMember(w.trx, member.user_id, tickerId, { rev, notified_rev: notified, notified_at: new Date(now).toISOString(), due_at: null });
    const item = toItem(
      { ...member, rev, notified_rev: notified, active_at: activity ?? member.joined_at },
      facts.get(tickerId),
      counts.get(countKey(member.user_id, tickerId)),
      last,
      answered.get(countKey(member.user_id, tickerId)),
    );
    w.record(stream, { rev, type: 'inbox.updated', data: item });
  }
}

/**
 * A user was muted, banned or let go again: their unread replies stop (or start again) counting in
 * the inboxes of those they answered, and those readers' items say so at once. (A mute that runs
 * out by itself changes the count from then on, in the next item its reader gets.)
 */
export async function authorRestricted(w: Write, authorId: string): Promise<void> {
  const byTicker = new Map<string, ChatMembersTable[]>();
  for (const m of await membersWithUnreadBy(w.trx, authorId, { repliesOnly: true })) byTicker.set(m.ticker_id, [...(byTicker.get(m.ticker_id) ?? []), m]);
  // Tickers in id order, members in user-id order (refreshItems): writers of user streams never wait in a circle.
  for (const tickerId of [...byTicker.keys()].sort()) await refreshItems(w, tickerId, byTicker.get(tickerId)!, 0);
}


/**
 * A reader's question in a ticker was answered: their item of that chat moves (`inbox.updated`
 * on `user:<id>`, its `questionsAnswered` one more), when the chat is in their inbox; their
 * questions list says it always. Called after the question's row says `answered`.
 */
export async function questionAnswered(w: Write, userId: string, tickerId: string): Promise<void> {
  const member = await findMember(w.trx, userId, tickerId);
  if (member?.active) await changeItem(w, member, {}, 0);
}
