import net from 'node:net';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';

/**
 * A WebSocket upgrade skips Engine.IO's middlewares (Socket.IO's CORS, for long-polling's HTTP
 * answers): its 101 carries no CORS headers, while a long-polling handshake from the same page
 * still gets them, and the socket opens either way.
 */
describe('WebSocket upgrades and Engine.IO middlewares', () => {
  let t: TestSetup;
  const origin = 'https://widgets.example.org';
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { corsOrigins: [origin] });
  });
  afterAll(() => t.close());

  /** The raw answer to a WebSocket upgrade of Engine.IO from `origin`, up to its open packet. */
  function upgrade(): Promise<string> {
    const { port } = new URL(t.url);
    return new Promise((resolve, reject) => {
      const s = net.connect(Number(port), '127.0.0.1');
      let got = '';
      s.on('data', (d) => {
        got += d.toString('latin1');
        // The 101, then Engine.IO's open packet (`0{"sid":…}`) in a WebSocket frame.
        if (got.includes('\r\n\r\n') && got.includes('"sid"')) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
      s.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
  }

  it('answers the upgrade without CORS headers and opens the socket', async () => {
    const answer = await upgrade();
    const head = answer.slice(0, answer.indexOf('\r\n\r\n')).toLowerCase();
    expect(head).toMatch(/^http\/1\.1 101 /);
    expect(head).toContain('sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=');
    expect(head).not.toContain('access-control-');
  });

  it('still answers a long-polling handshake from an allowed page with CORS headers', async () => {
    const res = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await res.text()).toMatch(/^0\{"sid":/);
  });
});
