import type { Change } from '@liveticker/schemas';
import type { Logger } from '../logger';

/** Version of the envelope nodes exchange; a node drops envelopes of a version it does not know. */
export const BUS_VERSION = 1;

/** Changes of one stream, contiguous from `since` (exclusive) to `rev` (inclusive). */
export interface StreamEnvelope {
  v: typeof BUS_VERSION;
  node: string;
  stream: string;
  since: number;
  rev: number;
  changes: Change[];
}

/** Node-to-node commands that are not stream changes (e.g. end a user's sockets). */
export interface ControlEnvelope {
  v: typeof BUS_VERSION;
  node: string;
  /** `desk`: a node's editors at tickers' desks (see realtime/desk.ts); `flood.blocked`: flood-blocks.ts. */
  type: 'sessions.ended' | 'sessions.changed' | 'presence' | 'desk' | 'flood.blocked';
  data: Record<string, unknown>;
}

export interface BusHandlers {
  /** Changes published by any node, the own node included where the transport echoes. */
  onStream(msg: StreamEnvelope): void;
  onControl(msg: ControlEnvelope): void;
  /** The transport came back after an outage: messages may have been lost meanwhile. */
  onReconnect(): void;
}

/**
 * Moves changes between nodes. Fire-and-forget: the database is the source of truth, so a lost
 * message is healed by catch-up, never by the bus keeping it.
 */
export interface Bus {
  readonly nodeId: string;
  start(handlers: BusHandlers): Promise<void>;
  publish(msg: StreamEnvelope): Promise<void>;
  publishControl(msg: ControlEnvelope): Promise<void>;
  /** Listen to a stream's channel; resolves once messages are flowing. */
  subscribe(stream: string): Promise<void>;
  unsubscribe(stream: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * An envelope as it came over a Redis channel: parsed and of this version, or undefined (logged
 * and dropped: a message from a node of another version, or garbage, never reaches the fan-out).
 */
export function readEnvelope(channel: string, raw: string, logger: Logger): { v: typeof BUS_VERSION } | undefined {
  let msg: { v?: unknown };
  try {
    msg = JSON.parse(raw) as { v?: unknown };
  } catch {
    logger.warn({ channel }, 'dropping malformed bus message');
    return undefined;
  }
  if (msg.v !== BUS_VERSION) {
    logger.warn({ channel, v: msg.v }, 'dropping bus message of unknown version');
    return undefined;
  }
  return msg as { v: typeof BUS_VERSION };
}
