import type { Server as IoServer, Socket } from 'socket.io';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { SOCKET_EVENTS } from '@liveticker/schemas';
import type { AckError } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { withholdStaffRole } from '../auth/actor';
import { AppError, toWireError } from '../errors';
import { cookieToken } from '../http/actor';
import { foreignPage, staffCookieRefusal } from '../http/origin';
import type { SocketData } from './socket-sessions';
import { handshakeError } from './socket-guard';
import { Encoded } from './encoded';
import { handshakeReleased, releaseHandshake } from './handshake-release';
import type { SocketGuard } from './socket-guard';

export type { SocketData };

type Ack = (reply: unknown) => void;
/** Resolves to the ack's fields besides `ok: true`, or to the whole ack already encoded. */
export type CommandHandler = (socket: Socket, payload: unknown) => Promise<object>;

function toAck(err: unknown, log: AppContext['logger']): AckError {
  const { body, internal } = toWireError(err);
  if (internal) log.error({ err }, 'socket command failed');
  return { ok: false, error: body.error };
}

/**
 * The handshake (origin, guard, login) and the binding of every command family (streams.socket.ts,
 * chat.socket.ts, desk.socket.ts): each is validated, authorized and always acknowledged. A socket that
 * floods gets `rate_limited` acks, and is cut off when it keeps going; nobody else notices.
 * Returns the commands a socket may send.
 */
export function bindSockets(
  io: IoServer,
  ctx: Pick<AppContext, 'logger' | 'actors' | 'metrics' | 'originAllowed' | 'config'>,
  guard: SocketGuard,
  handlers: Record<string, CommandHandler>,
): string[] {
  const log = ctx.logger.child({ module: 'sockets' });
  // 30 commands per second with a burst allowance; 3x that gets the socket disconnected.
  const limiter = new RateLimiterMemory({ points: 30, duration: 1 });
  const refusedOrigins = new Map<string, number>();

  io.use((socket, next) => {
    // A second connect on a connection whose request is let go (below) has nothing to check.
    if (handshakeReleased(socket)) return next(handshakeError('unavailable', 'this connection has had its socket: open a new connection'));
    // A browser on a foreign origin is refused before anything else; non-browsers send no Origin.
    // Refused here (not in allowRequest) so the client learns why instead of a bare "websocket error".
    const origin = socket.handshake.headers.origin;
    if (!origin || ctx.originAllowed(origin)) return next();
    if (ctx.config.corsOrigins.includes('*')) {
      // Open to every page for reading, but a foreign page's handshake never rides on the
      // reader's cookie; a token it holds itself (`auth.token`) is its own to use.
      (socket.data as { cookieRefused?: boolean }).cookieRefused = true;
      return next();
    }
    const allowed = [new URL(ctx.config.publicUrl).origin, ...ctx.config.corsOrigins];
    // An operator needs to see this once, not per reader: one line per origin per minute.
    const last = refusedOrigins.get(origin) ?? 0;
    if (Date.now() - last > 60_000) {
      if (refusedOrigins.size > 1000) refusedOrigins.clear();
      refusedOrigins.set(origin, Date.now());
      log.warn({ origin, allowed }, 'socket refused: origin not allowed (add it to CORS_ORIGINS or fix PUBLIC_URL)');
    }
    next(handshakeError('origin_not_allowed', `origin ${origin} is not allowed here; the server's PUBLIC_URL or CORS_ORIGINS must name it (allowed: ${allowed.join(', ')})`));
  });

  io.use(guard.admit);

  const ownOrigin = new URL(ctx.config.publicUrl).origin;
  io.use(async (socket, next) => {
    // Cross-site widgets and the CLI send `auth.token`; same-site pages may rely on the cookie.
    const cookie = (socket.data as { cookieRefused?: boolean }).cookieRefused ? undefined : cookieToken(socket.handshake.headers.cookie);
    const given = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const token = given || cookie;
    const data = socket.data as SocketData & { staleSession?: boolean };
    if (token !== undefined && token !== null && token !== '') {
      try {
        const actor = typeof token === 'string' && token.length <= 512 ? await ctx.actors.fromToken(token) : undefined;
        // A token limited to scopes (a data feed's) reaches its REST routes only, never a socket.
        if (actor?.scopes) return next(handshakeError('forbidden', `this API token is limited to ${actor.scopes.join(', ')}; it opens no socket`));
        // A staff cookie from a page other than the newsroom's own logs the socket in as a reader,
        // for as long as it is open (see `authenticate` in http/actor.ts).
        const from = !given && actor ? foreignPage(socket.handshake.headers, ownOrigin) : undefined;
        const staffWithheld = from ? staffCookieRefusal(from, ownOrigin) : undefined;
        // A stale credential (expired, revoked, banned) never stops reading: the socket connects
        // anonymously and is told its session ended, so the page can offer a new login.
        if (!actor) data.staleSession = true;
        else
          Object.assign(data, {
            actor: staffWithheld ? withholdStaffRole(actor, staffWithheld) : actor,
            token: token as string,
            checkedAt: Date.now(),
            staffWithheld,
          } satisfies SocketData);
      } catch (err) {
        log.error({ err }, 'handshake failed');
        return next(handshakeError('unavailable', 'the server could not check the login; retrying'));
      }
    }
    // A user cut off for flooding is out on every address; an anonymous flooder's address is out.
    try {
      guard.checkFlood(socket, data.actor?.id);
    } catch (err) {
      return next(err as Error);
    }
    next();
  });

  // Last: a handshake refused above never holds one of its address's places.
  io.use(guard.take);

  const onDisconnect = () => ctx.metrics.sockets.dec();
  io.on('connection', (socket) => {
    if ((socket.data as { staleSession?: boolean }).staleSession) socket.emit(SOCKET_EVENTS.sessionEnded, { reason: 'session_invalid' });
    ctx.metrics.sockets.inc();
    socket.on('disconnect', onDisconnect);
    socket.onAny(onCommand);
    // Every check that reads the request is done: its headers need not stay with the socket.
    releaseHandshake(socket);
  });

  /**
   * Every socket's one listener for its commands (not one per command per socket), shared by all
   * sockets: Socket.IO calls it with the socket as `this`, so a reader's socket holds no closure of
   * its own. An event that is not a command is ignored, as Socket.IO would.
   */
  function onCommand(this: Socket, event: string, payload?: unknown, ack?: unknown): void {
    const handler = commands.get(event);
    if (handler) void run(this, handler, payload, ack);
  }

  const commands = new Map(Object.entries(handlers));
  async function run(socket: Socket, handler: CommandHandler, payload: unknown, ack: unknown): Promise<void> {
    const reply: Ack = typeof ack === 'function' ? (ack as Ack) : () => undefined;
    try {
      await limiter.consume(socket.id).catch((res: { consumedPoints?: number; msBeforeNext?: number }) => {
        if ((res.consumedPoints ?? 0) > 90) void guard.cutOff(socket, (socket.data as SocketData).actor?.id);
        throw new AppError('rate_limited', 'too many commands; slow down', { retryAfter: Math.ceil((res.msBeforeNext ?? 1000) / 1000) });
      });
      const result = await handler(socket, payload);
      reply(result instanceof Encoded ? result : { ok: true, ...result });
    } catch (err) {
      reply(toAck(err, log));
    }
  }
  return [...commands.keys()];
}
