import type { Write } from '../db/commit';
import type { UsersTable } from '../db/tables';
import { logAction } from '../chat/moderation.log';
import { authorRestricted } from '../inbox/inbox.service';
import type { Actor } from './actor';
import { revokeSessions } from './sessions';
import { updateUser } from './users.repo';

/** A change of what a user may do: banned or not, muted until a time or not. */
export interface Restriction {
  banned?: boolean;
  /** ISO time; null ends a mute. */
  mutedUntil?: string | null;
  /** The room the action was taken from (its moderation log), or null (the users page). */
  tickerId: string | null;
  reason?: string;
}

/**
 * The one way a user is muted, banned or let go again, whoever does it (a moderator in a room,
 * an admin on the users page): the user's row, the end of their sessions when banned, and a
 * moderation log entry for each action, and the inbox items of the readers their replies answered
 * are written in the caller's commit, together or not at all. Resolves the sessions a ban ended;
 * the caller cuts their sockets once it has committed.
 */
export async function restrictUser(w: Write, who: Actor, target: UsersTable, change: Restriction): Promise<string[]> {
  const trx = w.trx;
  const now = new Date().toISOString();
  const lifting = change.banned === false && Boolean(target.banned_at);
  const muting = change.mutedUntil !== undefined && change.mutedUntil !== null;
  const unmuting = change.mutedUntil === null && target.muted_until !== null;
  await updateUser(trx, target.id, {
    ...(change.banned !== undefined && { banned_at: change.banned ? (target.banned_at ?? now) : null }),
    ...(change.mutedUntil !== undefined && { muted_until: change.mutedUntil }),
    updated_at: now,
  });
  const log = (action: string, details: object) =>
    logAction(trx, who, { tickerId: change.tickerId, action, targetType: 'user', targetId: target.id, details: { ...details, name: target.display_name } });
  if (muting) await log('user.mute', { until: change.mutedUntil, reason: change.reason });
  if (unmuting) await log('user.unmute', {});
  if (lifting) await log('user.unban', {});
  // A ban said again still ends every session (one may have been made since) and is logged again.
  if (change.banned === true) await log('user.ban', { reason: change.reason });
  if (muting || unmuting || lifting || change.banned === true) await authorRestricted(w, target.id);
  return change.banned ? revokeSessions(trx, target.id) : [];
}
