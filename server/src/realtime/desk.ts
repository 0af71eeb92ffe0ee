import type { Server as IoServer, Socket } from 'socket.io';
import { DeskEditingCmd, DeskJoinCmd, DeskLeaveCmd, SOCKET_EVENTS } from '@liveticker/schemas';
import type { DeskEditor, DeskPresenceEvent } from '@liveticker/schemas';
import type { Actor } from '../auth/actor';
import { hasRole } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { AppError, parseInput } from '../errors';
import type { Logger } from '../logger';
import { BUS_VERSION } from './bus';
import type { Bus, ControlEnvelope } from './bus';
import type { SocketData } from './socket-sessions';

/** Desks one socket may have joined at once (the console shows one ticker; a few tabs' worth). */
export const MAX_DESKS_PER_SOCKET = 10;

/** How long a stopping node waits for its goodbye to reach the bus, ms. */
const STOP_WAIT_MS = 1000;

/** The local room of a ticker's desk; `desk:` is no stream kind, so no subscribe can enter it. */
export function deskRoom(tickerId: string): string {
  return `desk:${tickerId}`;
}

/**
 * An editor as one node reports them to the others. `at` is when `editing` was set (ms since the
 * epoch, 0 while null): the latest non-null one wins, over a user's tabs and over nodes.
 */
export interface NodeEditor extends DeskEditor {
  at: number;
}

/** The `data` of a `desk` control envelope. */
export interface DeskControl {
  /** The sending node's editors per ticker, whole; an empty list: none there any more. */
  desks?: Array<{ tickerId: string; editors: NodeEditor[] }>;
  /** The sending node is going away (stopped, or its worker exited): drop every list of it. */
  left?: true;
}

/** One socket at one desk. */
interface Seat {
  actor: Pick<Actor, 'id' | 'displayName' | 'role'>;
  editing: string | null;
  at: number;
}

export interface DeskOptions {
  io: IoServer;
  bus: Pick<Bus, 'nodeId' | 'publishControl'>;
  logger: Logger;
  /** The socket's actor as the database has it now (undefined: anonymous, or its session ended). */
  currentActor(socket: Socket): Promise<Actor | undefined>;
  tickerExists(tickerId: string): Promise<boolean>;
  /** How often this node re-sends its lists, and looks for demoted editors and silent nodes, ms. */
  heartbeatMs: number;
  /** Another node's list is dropped after this long without a heartbeat, ms. */
  staleMs: number;
}

