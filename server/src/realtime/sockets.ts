import type { Server as IoServer, Socket } from 'socket.io';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { SOCKET_EVENTS, SubscribeCmd, UnsubscribeCmd, parseStream } from '@liveticker/schemas';
import type { AckError } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { hasRole } from '../auth/actor';
import { AppError, parseInput, toWireError } from '../errors';
import { cookieToken } from '../http/actor';
import type { Fanout } from './fanout';
import { changesBody } from './changelog';

/** Streams one socket may follow at once. */
const MAX_SUBSCRIPTIONS = 50;

export interface SocketData {
  actor?: Actor;
}

type Ack = (reply: unknown) => void;
export type CommandHandler = (socket: Socket, payload: unknown) => Promise<object>;

function toAck(err: unknown, log: AppContext['logger']): AckError {
  const { body, internal } = toWireError(err);
  if (internal) log.error({ err }, 'socket command failed');
  return { ok: false, error: body.error };
}

/**
 * Binds socket commands: each is validated, authorized and always acknowledged. A socket that
 * floods gets `rate_limited` acks, and is cut off when it keeps going; nobody else notices.
 */
export function bindSockets(
  io: IoServer,
  ctx: Pick<AppContext, 'logger' | 'changeLog' | 'actors' | 'metrics'>,
  fanout: Fanout,
  extra: Record<string, CommandHandler> = {},
): void {
  const log = ctx.logger.child({ module: 'sockets' });
  // 30 commands per second with a burst allowance; 3x that gets the socket disconnected.
  const limiter = new RateLimiterMemory({ points: 30, duration: 1 });

  io.use(async (socket, next) => {
    // Cross-site widgets and the CLI send `auth.token`; same-site pages may rely on the cookie.
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token || cookieToken(socket.handshake.headers.cookie);
    if (token === undefined || token === null || token === '') return next();
    if (typeof token !== 'string' || token.length > 512) return next(handshakeError('login_required', 'invalid token'));
    try {
      const actor = await ctx.actors.fromToken(token);
      if (!actor) return next(handshakeError('login_required', 'the token is not valid (expired or revoked?)'));
      (socket.data as SocketData).actor = actor;
      next();
    } catch (err) {
      log.error({ err }, 'handshake failed');
      next(handshakeError('internal', 'internal error'));
    }
  });

  const handlers: Record<string, CommandHandler> = {
    [SOCKET_EVENTS.subscribe]: async (socket, payload) => {
      const cmd = parseInput(SubscribeCmd, payload, 'subscribe');
      const { kind } = parseStream(cmd.stream);
      const actor = (socket.data as SocketData).actor;
      if (kind === 'mod' && !(actor && hasRole(actor, 'moderator'))) {
        throw new AppError('forbidden', 'the moderation stream is for moderators');
      }
      if (!socket.rooms.has(cmd.stream) && socket.rooms.size > MAX_SUBSCRIPTIONS) {
        throw new AppError('forbidden', `a socket follows at most ${MAX_SUBSCRIPTIONS} streams`);
      }
      if ((await ctx.changeLog.head(cmd.stream)) === undefined) {
        throw new AppError('unknown_stream', `no stream ${cmd.stream}`);
      }
      await fanout.ensure(cmd.stream);
      await socket.join(cmd.stream);
      if (cmd.since === undefined) {
        return { rev: (await ctx.changeLog.head(cmd.stream)) ?? 0, changes: [] };
      }
      const got = await ctx.changeLog.since(cmd.stream, cmd.since);
      if (!got) throw new AppError('unknown_stream', `no stream ${cmd.stream}`);
      return changesBody(got);
    },
    [SOCKET_EVENTS.unsubscribe]: async (socket, payload) => {
      const cmd = parseInput(UnsubscribeCmd, payload, 'unsubscribe');
      await socket.leave(cmd.stream);
      return {};
    },
    ...extra,
  };

  io.on('connection', (socket) => {
    ctx.metrics.sockets.inc();
    socket.on('disconnect', () => ctx.metrics.sockets.dec());
    for (const [event, handler] of Object.entries(handlers)) {
      socket.on(event, async (payload: unknown, ack?: unknown) => {
        const reply: Ack = typeof ack === 'function' ? (ack as Ack) : () => undefined;
        try {
          await limiter.consume(socket.id).catch((res: { consumedPoints?: number; msBeforeNext?: number }) => {
            if ((res.consumedPoints ?? 0) > 90) socket.disconnect(true);
            throw new AppError('rate_limited', 'too many commands; slow down', { retryAfter: Math.ceil((res.msBeforeNext ?? 1000) / 1000) });
          });
          const result = await handler(socket, payload);
          reply({ ok: true, ...result });
        } catch (err) {
          reply(toAck(err, log));
        }
      });
    }
  });
}

function handshakeError(code: string, message: string): Error & { data: unknown } {
  return Object.assign(new Error(message), { data: { code, message } });
}
