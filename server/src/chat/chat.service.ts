import { ChatSendCmd, EditMessageBody, PageQuery, chatStream, modStream } from '@liveticker/schemas';
import type { Message, MessageList } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { hasRole } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { newId } from '../db/ids';
import { commit } from '../db/commit';
import type { Write } from '../db/commit';
import { seqPage } from '../db/cursor';
import { containsWord } from '../text/skeleton';
import { AppError, parseInput } from '../errors';
import { findTicker } from '../tickers/tickers.repo';
import { findRestrictions } from '../auth/users.repo';
import { findByClientId, findMessage, insertMessage, listMessages, listPinnedMessages, sentSince, toMessage, updateMessage } from './messages.repo';
import { logAction } from './moderation.log';
import { chatSettings } from './settings';
import type { MessagesTable } from '../db/tables';
import { messageChanged, messageWritten } from '../inbox/inbox.service';

type Ctx = Pick<AppContext, 'db' | 'publisher' | 'limiters'>;

export async function listMessagesPage(ctx: Pick<AppContext, 'db'>, tickerId: string, query: unknown): Promise<MessageList> {
  const q = parseInput(PageQuery, query, 'query');
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  const page = await seqPage(q, (afterSeq, limit) => listMessages(ctx.db, { tickerId, order: q.order, limit, afterSeq }));
  return { ...page, pinned: q.cursor ? [] : await listPinnedMessages(ctx.db, tickerId) };
}

/**
 * Posts a chat message: validate → who may post → idempotency → slow mode and rate limits →
 * duplicates, banned and watch words → store with a revision → publish. Refusals carry their
 * own code so a widget can say the right sentence.
 */
export async function sendMessage(ctx: Ctx, actor: Actor | undefined, payload: unknown): Promise<Message> {
  const cmd = parseInput(ChatSendCmd, payload, 'message');
  const who = requireRole(actor, 'reader');
  const user = await findRestrictions(ctx.db, who.id);
  if (user?.banned_at) throw new AppError('banned', 'you are banned from the discussion');
  if (user?.muted_until && user.muted_until > new Date().toISOString()) {
    throw new AppError('muted', 'you are muted for now', { until: user.muted_until });
  }
  const ticker = await findTicker(ctx.db, cmd.tickerId);
  if (!ticker) throw new AppError('not_found', `no ticker ${cmd.tickerId}`);
  if (ticker.chat.mode === 'closed') throw new AppError('room_closed', 'the discussion is closed');

  // A retry (same clientId) gets the first message back, before any limit counts it again.
  const existing = await findByClientId(ctx.db, cmd.tickerId, who.id, cmd.clientId);
  if (existing) return toMessage(existing);

  const settings = await chatSettings(ctx.db, cmd.tickerId);
  const staff = hasRole(who, 'moderator') || hasRole(who, 'editor');
  if (!staff) {
    try {
      const key = `${cmd.tickerId}:${who.id}`;
      if (settings.slowModeSeconds > 0) {
        await ctx.limiters
          .consume(`chat-slow-${settings.slowModeSeconds}`, key, { points: 1, duration: settings.slowModeSeconds })
          .catch((err: unknown) => {
            if (!(err instanceof AppError) || err.code !== 'rate_limited') throw err;
            throw new AppError('slow_mode', `slow mode: one message every ${settings.slowModeSeconds} s`, err.details);
          });
      }
      await ctx.limiters.consume(`chat-burst-${settings.rateLimit.burst}`, key, { points: settings.rateLimit.burst, duration: 10 });
      await ctx.limiters.consume(`chat-minute-${settings.rateLimit.perMinute}`, key, { points: settings.rateLimit.perMinute, duration: 60 });
      if (settings.duplicateWindowSeconds > 0) {
        const since = new Date(Date.now() - settings.duplicateWindowSeconds * 1000).toISOString();
        if (await sentSince(ctx.db, { tickerId: cmd.tickerId, authorId: who.id, body: cmd.body, since })) throw new AppError('message_rejected', 'you just sent the same message', { reason: 'duplicate' });
      }
      if (containsWord(cmd.body, settings.bannedWords)) {
        throw new AppError('message_rejected', 'the message contains a word that is not allowed here', { reason: 'banned_word' });
      }
    } catch (err) {
      // A retry that raced its first try past the lookup above, refused for what that try counted
      // or wrote (the duplicate, a limit), gets the first message back (found by the chaos soak).
      const first = await findByClientId(ctx.db, cmd.tickerId, who.id, cmd.clientId);
      if (first) return toMessage(first);
      throw err;
    }
  }
  const hold = staff
    ? null
    : settings.mode === 'premoderated'
      ? ('premoderation' as const)
      : containsWord(cmd.body, settings.watchWords)
        ? ('watch_word' as const)
        : null;

  try {
    return await commit(ctx, async (w) => {
      let replyToAuthor: string | null = null;
      if (cmd.replyTo) {
        const parent = await findMessage(w.trx, cmd.replyTo);
        if (!parent || parent.ticker_id !== cmd.tickerId || parent.seq === 0) {
          throw new AppError('validation_failed', 'replyTo must be a message of this room', [{ path: 'replyTo', message: 'unknown message' }]);
        }
        replyToAuthor = parent.author_id;
      }
      const now = new Date().toISOString();
      const stream = hold ? modStream(cmd.tickerId) : chatStream(cmd.tickerId);
      const rev = await w.rev(stream);
      const row = {
        id: newId(),
        ticker_id: cmd.tickerId,
        seq: hold ? 0 : rev,
        rev: hold ? 0 : rev,
        mod_rev: hold ? rev : 0,
        author_id: who.id,
        author_name: who.displayName,
        body: cmd.body,
        reply_to: cmd.replyTo ?? null,
        reply_to_author: replyToAuthor,
        status: hold ? ('pending' as const) : ('visible' as const),
        hold_reason: hold,
        pinned: 0,
        client_id: cmd.clientId,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      };
      await insertMessage(w.trx, row);
      w.record(stream, { rev, type: 'message.created', data: toMessage(row, { forModerators: Boolean(hold) }) });
      await messageWritten(w, who, row);
      return toMessage(row);
    });
  } catch (err) {
    // Two retries raced past the lookup: the unique (room, author, clientId) index kept one.
    const first = await findByClientId(ctx.db, cmd.tickerId, who.id, cmd.clientId);
    if (first) return toMessage(first);
    throw err;
  }
}

