import type { Namespace } from 'socket.io';

/**
 * A Socket.IO event as one WebSocket text frame, built once for every socket of a room: the
 * frame header, Engine.IO's `4` (message) and Socket.IO's `2` (event), then the JSON.
 */
export function eventFrame(event: string, data: unknown): Buffer {
  const payload = Buffer.from(`42${JSON.stringify([event, data])}`);
  const n = payload.length;
  let header: Buffer;
  if (n < 126) header = Buffer.from([0x81, n]);
  else if (n < 65536) header = Buffer.from([0x81, 126, n >> 8, n & 255]);
  else {
    header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

/** What a socket's connection is underneath, as far as a direct write needs (engine.io 6, ws 8). */
interface Underneath {
  readyState?: string;
  upgrading?: boolean;
  writeBuffer?: unknown[];
  transport?: {
    name?: string;
    socket?: { readyState?: number; _socket?: { write(buf: Buffer): boolean; destroyed?: boolean }; _sender?: { _queue?: unknown[] } };
  };
}

/**
 * Sends one pre-built frame to every socket of `room`. A socket on a WebSocket with nothing
 * waiting in Engine.IO's queue or ws's gets the frame written straight to its TCP socket: every
 * earlier packet is already in that socket's stream, so the order stays Socket.IO's, and the
 * per-socket packet object, queue, flush and write callback of Engine.IO are skipped. Any other
 * socket (long-polling, upgrading, a queue not empty) gets it through Socket.IO as before.
 * Returns how many sockets were written to directly and through Socket.IO.
 */
export function sendToRoom(nsp: Namespace, room: string, event: string, data: unknown): { direct: number; queued: number } {
  const ids = nsp.adapter.rooms.get(room);
  if (!ids || ids.size === 0) return { direct: 0, queued: 0 };
  let frame: Buffer | undefined;
  const others: string[] = [];
  for (const id of ids) {
    const conn = nsp.sockets.get(id)?.conn as unknown as Underneath | undefined;
    const ws = conn?.transport?.name === 'websocket' ? conn.transport.socket : undefined;
    const tcp = ws?._socket;
    if (conn?.readyState === 'open' && !conn.upgrading && conn.writeBuffer?.length === 0 && ws?.readyState === 1 && tcp && !tcp.destroyed && (ws._sender?._queue?.length ?? 0) === 0) {
      frame ??= eventFrame(event, data);
      tcp.write(frame);
    } else {
      others.push(id);
    }
  }
  // Every socket is in the room of its own id.
  if (others.length) nsp.to(others).emit(event, data);
  return { direct: ids.size - others.length, queued: others.length };
}
