import type { Bus, ControlEnvelope } from './bus';
import { BUS_VERSION } from './bus';
import type { Logger } from '../logger';
import type { SocketSessions } from './socket-sessions';
import type { Desk } from './desk';
import type { FloodBlocks } from './flood-blocks';

/**
 * Messages between nodes that are not stream changes (bus control envelopes): ended sessions
 * (cut those sockets), changed sessions (re-check a user's sockets), editors' desks, flood blocks
 * (flood-blocks.ts announces its own). Each is
 * handled here at once and sent to the other nodes, so this node acts even when the bus is down.
 */
export class ControlRouter {
  private readonly log: Logger;

  constructor(private readonly opts: { bus: Bus; nodeId: string; logger: Logger; sessions: SocketSessions; desk: Desk; blocks: FloodBlocks }) {
    this.log = opts.logger.child({ module: 'control' });
  }

  /** One envelope, from this node or another. */
  readonly receive = (msg: ControlEnvelope): void => {
    if (msg.type === 'sessions.ended') {
      const { userId, sessionIds, reason } = msg.data as { userId: string; sessionIds?: string[]; reason: string };
      this.opts.sessions.endLocal(userId, sessionIds, reason);
    } else if (msg.type === 'sessions.changed') {
      const { userId } = msg.data as { userId: string };
      void this.opts.sessions.recheckUser(userId).catch((err: unknown) => this.log.warn({ err }, 'session re-check failed'));
    } else if (msg.type === 'desk') {
      this.opts.desk.receive(msg);
    } else if (msg.type === 'flood.blocked') {
      this.opts.blocks.receive(msg);
    }
  };

  /** Ends live sockets of a user on every node (see AppContext.endSessions). */
  endSessions(userId: string, sessionIds: string[] | undefined, reason: string): void {
    const msg: ControlEnvelope = { v: BUS_VERSION, node: this.opts.nodeId, type: 'sessions.ended', data: { userId, sessionIds, reason } };
    this.receive(msg);
    this.opts.bus.publishControl(msg).catch((err: unknown) => this.log.error({ err }, 'could not broadcast ended sessions'));
  }

  /** A user's rights changed: every node re-checks their sockets (see AppContext.sessionsChanged). */
  sessionsChanged(userId: string): void {
    const msg: ControlEnvelope = { v: BUS_VERSION, node: this.opts.nodeId, type: 'sessions.changed', data: { userId } };
    this.receive(msg);
    // Lost while the bus is down? Every socket re-checks within a minute and on its next write.
    this.opts.bus.publishControl(msg).catch((err: unknown) => this.log.warn({ err }, 'could not broadcast changed sessions'));
  }
}