/** Authors delete their own messages, moderators any; readers then see a tombstone. */
export async function deleteMessage(ctx: Pick<AppContext, 'db' | 'publisher'>, actor: Actor | undefined, id: string): Promise<Message> {
  const who = requireRole(actor, 'reader');
  return commit(ctx, (w) => deleteMessageIn(w, who, id));
}

/** Deletes a message inside the caller's commit (a report resolution deletes in its own). */
export async function deleteMessageIn(w: Write, who: Actor, id: string): Promise<Message> {
  const trx = w.trx;
  const row = await findMessage(trx, id);
  if (!row || row.status === 'deleted' || row.status === 'rejected') throw new AppError('not_found', `no message ${id}`);
  const moderator = hasRole(who, 'moderator');
  if (row.author_id !== who.id && !moderator) throw new AppError('forbidden', 'you can delete only your own messages');
  const now = new Date().toISOString();
  const wasHeld = row.status === 'pending';
  const rev = wasHeld ? row.rev : await w.rev(chatStream(row.ticker_id));
  const modRev = wasHeld ? await w.rev(modStream(row.ticker_id)) : row.mod_rev;
  const updated = await updateMessage(trx, id, { status: 'deleted', pinned: 0, rev, mod_rev: modRev, deleted_at: now, updated_at: now });
  if (wasHeld) w.record(modStream(row.ticker_id), { rev: modRev, type: 'message.updated', data: toMessage(updated, { forModerators: true }) });
  else {
    w.record(chatStream(row.ticker_id), { rev, type: 'message.deleted', data: toMessage(updated) });
    // A deleted reply stops counting for the one it answered; every member's unread moves.
    await messageChanged(w, updated, rev);
  }
  if (row.author_id !== who.id) {
    await logAction(trx, who, { tickerId: row.ticker_id, action: 'message.delete', targetType: 'message', targetId: id, details: { author: row.author_id, body: row.body } });
  }
  return toMessage(updated);
}

/** Moderators edit a message's text (e.g. to remove a phone number); readers get `message.updated`. */
export async function editMessage(ctx: Pick<AppContext, 'db' | 'publisher'>, actor: Actor | undefined, id: string, body: unknown): Promise<Message> {
  const who = requireRole(actor, 'moderator');
  const input = parseInput(EditMessageBody, body, 'message');
  return commit(ctx, async (w) => {
    const row = await findMessage(w.trx, id);
    if (!row || row.status !== 'visible') throw new AppError('not_found', `no visible message ${id}`);
    let stored: MessagesTable | undefined;
    const updated = await w.change(chatStream(row.ticker_id), 'message.updated', async (rev) =>
      toMessage((stored = await updateMessage(w.trx, id, { body: input.body, rev, updated_at: new Date().toISOString() }))),
    );
    // The chat's last message as inboxes show it may be this one.
    if (stored) await messageChanged(w, stored, updated.rev);
    await logAction(w.trx, who, { tickerId: row.ticker_id, action: 'message.edit', targetType: 'message', targetId: id, details: { before: row.body, after: input.body } });
    return updated.data;
  });
}
