// Readers voting on the editor's polls over REST through nginx: anonymous devices (each keeping
// the `lt_device` cookie its first answer set, as a browser would) and verified readers (the
// chatters' sessions). Every attempt and its answer is recorded; at the end each voter asks
// `GET …/votes` for the vote the server holds for it, for the checker.
import type { Rng } from './rng';

export interface Vote {
  voter: string;
  poll: string;
  optionId: string;
  at: number;
  /** When the answer came (or the try gave up). */
  answeredAt: number;
  /** HTTP status, 0 for a network error or timeout. */
  status: number;
  code?: string;
  from?: 'node' | 'nginx';
}

export interface Voter {
  name: string;
  /** A device's cookie (`lt_device=…`) once an answer set it; a reader's bearer token. */
  cookie?: string;
  token?: string;
  /** A device whose first vote got no answer: it may have landed under a device id nobody holds; retired. */
  lost?: boolean;
}

const TIMEOUT_MS = 10_000;

export class Voters {
  readonly votes: Vote[] = [];
  readonly voters: Voter[] = [];
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly polls: () => Array<{ id: string; ticker: string; options: string[] }>,
    devices: number,
    readerTokens: string[],
    private readonly rng: Rng,
  ) {
    for (let i = 0; i < devices; i++) this.voters.push({ name: `device-${i}` });
    readerTokens.forEach((token, i) => this.voters.push({ name: `reader-${i}`, token }));
  }

  private async call(v: Voter, method: string, path: string, body?: unknown): Promise<{ status: number; json?: any; from?: 'node' | 'nginx' }> {
    try {
      const headers: Record<string, string> = {};
      if (body) headers['content-type'] = 'application/json';
      if (v.token) headers.authorization = `Bearer ${v.token}`;
      if (v.cookie) headers.cookie = v.cookie;
      const res = await fetch(`${this.url}/api/v1${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(TIMEOUT_MS) });
      const device = /lt_device=[^;]+/.exec(res.headers.get('set-cookie') ?? '');
      if (device && !v.token) v.cookie = device[0];
      const text = await res.text();
      const isJson = /json/.test(res.headers.get('content-type') ?? '');
      return { status: res.status, json: isJson && text ? JSON.parse(text) : undefined, from: isJson ? 'node' : 'nginx' };
    } catch {
      return { status: 0 };
    }
  }

  /** About two votes a second: a random voter, a random poll, a random option (a second vote changes the first). */
  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await new Promise((r) => setTimeout(r, 200 + this.rng.int(600)));
        const polls = this.polls();
        const voters = this.voters.filter((v) => !v.lost);
        if (!polls.length || !voters.length || this.stopped) continue;
        const v = this.rng.pick(voters);
        const p = this.rng.pick(polls);
        const optionId = this.rng.pick(p.options);
        const at = Date.now();
        const fresh = !v.token && !v.cookie;
        const r = await this.call(v, 'POST', `/tickers/${p.ticker}/entries/${p.id}/votes`, { optionId });
        this.votes.push({ voter: v.name, poll: p.id, optionId, at, answeredAt: Date.now(), status: r.status, code: r.json?.error?.code, from: r.from });
        if (fresh && !v.cookie) v.lost = true;
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** The vote the server holds for each voter and poll it voted on (`GET …/votes`): voter → poll → option (null: none). */
  async held(): Promise<Map<string, Map<string, string | null>>> {
    const out = new Map<string, Map<string, string | null>>();
    const byPoll = new Map(this.polls().map((p) => [p.id, p]));
    for (const v of this.voters) {
      if (v.lost) continue;
      const mine = new Map<string, string | null>();
      for (const pollId of new Set(this.votes.filter((x) => x.voter === v.name).map((x) => x.poll))) {
        const p = byPoll.get(pollId)!;
        for (let i = 0; i < 5; i++) {
          const r = await this.call(v, 'GET', `/tickers/${p.ticker}/entries/${p.id}/votes`);
          if (r.status === 200) {
            mine.set(pollId, r.json.optionId ?? null);
            break;
          }
          await new Promise((res) => setTimeout(res, 1000));
        }
      }
      out.set(v.name, mine);
    }
    return out;
  }
}
