import { BanBody, MuteBody, ReportBody, ResolveReportBody, chatStream, modStream } from '@liveticker/schemas';
import type { Message, ModeratedUser, ModerationAction, Report } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { restrictUser } from '../auth/restrictions';
import { newId } from '../db/ids';
import { findUserById, toModeratedUser } from '../auth/users.repo';
import { headRev } from '../db/database';
import type { Trx } from '../db/database';
import { commit } from '../db/commit';
import { AppError, parseInput } from '../errors';
import { findTicker, tickerExists } from '../tickers/tickers.repo';
import { deleteMessageIn } from './chat.service';
import { findMessage, findMessages, heldMessages, toMessage, updateMessage } from './messages.repo';
import { findOpenReport, hasReported, insertReport, openReports, resolveOpenReport, toReport } from './reports.repo';
import { listActions, logAction } from './moderation.log';
import { messageVisible } from '../inbox/inbox.service';

type Ctx = Pick<AppContext, 'db' | 'publisher'>;

/** The held message a moderator decides on, or `not_found`. */
async function findHeld(trx: Trx, id: string) {
  const row = await findMessage(trx, id);
  if (!row || row.status !== 'pending') throw new AppError('not_found', `no held message ${id}`);
  return row;
}

/** Approves a held message: it enters the chat (a chat revision) and leaves the queue. */
export async function approveMessage(ctx: Ctx, actor: Actor | undefined, id: string): Promise<Message> {
  const who = requireRole(actor, 'moderator');
  return commit(ctx, async (w) => {
    const trx = w.trx;
    const row = await findHeld(trx, id);
    // Streams are locked in one order everywhere: chat before mod.
    const rev = await w.rev(chatStream(row.ticker_id));
    const modRev = await w.rev(modStream(row.ticker_id));
    const updated = await updateMessage(trx, id, { status: 'visible', seq: rev, rev, mod_rev: modRev, updated_at: new Date().toISOString() });
    w.record(chatStream(row.ticker_id), { rev, type: 'message.created', data: toMessage(updated) });
    w.record(modStream(row.ticker_id), { rev: modRev, type: 'message.updated', data: toMessage(updated, { forModerators: true }) });
    await messageVisible(w, updated, rev);
    await logAction(trx, who, { tickerId: row.ticker_id, action: 'message.approve', targetType: 'message', targetId: id });
    return toMessage(updated);
  });
}

export async function rejectMessage(ctx: Ctx, actor: Actor | undefined, id: string): Promise<Message> {
  const who = requireRole(actor, 'moderator');
  return commit(ctx, async (w) => {
    const row = await findHeld(w.trx, id);
    const updated = await updateMessage(w.trx, id, { status: 'rejected', mod_rev: await w.rev(modStream(row.ticker_id)), updated_at: new Date().toISOString() });
    w.record(modStream(row.ticker_id), { rev: updated.mod_rev, type: 'message.updated', data: toMessage(updated, { forModerators: true }) });
    await logAction(w.trx, who, { tickerId: row.ticker_id, action: 'message.reject', targetType: 'message', targetId: id, details: { body: row.body } });
    return toMessage(updated);
  });
}

/** A verified reader reports a visible message once; moderators see it live on `mod:<id>`. */
export async function reportMessage(ctx: Ctx, actor: Actor | undefined, messageId: string, body: unknown): Promise<Report> {
  const who = requireRole(actor, 'reader');
  const input = parseInput(ReportBody, body, 'report');
  return commit(ctx, async (w) => {
    const trx = w.trx;
    const msg = await findMessage(trx, messageId);
    if (!msg || msg.status !== 'visible') throw new AppError('not_found', `no message ${messageId}`);
    if (await hasReported(trx, messageId, who.id)) throw new AppError('conflict', 'you already reported this message');
    const modRev = await w.rev(modStream(msg.ticker_id));
    const row = {
      id: newId(),
      message_id: messageId,
      ticker_id: msg.ticker_id,
      reporter_id: who.id,
      reporter_name: who.displayName,
      reason: input.reason,
      note: input.note || null,
      mod_rev: modRev,
      created_at: new Date().toISOString(),
      resolved_at: null,
      resolved_by: null,
      resolution: null,
    };
    await insertReport(trx, row);
    const report = toReport(row);
    w.record(modStream(msg.ticker_id), { rev: modRev, type: 'report.created', data: { ...report, message: toMessage(msg) } });
    return report;
  });
}

