import { Decoder, Encoder, PacketType } from 'socket.io-parser';
import type { Packet } from 'socket.io-parser';

/**
 * A value already written as JSON, for an answer many sockets get alike (a reconnect storm's
 * resumes from one position): Socket.IO would stringify it again for every socket; the encoder
 * below writes the same string into each packet instead.
 */
export class Encoded {
  constructor(readonly json: string) {}
}

/**
 * Socket.IO's own encoder (same wire format), except that an event's or an ack's arguments that
 * are `Encoded` are written as they are. Everything else goes through socket.io-parser unchanged.
 */
class SharingEncoder extends Encoder {
  override encode(packet: Packet): Array<string | Buffer> {
    const data = packet.data as unknown[] | undefined;
    if ((packet.type !== PacketType.EVENT && packet.type !== PacketType.ACK) || !Array.isArray(data) || !data.some((d) => d instanceof Encoded)) {
      return super.encode(packet);
    }
    const nsp = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
    const args = data.map((d) => (d instanceof Encoded ? d.json : (JSON.stringify(d) ?? 'null')));
    return [`${packet.type}${nsp}${packet.id ?? ''}[${args.join(',')}]`];
  }
}

/** The `parser` option of the Socket.IO server. */
export const sharingParser = { Encoder: SharingEncoder, Decoder };
