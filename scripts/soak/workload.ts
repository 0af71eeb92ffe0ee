// The writers of the soak, through the real protocols and nginx: an editor posting, editing and
// deleting entries over REST with the ops key, and verified readers chatting over Socket.IO with
// a clientId retried on every error. Every answer is recorded for the checker.
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Rng } from './rng';

export interface Write {
  kind: 'post' | 'edit' | 'delete';
  ticker: string;
  /** post: the marker in the body (`soak-<n>-`); edit/delete: the entry id. */
  key: string;
  at: number;
  /** HTTP status, or 0 for a network error / timeout. */
  status: number;
  /** Who answered an error: the node (JSON) or nginx (HTML), for telling a 500 from a 502. */
  from?: 'node' | 'nginx';
  error?: string;
  /** The entry id and version the answer carried (acknowledged writes). */
  id?: string;
  /** A post's kind (`text` unless a key event or a poll). */
  entryKind?: 'text' | 'key-event' | 'poll';
  version?: number;
  body?: string;
}

const TIMEOUT_MS = 10_000;

export class Editor {
  readonly writes: Write[] = [];
  /** Entries the editor knows of, by id: its ticker and the version it last saw. */
  private readonly live = new Map<string, { ticker: string; version: number; marker: string; edits: number }>();
  private seq = 0;
  /** Polls acknowledged (never edited or deleted by the editor: readers vote on them to the end). */
  readonly polls: EditorPoll[] = [];
  private nextPollAt = Date.now() + 10_000;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly opsKey: string,
    private readonly tickers: string[],
    private readonly rng: Rng,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json?: any; from?: 'node' | 'nginx'; error?: string }> {
    try {
      const res = await fetch(`${this.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.opsKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await res.text();
      const isJson = /json/.test(res.headers.get('content-type') ?? '');
      return { status: res.status, json: isJson && text ? JSON.parse(text) : undefined, from: isJson ? 'node' : 'nginx', error: res.ok ? undefined : text.slice(0, 200) };
    } catch (err) {
      return { status: 0, error: (err as Error).message.slice(0, 120) };
    }
  }

  /** Posts 1–5 entries a second (the rate changes every 10 s), edits about one in eight and deletes one in twelve. */
  start(): void {
    this.loop = (async () => {
      let rate = 1 + this.rng.int(5);
      let rateSince = Date.now();
      while (!this.stopped) {
        const due = Date.now() + 1000 / rate;
        if (Date.now() - rateSince > 10_000) {
          rate = 1 + this.rng.int(5);
          rateSince = Date.now();
        }
        const roll = this.rng.next();
        const ids = [...this.live.keys()];
        const closing = this.polls.find((p) => !p.closedAt && Date.now() >= p.closeAt);
        if (closing) await this.close(closing);
        else if (roll < 0.12 && ids.length) await this.edit(ids[this.rng.int(ids.length)]);
        else if (roll < 0.2 && ids.length > 5) await this.remove(ids[this.rng.int(ids.length)]);
        else {
          // A poll now and then (every 20–40 s), a key event one post in eight.
          const ticker = this.tickers[this.rng.int(this.tickers.length)];
          if (Date.now() >= this.nextPollAt) {
            this.nextPollAt = Date.now() + this.rng.between(20_000, 40_000);
            await this.post(ticker, 'poll');
          } else await this.post(ticker, this.rng.next() < 0.125 ? 'key-event' : 'text');
        }
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async post(ticker: string, kind: 'text' | 'key-event' | 'poll'): Promise<void> {
    const marker = `soak-${++this.seq}-`;
    const body = `<p>${marker} t0=${Date.now()}</p>`;
    const at = Date.now();
    const options = ['yes', 'no', 'maybe'];
    const poll = kind === 'poll' ? { question: `Soak poll ${this.seq}?`, options: options.map((id) => ({ id, label: id })), results: 'always', allowAnonymous: true } : undefined;
    const r = await this.call('POST', `/tickers/${ticker}/entries`, { kind, title: `Update ${this.seq}`, body, ...(poll ? { poll } : {}) });
    const w: Write = { kind: 'post', entryKind: kind, ticker, key: marker, at, status: r.status, from: r.from, error: r.error };
    if (r.status === 201) {
      Object.assign(w, { id: r.json.id, version: r.json.version, body: r.json.body });
      if (kind === 'poll') this.polls.push({ id: r.json.id, ticker, options, closeAt: Date.now() + this.rng.between(45_000, 90_000) });
      else this.live.set(r.json.id, { ticker, version: r.json.version, marker, edits: 0 });
    }
    this.writes.push(w);
  }

  /** Closes a poll now (the desk's button); an unanswered close is tried again on the next turn. */
  private async close(p: EditorPoll): Promise<void> {
    const r = await this.call('POST', `/tickers/${p.ticker}/entries/${p.id}/close`);
    if (r.status === 200 || (r.status === 409 && r.json?.error?.code === 'poll_closed')) p.closedAt = Date.now();
  }

  private async edit(id: string): Promise<void> {
    const e = this.live.get(id)!;
    const at = Date.now();
    // The marker stays: an entry posted twice shows in the database whatever its edits.
    const body = `<p>${e.marker} edit ${++e.edits} t0=${at}</p>`;
    const r = await this.call('PATCH', `/tickers/${e.ticker}/entries/${id}`, { version: e.version, body });
    const w: Write = { kind: 'edit', ticker: e.ticker, key: id, at, status: r.status, from: r.from, error: r.error };
    if (r.status === 200) {
      Object.assign(w, { id, version: r.json.version, body: r.json.body });
      e.version = r.json.version;
    } else if (r.status === 409 || r.status === 0 || r.status >= 500) {
      // An edit whose answer was lost may have landed: read the version now held.
      const now = await this.call('GET', `/tickers/${e.ticker}/entries/${id}`);
      if (now.status === 200) e.version = now.json.version;
    }
    this.writes.push(w);
  }

  private async remove(id: string): Promise<void> {
    const e = this.live.get(id)!;
    const at = Date.now();
    const r = await this.call('DELETE', `/tickers/${e.ticker}/entries/${id}`);
    const w: Write = { kind: 'delete', ticker: e.ticker, key: id, at, status: r.status, from: r.from, error: r.error };
    if (r.status === 200 || r.status === 204) {
      w.id = id;
      this.live.delete(id);
    }
    this.writes.push(w);
  }
}

/** A poll the editor posted: closed by the desk 45–90 s after it was acknowledged. */
export interface EditorPoll {
  id: string;
  ticker: string;
  options: string[];
  closeAt: number;
  /** When the close was acknowledged (200, or 409 poll_closed for a close that had landed unanswered). */
  closedAt?: number;
}

export interface ChatSend {
  clientId: string;
  user: string;
  ticker: string;
  tries: number;
  /** The acknowledged message's id (the last ok ack), and when that ack came. */
  messageId?: string;
  ackedAt?: number;
  /** Every distinct message id an ok ack named for this clientId (more than one: a defect). */
  ackedIds: Set<string>;
  errors: Map<string, number>;
  /** When each `internal` error ack came (a server error: worth a finding). */
  internalAt: number[];
  /** When a try was refused as a duplicate (`message_rejected` {reason: duplicate}): of itself, when the clientId produced a message. */
  duplicateAt: number[];
}

/** A verified reader chatting over a WebSocket through nginx: a message every 2.5–5 s, each retried with its clientId until acknowledged. */
export class Chatter {
  readonly sends: ChatSend[] = [];
  private socket?: Socket;
  private stopped = false;
  private loop?: Promise<void>;
  private n = 0;

  constructor(
    private readonly url: string,
    readonly userId: string,
    private readonly token: string,
    private readonly ticker: string,
    private readonly rng: Rng,
  ) {}

  start(): void {
    this.socket = io(this.url, { transports: ['websocket'], auth: { token: this.token }, forceNew: true, reconnectionDelay: 500, reconnectionDelayMax: 5000 });
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') setTimeout(() => this.socket?.connect(), 1000);
    });
    this.loop = (async () => {
      while (!this.stopped) {
        await new Promise((r) => setTimeout(r, 2500 + this.rng.int(2500)));
        if (this.stopped) break;
        await this.send();
      }
    })();
  }

  private async send(): Promise<void> {
    const clientId = `${this.userId.slice(0, 8)}-${++this.n}`;
    const s: ChatSend = { clientId, user: this.userId, ticker: this.ticker, tries: 0, ackedIds: new Set(), errors: new Map(), internalAt: [], duplicateAt: [] };
    this.sends.push(s);
    const body = `soak chat ${clientId} t0=${Date.now()}`;
    // Retried on every error with the same clientId (the ack lost, a timeout, a refusal), until
    // one ok ack; the soak's stop ends the retries of a message never acknowledged.
    for (;;) {
      s.tries++;
      try {
        const ack = await this.socket!.timeout(5000).emitWithAck('chat:send', { tickerId: this.ticker, body, clientId });
        if (ack.ok) {
          s.ackedIds.add(ack.message.id);
          s.messageId = ack.message.id;
          s.ackedAt = Date.now();
          return;
        }
        const code = String(ack.error?.code);
        s.errors.set(code, (s.errors.get(code) ?? 0) + 1);
        if (code === 'internal') s.internalAt.push(Date.now());
        if (code === 'message_rejected' && ack.error?.details?.reason === 'duplicate') s.duplicateAt.push(Date.now());
      } catch {
        s.errors.set('timeout', (s.errors.get('timeout') ?? 0) + 1);
      }
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.socket?.close();
  }
}