export async function resolveReport(ctx: Ctx, actor: Actor | undefined, id: string, body: unknown): Promise<Report> {
  const who = requireRole(actor, 'moderator');
  const input = parseInput(ResolveReportBody, body, 'resolution');
  // One transaction: the report is claimed by a conditional update (two moderators acting at
  // once: one wins, the other gets not_found) and the message goes with it, or nothing happens.
  return commit(ctx, async (w) => {
    const trx = w.trx;
    const report = await findOpenReport(trx, id);
    if (!report) throw new AppError('not_found', `no open report ${id}`);
    // Streams are locked in one order everywhere (chat before mod, as approving does), so two
    // moderators acting at once wait for each other instead of deadlocking.
    if (input.action === 'delete') {
      const msg = await findMessage(trx, report.message_id);
      if (msg && msg.status !== 'deleted' && msg.status !== 'rejected') await deleteMessageIn(w, who, report.message_id);
    }
    const modRev = await w.rev(modStream(report.ticker_id));
    const row = await resolveOpenReport(trx, id, { resolved_at: new Date().toISOString(), resolved_by: who.id, resolution: input.action === 'delete' ? 'deleted' : 'dismissed', mod_rev: modRev });
    if (!row) throw new AppError('not_found', `no open report ${id}`); // the other moderator won: roll back
    w.record(modStream(report.ticker_id), { rev: modRev, type: 'report.resolved', data: toReport(row) });
    await logAction(trx, who, { tickerId: report.ticker_id, action: `report.${input.action}`, targetType: 'report', targetId: id });
    return toReport(row);
  });
}

/** What waits for a moderator: held messages and open reports, oldest first. */
export async function moderationQueue(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, tickerId: string) {
  requireRole(actor, 'moderator');
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  const [held, reports] = await Promise.all([heldMessages(ctx.db, tickerId, 500), openReports(ctx.db, tickerId, 500)]);
  const head = await headRev(ctx.db, modStream(tickerId));
  // Each report with the message it is about, as the live `report.created` carries it.
  const reported = await findMessages(ctx.db, [...new Set(reports.map((r) => r.message_id))]);
  const byId = new Map(reported.map((m) => [m.id, toMessage(m, { forModerators: true })]));
  return {
    rev: head ?? 0,
    held: held.map((m) => toMessage(m, { forModerators: true })),
    reports: reports.map((r) => ({ ...toReport(r), message: byId.get(r.message_id) ?? null })),
  };
}

export async function moderationLog(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, tickerId: string): Promise<{ items: ModerationAction[]; nextCursor: null }> {
  requireRole(actor, 'moderator');
  return { items: await listActions(ctx.db, tickerId, 200), nextCursor: null };
}

/** The ticker whose log a user action goes into (the room it was taken from), checked to exist. */
async function loggedIn(db: AppContext['db'], tickerId: string | undefined): Promise<string | null> {
  if (tickerId === undefined) return null;
  if (!(await tickerExists(db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  return tickerId;
}

/** Mutes a user for a time; their sends get `muted` until then. Answers without the address. */
export async function muteUser(ctx: Pick<AppContext, 'db' | 'publisher'>, actor: Actor | undefined, userId: string, body: unknown): Promise<ModeratedUser> {
  const who = requireRole(actor, 'moderator');
  const input = parseInput(MuteBody, body, 'mute');
  const target = await findUserById(ctx.db, userId);
  if (!target) throw new AppError('not_found', `no user ${userId}`);
  if (target.role !== 'reader' && who.role !== 'admin') throw new AppError('forbidden', 'only admins mute staff');
  const until = new Date(Date.now() + input.minutes * 60_000).toISOString();
  const tickerId = await loggedIn(ctx.db, input.tickerId);
  await commit(ctx, (w) => restrictUser(w, who, target, { mutedUntil: until, tickerId, reason: input.reason }));
  return toModeratedUser((await findUserById(ctx.db, userId))!);
}

/** Bans a user: sessions revoked, open sockets on every node cut off at once. Answers without the address. */
export async function banUser(ctx: Pick<AppContext, 'db' | 'publisher' | 'endSessions'>, actor: Actor | undefined, userId: string, body: unknown): Promise<ModeratedUser> {
  const who = requireRole(actor, 'moderator');
  const input = parseInput(BanBody, body, 'ban');
  const target = await findUserById(ctx.db, userId);
  if (!target) throw new AppError('not_found', `no user ${userId}`);
  if (target.role !== 'reader' && who.role !== 'admin') throw new AppError('forbidden', 'only admins ban staff');
  const tickerId = await loggedIn(ctx.db, input.tickerId);
  const ended = await commit(ctx, (w) => restrictUser(w, who, target, { banned: true, tickerId, reason: input.reason }));
  ctx.endSessions(userId, ended, 'banned');
  return toModeratedUser((await findUserById(ctx.db, userId))!);
}
