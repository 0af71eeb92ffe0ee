// A TCP proxy the soak puts between a node and PostgreSQL or Redis (as Centrifugo's tests do for
// their Redis outages): `cut(ms)` destroys every connection through it and refuses new ones
// (accepted, then reset at once) until the time is over.
import net from 'node:net';

export class CutProxy {
  private server?: net.Server;
  private readonly open = new Set<net.Socket>();
  private cutUntil = 0;
  port = 0;
  /** Connections destroyed by cuts and refused during them, for the report. */
  dropped = 0;
  refused = 0;

  constructor(
    readonly name: string,
    private readonly target: { host: string; port: number },
  ) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      if (Date.now() < this.cutUntil) {
        this.refused++;
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect(this.target.port, this.target.host);
      const pair = [client, upstream];
      for (const s of pair) {
        this.open.add(s);
        s.setNoDelay(true);
        s.on('error', () => undefined);
        s.once('close', () => {
          this.open.delete(s);
          for (const other of pair) other.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Every connection through the proxy reset now, and new ones refused for `ms`. */
  cut(ms: number): void {
    this.cutUntil = Date.now() + ms;
    for (const s of this.open) {
      this.dropped++;
      s.resetAndDestroy();
    }
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
  }
}
