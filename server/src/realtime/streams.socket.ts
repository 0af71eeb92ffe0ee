import type { Socket } from 'socket.io';
import { SOCKET_EVENTS, SubscribeCmd, UnsubscribeCmd, parseStream } from '@liveticker/schemas';
import type { StreamName } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { hasRole } from '../auth/actor';
import type { Actor } from '../auth/actor';
import { AppError, parseInput } from '../errors';
import { readCost } from '../http/app';
import { changesBody } from './changelog';
import { ensureStream } from '../db/commit';
import type { ChangesSince } from './changelog';
import { Encoded } from './encoded';
import type { Fanout } from './fanout';
import type { CommandHandler } from './sockets';
import type { SocketData, SocketSessions } from './socket-sessions';
import type { GuardedData } from './socket-guard';

/** Who may follow a staff stream: `mod:` moderators; `questions:` the desk (editors and moderators, verified). */
function staffFor(kind: string, actor: Actor): boolean {
  if (kind === 'mod') return hasRole(actor, 'moderator');
  return actor.emailVerified && (hasRole(actor, 'editor') || hasRole(actor, 'moderator'));
}
const refusal = (kind: string) => (kind === 'mod' ? 'the moderation stream is for moderators' : "a ticker's questions stream is for its desk (editors and moderators)");

/** Streams one socket may follow at once. */
const MAX_SUBSCRIPTIONS = 50;

/** The ack of a resume the fan-out answered, as JSON once for every socket that gets the same answer. */
const encodedAnswers = new WeakMap<ChangesSince, Encoded>();
function encodedAnswer(got: ChangesSince): Encoded {
  let encoded = encodedAnswers.get(got);
  if (!encoded) encodedAnswers.set(got, (encoded = new Encoded(JSON.stringify({ ok: true, ...changesBody(got) }))));
  return encoded;
}

/**
 * `subscribe` and `unsubscribe`: a socket follows a stream (joins its room) and gets the changes
 * since the position it holds (from the fan-out's recent changes, else the database), each
 * acknowledged; catch-ups are charged to the address's read budget by their size.
 */
export function streamSocketHandlers(
  ctx: Pick<AppContext, 'changeLog' | 'metrics' | 'config' | 'limiters' | 'db'>,
  fanout: Fanout,
  sessions: SocketSessions,
): Record<string, CommandHandler> {
  /** The answer of a subscribe once the socket is in the room: the catch-up, or the head. */
  async function answerSubscribe(socket: Socket, cmd: SubscribeCmd, kind: string, charge: (got: { bytes?: number }) => Promise<void>): Promise<object> {
    if (kind === 'mod' || kind === 'questions') {
      // A demotion checked while this subscribe waited must not leave the socket in the room.
      const now = (socket.data as SocketData).actor;
      if (!now || !staffFor(kind, now)) {
        await socket.leave(cmd.stream);
        throw new AppError('forbidden', refusal(kind));
      }
    }
    const cached = fanout.recentSince(cmd.stream, cmd.since, cmd.epoch);
    if (cached) {
      await charge(cached);
      return encodedAnswer(cached);
    }
    if (cmd.since === undefined) {
      const pos = await ctx.changeLog.position(cmd.stream);
      if (!pos) throw new AppError('unknown_stream', `no stream ${cmd.stream}`);
      return { rev: pos.rev, epoch: pos.epoch, changes: [] };
    }
    ctx.metrics.catchUps.inc({ source: 'database' });
    const got = await ctx.changeLog.since(cmd.stream, cmd.since, cmd.epoch);
    if (!got) throw new AppError('unknown_stream', `no stream ${cmd.stream}`);
    await charge(got);
    return changesBody(got);
  }

  return {
    [SOCKET_EVENTS.subscribe]: async (socket, payload) => {
      const cmd = parseInput(SubscribeCmd, payload, 'subscribe');
      const { kind, tickerId } = parseStream(cmd.stream);
      // The staff's streams check the session as it stands now (a demoted moderator is out).
      const staffOnly = kind === 'mod' || kind === 'questions';
      const actor = staffOnly ? await sessions.current(socket) : (socket.data as SocketData).actor;
      if (staffOnly && !(actor && staffFor(kind, actor))) throw new AppError('forbidden', refusal(kind));
      if (kind === 'user') {
        // A reader's inbox: theirs alone (the ops key is nobody's account).
        if (!actor?.sessionId) throw new AppError('login_required', 'log in to follow your chats');
        if (actor.id !== tickerId) throw new AppError('forbidden', 'a user stream is for its user only');
        // Made when its reader first follows it, so a new reader's stream answers at revision 0.
        if (!fanout.relays(cmd.stream)) await ensureStream(ctx.db, cmd.stream as StreamName);
      }
      // Its own room and the editors' desks (`desk:`, see desk.ts) are no streams.
      const streams = [...socket.rooms].filter((room) => room !== socket.id && !room.startsWith('desk:')).length;
      if (!socket.rooms.has(cmd.stream) && streams >= MAX_SUBSCRIPTIONS) {
        throw new AppError('forbidden', `a socket follows at most ${MAX_SUBSCRIPTIONS} streams`);
      }
      // A catch-up is what a history flood is made of: counted per address by its size, against
      // the same budget as REST reads (READ_RATE_LIMIT; staff are not counted).
      const spec = { points: ctx.config.readRateLimit, duration: 60 };
      const ipKey = (socket.data as GuardedData).ipKey ?? 'unknown';
      // A catch-up, or a stream this node does not relay (its lookup is a database query).
      const counted = (cmd.since !== undefined || !fanout.relays(cmd.stream)) && spec.points > 0 && !(actor && actor.role !== 'reader');
      if (counted) await ctx.limiters.consume('readIp', ipKey, spec, 1);
      const charge = async (got: { bytes?: number }) => {
        const extra = readCost(got.bytes ?? 0) - 1;
        if (counted && extra > 0) await ctx.limiters.consume('readIp', ipKey, spec, extra).catch(() => undefined);
      };
      const wasIn = socket.rooms.has(cmd.stream);
      // A stream this node relays is known to exist: a reconnect storm after a deploy costs
      // no query for that, and resumes within the node's recent changes cost none at all.
      if (!fanout.relays(cmd.stream) && (await ctx.changeLog.head(cmd.stream)) === undefined) {
        throw new AppError('unknown_stream', `no stream ${cmd.stream}`);
      }
      await fanout.ensure(cmd.stream);
      await socket.join(cmd.stream);
      try {
        return await answerSubscribe(socket, cmd, kind, charge);
      } catch (err) {
        // A subscribe that is refused after joining leaves no socket in the room.
        if (!wasIn) await socket.leave(cmd.stream);
        throw err;
      }
    },
    [SOCKET_EVENTS.unsubscribe]: async (socket, payload) => {
      const cmd = parseInput(UnsubscribeCmd, payload, 'unsubscribe');
      await socket.leave(cmd.stream);
      return {};
    },
  };
}
