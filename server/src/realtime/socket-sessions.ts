import type { Server as IoServer, Socket } from 'socket.io';
import { SOCKET_EVENTS } from '@liveticker/schemas';
import type { Actor } from '../auth/actor';
import { hasRole, withholdStaffRole } from '../auth/actor';
import type { ActorResolver } from '../auth/resolve';
import type { Logger } from '../logger';

/** What the server keeps on each socket. */
export interface SocketData {
  actor?: Actor;
  /** The credential the socket authenticated with, to re-check its session later. */
  token?: string;
  /** When the session was last checked against the database, ms since the epoch. */
  checkedAt?: number;
  /**
   * Why the socket's staff role is kept back: it logged in with the session cookie from a page
   * other than the newsroom's own. Every re-check applies it again.
   */
  staffWithheld?: string;
}

/** Longest time an open socket goes without its session being checked again, ms. */
export const SESSION_RECHECK_MS = 60_000;
/** How often the node looks for sockets due a re-check, ms. */
const SWEEP_MS = 10_000;
/** Re-checks running at once in a sweep, so a node with many logged-in readers stays calm. */
const SWEEP_CONCURRENCY = 8;

/**
 * Keeps every authenticated socket's actor true to the database: a session that ended (logout,
 * expiry, ban, password change) ends the socket's login, a verification or role change takes
 * effect on the open socket. Checked on every write command, at least every 60 s, and for every
 * socket after the bus was down (a `sessions.ended` message may have been lost meanwhile).
 * A socket whose session ended is told why and cut off; the SDK reconnects it as an anonymous
 * reader, so reading never depends on the login.
 */
export class SocketSessions {
  readonly name = 'socket sessions';
  private timer?: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(private readonly opts: { io: IoServer; actors: ActorResolver; logger: Logger; recheckMs?: number }) {
    this.log = opts.logger.child({ module: 'socket-sessions' });
  }

  start(): void {
    const every = Math.min(SWEEP_MS, this.opts.recheckMs ?? SESSION_RECHECK_MS);
    this.timer = setInterval(() => void this.recheckDue(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private *authenticated(): Iterable<Socket> {
    for (const socket of this.opts.io.of('/').sockets.values()) if ((socket.data as SocketData).actor) yield socket;
  }

  /** Cuts off the local sockets of ended sessions (all of a user's, or the given ones). */
  endLocal(userId: string, sessionIds: string[] | undefined, reason: string): void {
    for (const socket of this.authenticated()) {
      const actor = (socket.data as SocketData).actor!;
      if (actor.id !== userId) continue;
      if (sessionIds && (!actor.sessionId || !sessionIds.includes(actor.sessionId))) continue;
      this.end(socket, reason);
    }
  }

  private end(socket: Socket, reason: string): void {
    const data = socket.data as SocketData;
    data.actor = undefined;
    data.token = undefined;
    socket.emit(SOCKET_EVENTS.sessionEnded, { reason });
    socket.disconnect(true);
  }

  /**
   * The socket's actor as the database has it now; undefined (and the socket cut off) when its
   * session has ended. Anonymous sockets stay anonymous.
   */
  async current(socket: Socket): Promise<Actor | undefined> {
    const data = socket.data as SocketData;
    if (!data.actor || !data.token) return data.actor;
    const before = data.actor;
    const now = await this.opts.actors.fromToken(data.token);
    data.checkedAt = Date.now();
    if (!socket.connected || data.actor !== before) return data.actor; // changed meanwhile
    if (!now) {
      this.end(socket, 'session_ended');
      return undefined;
    }
    data.actor = data.staffWithheld ? withholdStaffRole(now, data.staffWithheld) : now;
    // The moderation streams are for moderators only (a demotion, or a join that raced one).
    if (!hasRole(data.actor, 'moderator')) for (const room of socket.rooms) if (room.startsWith('mod:')) void socket.leave(room);
    return data.actor;
  }

  private async recheck(sockets: Socket[]): Promise<void> {
    let i = 0;
    const worker = async () => {
      while (i < sockets.length) {
        const socket = sockets[i++];
        await this.current(socket).catch((err: unknown) => this.log.warn({ err }, 'session re-check failed; next sweep tries again'));
      }
    };
    await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
  }

  private async recheckDue(): Promise<void> {
    const due = Date.now() - (this.opts.recheckMs ?? SESSION_RECHECK_MS);
    await this.recheck([...this.authenticated()].filter((s) => ((s.data as SocketData).checkedAt ?? 0) <= due));
  }

  /** A user's sockets, now (their rights changed). */
  recheckUser(userId: string): Promise<void> {
    return this.recheck([...this.authenticated()].filter((s) => (s.data as SocketData).actor?.id === userId));
  }

  /** Every authenticated socket, now (after the bus was down). */
  recheckAll(): Promise<void> {
    const all = [...this.authenticated()];
    if (all.length) this.log.info({ sockets: all.length }, 'bus back: re-checking the sessions of open sockets');
    return this.recheck(all);
  }
}
