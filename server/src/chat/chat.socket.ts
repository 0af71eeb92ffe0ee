import { SOCKET_EVENTS } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { CommandHandler } from '../realtime/sockets';
import type { SocketSessions } from '../realtime/socket-sessions';
import { sendMessage } from './chat.service';

/** The chat's socket commands: `chat:send`, acknowledged with the message (or the first one of its clientId). */
export function chatSocketHandlers(ctx: Parameters<typeof sendMessage>[0] & Pick<AppContext, 'db'>, sessions: SocketSessions): Record<string, CommandHandler> {
  return {
    // A write checks the session as the database has it now (verified since, banned, expired).
    [SOCKET_EVENTS.chatSend]: async (socket, payload) => ({
      message: await sendMessage(ctx, await sessions.current(socket), payload),
    }),
  };
}
