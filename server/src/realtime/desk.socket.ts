import { SOCKET_EVENTS } from '@liveticker/schemas';
import type { CommandHandler } from './sockets';
import type { Desk } from './desk';

/** The editors' desk commands (`desk:join`, `desk:editing`, `desk:leave`), each acknowledged. */
export function deskSocketHandlers(desk: Desk): Record<string, CommandHandler> {
  return {
    [SOCKET_EVENTS.deskJoin]: (socket, payload) => desk.join(socket, payload),
    [SOCKET_EVENTS.deskEditing]: async (socket, payload) => desk.editing(socket, payload),
    [SOCKET_EVENTS.deskLeave]: async (socket, payload) => desk.leave(socket, payload),
  };
}
