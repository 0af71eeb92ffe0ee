// Devices following the tickers for Web Push: a push service of the soak's own (the tests'
// PushReceiver: HTTPS on loopback, every push's VAPID JWT checked and its payload decrypted as
// a browser would), follows made through nginx like the widget's follow button makes them.
import { PushReceiver } from '../../test/helpers/push-receiver';
import type { DeviceSubscription } from '../../test/helpers/push-receiver';

export interface Follow {
  id: string;
  ticker: string;
  topics: 'all' | 'key-events';
  sub: DeviceSubscription;
  /** Date.now() once the follow was acknowledged: entries published later are due to it. */
  at: number;
}

export class PushFollows {
  readonly receiver = new PushReceiver();
  readonly follows: Follow[] = [];

  async start(): Promise<this> {
    await this.receiver.start();
    return this;
  }

  /** The receiver's CA for the nodes (`PUSH_CA_FILE`). */
  get caFile(): string {
    return this.receiver.caFile;
  }

  /** `n` follows per ticker, alternately of every update and of key events only. */
  async follow(url: string, tickers: string[], n: number): Promise<void> {
    for (const ticker of tickers) {
      for (let i = 0; i < n; i++) {
        const sub = this.receiver.subscribe();
        const topics = i % 2 === 0 ? 'all' : 'key-events';
        const res = await fetch(`${url}/api/v1/tickers/${ticker}/followers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ subscription: { endpoint: sub.endpoint, keys: sub.keys }, topics, lang: 'en' }),
        });
        const json = (await res.json()) as { id: string };
        if (res.status !== 201) throw new Error(`follow ${ticker}: ${res.status} ${JSON.stringify(json)}`);
        this.follows.push({ id: json.id, ticker, topics, sub, at: Date.now() });
      }
    }
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}