/** One row per user: the latest non-null `editing` wins; name and role from the last row. */
export function collapse(rows: Iterable<NodeEditor>): NodeEditor[] {
  const byUser = new Map<string, NodeEditor>();
  for (const row of rows) {
    const prev = byUser.get(row.id);
    const takes = !prev || (row.editing !== null && (prev.editing === null || row.at > prev.at));
    byUser.set(row.id, {
      id: row.id,
      displayName: row.displayName,
      role: row.role,
      editing: takes ? row.editing : prev.editing,
      at: takes ? (row.editing === null ? 0 : row.at) : prev.at,
    });
  }
  // The same order on every node, so an unchanged desk compares equal and is not sent again.
  return [...byUser.values()].sort((a, b) => (a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function isNodeEditor(e: unknown): e is NodeEditor {
  const r = e as Partial<NodeEditor> | null;
  return (
    typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.displayName === 'string' && typeof r.role === 'string' &&
    (r.editing === null || typeof r.editing === 'string') && typeof r.at === 'number'
  );
}

/**
 * The editors' desks: who works on a ticker now, and on which entry (`desk:join`, `desk:editing`,
 * `desk:leave`; `desk:presence` to the desk's sockets whenever its list changed).
 *
 * Each node keeps its own sockets per desk and tells the others over the bus: its whole list of a
 * ticker whenever it changed, and every list again each heartbeat. It keeps the other nodes' lists
 * until they stop coming (a node that died drops out after `staleMs`), merges them with its own,
 * and sends its local room the merged list when that changed. A node that hears from a node new
 * to a ticker it has editors at answers with its own list at once, so a starting node learns the
 * desk without waiting for a heartbeat. Nothing is stored: a desk is as live as its sockets.
 */
export class Desk {
  readonly name = 'desk';
  /** This node's sockets at each ticker's desk: ticker → socket id → seat. Never holds empty maps. */
  private readonly local = new Map<string, Map<string, Seat>>();
  /** The desks each local socket has joined. */
  private readonly bySocket = new Map<string, Set<string>>();
  /** Other nodes' editors: ticker → node → list and when it last came (ms). Never holds empty maps. */
  private readonly remote = new Map<string, Map<string, { seen: number; editors: NodeEditor[] }>>();
  /** This node's list per ticker as last published (JSON), so only a change is sent at once. */
  private readonly published = new Map<string, string>();
  /** The merged list per ticker as last sent to the local room (JSON). */
  private readonly shown = new Map<string, string>();
  /** Last `at` handed out: strictly increasing, so of two changes in one millisecond the later wins. */
  private clock = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly opts: DeskOptions) {
    this.log = opts.logger.child({ module: 'desk' });
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.opts.heartbeatMs);
    this.timer.unref();
  }

  /** `desk:join`: seats an editor's socket at a ticker's desk (see desk.socket.ts). */
  async join(socket: Socket, payload: unknown): Promise<object> {
    const { tickerId } = parseInput(DeskJoinCmd, payload, 'desk:join');
    // As the database has it now: a demoted editor's socket, or a revoked session, is not let in.
    const actor = requireRole(await this.opts.currentActor(socket), 'editor');
    if (!(await this.opts.tickerExists(tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
    // From here on nothing waits, so a disconnect cannot slip between the checks and the seat.
    if (this.stopped || !socket.connected) throw new AppError('unavailable', 'this connection is closing; join again once reconnected');
    const joined = this.bySocket.get(socket.id);
    const seat = this.local.get(tickerId)?.get(socket.id);
    if (seat) {
      seat.actor = { id: actor.id, displayName: actor.displayName, role: actor.role };
    } else {
      if ((joined?.size ?? 0) >= MAX_DESKS_PER_SOCKET) throw new AppError('forbidden', `a connection joins at most ${MAX_DESKS_PER_SOCKET} desks`);
      this.seat(socket, tickerId, actor);
    }
    // The list comes as an event, never in the ack: an ack leaves after events emitted while it
    // was on its way (another node's answer), and an older list must not overwrite a newer one.
    if (!this.changed(tickerId)) socket.emit(SOCKET_EVENTS.deskPresence, { tickerId, editors: this.merged(tickerId) } satisfies DeskPresenceEvent);
    return {};
  }

  private seat(socket: Socket, tickerId: string, actor: Actor): void {
    let seats = this.local.get(tickerId);
    if (!seats) this.local.set(tickerId, (seats = new Map()));
    seats.set(socket.id, { actor: { id: actor.id, displayName: actor.displayName, role: actor.role }, editing: null, at: 0 });
    let joined = this.bySocket.get(socket.id);
    if (!joined) {
      this.bySocket.set(socket.id, (joined = new Set()));
      // A socket ends however it ends (tab closed, session ended and cut off, node draining):
      // its seats go with it, at once.
      socket.once('disconnect', () => this.dropSocket(socket.id));
    }
    joined.add(tickerId);
    void socket.join(deskRoom(tickerId));
  }

  /** `desk:editing`: which entry the socket's editor edits now. */
  editing(socket: Socket, payload: unknown): object {
    const { tickerId, entryId } = parseInput(DeskEditingCmd, payload, 'desk:editing');
    const seat = this.local.get(tickerId)?.get(socket.id);
    if (!seat) throw new AppError('forbidden', `join the desk of ${tickerId} first`);
    const actor = (socket.data as SocketData).actor;
    if (!actor || !hasRole(actor, 'editor')) {
      this.unseat(socket.id, tickerId);
      this.changed(tickerId);
      throw new AppError('forbidden', 'the desk is for editors');
    }
    seat.editing = entryId;
    seat.at = entryId === null ? 0 : (this.clock = Math.max(Date.now(), this.clock + 1));
    this.changed(tickerId);
    return {};
  }

  /** `desk:leave`: the socket leaves a desk. */
  leave(socket: Socket, payload: unknown): object {
    const { tickerId } = parseInput(DeskLeaveCmd, payload, 'desk:leave');
    if (this.unseat(socket.id, tickerId)) this.changed(tickerId);
    return {};
  }

  /** Takes a socket off a desk (and out of its room); false when it was not there. */
  private unseat(socketId: string, tickerId: string): boolean {
    const seats = this.local.get(tickerId);
    if (!seats?.delete(socketId)) return false;
    if (seats.size === 0) this.local.delete(tickerId);
    const joined = this.bySocket.get(socketId);
    joined?.delete(tickerId);
    void this.opts.io.of('/').sockets.get(socketId)?.leave(deskRoom(tickerId));
    return true;
  }

  private dropSocket(socketId: string): void {
    const joined = this.bySocket.get(socketId);
    this.bySocket.delete(socketId);
    if (this.stopped || !joined) return;
    for (const tickerId of joined) {
      const seats = this.local.get(tickerId);
      seats?.delete(socketId);
      if (seats?.size === 0) this.local.delete(tickerId);
      this.changed(tickerId);
    }
  }

  /** This node's editors at a desk, one row per user. */
  private localList(tickerId: string): NodeEditor[] {
    const seats = this.local.get(tickerId);
    if (!seats) return [];
    return collapse([...seats.values()].map((s) => ({ ...s.actor, editing: s.editing, at: s.at })));
  }

  /** Every node's editors at a desk, as the wire has them. */
  private merged(tickerId: string): DeskEditor[] {
    const rows = this.localList(tickerId);
    for (const { editors } of this.remote.get(tickerId)?.values() ?? []) rows.push(...editors);
    return collapse(rows).map(({ id, displayName, role, editing }) => ({ id, displayName, role, editing }));
  }

  /**
   * This node's list of a desk may have changed: tell the other nodes and the local room. True
   * when the room was sent the list.
   */
  private changed(tickerId: string): boolean {
    if (this.stopped) return false;
    const mine = this.localList(tickerId);
    const json = JSON.stringify(mine);
    if ((this.published.get(tickerId) ?? '[]') !== json) {
      if (mine.length) this.published.set(tickerId, json);
      else this.published.delete(tickerId);
      this.publish({ desks: [{ tickerId, editors: mine }] });
    }
    return this.show(tickerId);
  }

  /** Sends the local room the merged list when it differs from what the room last got; true if sent. */
  private show(tickerId: string): boolean {
    if (!this.local.has(tickerId)) {
      this.shown.delete(tickerId);
      return false;
    }
    const editors = this.merged(tickerId);
    const json = JSON.stringify(editors);
    if (this.shown.get(tickerId) === json) return false;
    this.shown.set(tickerId, json);
    this.opts.io.to(deskRoom(tickerId)).emit(SOCKET_EVENTS.deskPresence, { tickerId, editors } satisfies DeskPresenceEvent);
    return true;
  }

  private publish(data: DeskControl): void {
    const msg: ControlEnvelope = { v: BUS_VERSION, node: this.opts.bus.nodeId, type: 'desk', data: { ...data } };
    // Lost while the bus is down? The next heartbeat says it all again.
    this.opts.bus.publishControl(msg).catch((err: unknown) => this.log.warn({ err }, 'could not publish the desk'));
  }

  /** Another node's `desk` envelope (the bus may echo this node's own: ignored). */
  receive(msg: ControlEnvelope): void {
    if (msg.type !== 'desk' || msg.node === this.opts.bus.nodeId || this.stopped) return;
    const data = msg.data as DeskControl;
    const touched = new Set<string>();
    const answer: string[] = [];
    if (data.left === true) {
      for (const [tickerId, nodes] of this.remote) {
        if (!nodes.delete(msg.node)) continue;
        if (nodes.size === 0) this.remote.delete(tickerId);
        touched.add(tickerId);
      }
    }
    for (const desk of Array.isArray(data.desks) ? data.desks : []) {
      if (typeof desk?.tickerId !== 'string' || !Array.isArray(desk.editors)) continue;
      const { tickerId } = desk;
      const editors = desk.editors.filter(isNodeEditor);
      let nodes = this.remote.get(tickerId);
      const known = nodes?.has(msg.node) ?? false;
      if (editors.length === 0) {
        if (!nodes?.delete(msg.node)) continue;
        if (nodes.size === 0) this.remote.delete(tickerId);
      } else {
        if (!nodes) this.remote.set(tickerId, (nodes = new Map()));
        nodes.set(msg.node, { seen: Date.now(), editors });
        if (!known && this.local.has(tickerId)) answer.push(tickerId);
      }
      touched.add(tickerId);
    }
    for (const tickerId of touched) this.show(tickerId);
    if (answer.length) this.publish({ desks: answer.map((tickerId) => ({ tickerId, editors: this.localList(tickerId) })) });
  }

  /** Every list of this node, again (heartbeat; and after the bus was down). */
  heartbeat(): void {
    if (this.stopped || this.local.size === 0) return;
    this.publish({ desks: [...this.local.keys()].map((tickerId) => ({ tickerId, editors: this.localList(tickerId) })) });
  }

  private tick(): void {
    if (this.stopped) return;
    // A socket's actor is kept current by SocketSessions (demotion, new name): follow it here.
    const nsp = this.opts.io.of('/');
    const changed = new Set<string>();
    for (const [tickerId, seats] of this.local) {
      for (const [socketId, seat] of seats) {
        const actor = (nsp.sockets.get(socketId)?.data as SocketData | undefined)?.actor;
        if (!actor || actor.id !== seat.actor.id || !hasRole(actor, 'editor')) {
          this.unseat(socketId, tickerId);
          changed.add(tickerId);
        } else if (actor.displayName !== seat.actor.displayName || actor.role !== seat.actor.role) {
          seat.actor = { id: actor.id, displayName: actor.displayName, role: actor.role };
          changed.add(tickerId);
        }
      }
    }
    for (const tickerId of changed) this.changed(tickerId);
    // Nodes that went silent (died without saying so) drop out.
    const stale = Date.now() - this.opts.staleMs;
    for (const [tickerId, nodes] of this.remote) {
      let dropped = false;
      for (const [node, list] of nodes) {
        if (list.seen >= stale) continue;
        nodes.delete(node);
        dropped = true;
      }
      if (nodes.size === 0) this.remote.delete(tickerId);
      if (dropped) this.show(tickerId);
    }
    this.heartbeat();
  }

  /**
   * The node is going away: the other nodes drop its editors at once (the sockets reconnect and
   * join again elsewhere). Later commands and disconnects change nothing.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    const hadEditors = this.published.size > 0;
    this.local.clear();
    this.bySocket.clear();
    this.remote.clear();
    this.published.clear();
    this.shown.clear();
    if (!hadEditors) return;
    const msg: ControlEnvelope = { v: BUS_VERSION, node: this.opts.bus.nodeId, type: 'desk', data: { left: true } satisfies DeskControl };
    const sent = this.opts.bus.publishControl(msg).catch((err: unknown) => this.log.warn({ err }, 'could not tell the other nodes this desk is closing'));
    // A bus that is down must not hold up a drain: the other nodes then drop these editors when stale.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([sent, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }
}
