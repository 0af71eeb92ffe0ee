import { eventFrame } from '../../server/src/realtime/frames';

/**
 * The frame the fan-out builds once per change and writes to every socket is the WebSocket text
 * frame Socket.IO would have sent: ws's own receiver reads it back, in each of the three length
 * encodings (7-bit, 16-bit, 64-bit).
 */
/** ws's frame reader (its types do not export it). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Receiver } = require('ws') as { Receiver: new (opts: { isServer: boolean }) => NodeJS.EventEmitter & { write(chunk: Buffer): void } };

describe('a change as one pre-built WebSocket frame', () => {
  const decode = (frame: Buffer): Promise<string> =>
    new Promise((resolve, reject) => {
      const receiver = new Receiver({ isServer: false });
      receiver.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? reject(new Error('binary')) : resolve(data.toString())));
      receiver.on('error', reject);
      receiver.write(frame);
    });

  it.each([10, 200, 70_000])('a payload of about %i bytes reads back as Socket.IO\'s event packet', async (size) => {
    const data = { stream: 'ticker:x', since: 1, rev: 2, changes: [{ rev: 2, type: 'entry.created', data: { body: 'ü'.repeat(Math.floor(size / 2)) } }] };
    const text = await decode(eventFrame('changes', data));
    expect(text.startsWith('42')).toBe(true);
    expect(JSON.parse(text.slice(2))).toEqual(['changes', data]);
  });
});
