import { createHash, randomBytes } from 'node:crypto';
import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Db } from '../../server/src/db/database';
import { commit } from '../../server/src/db/commit';
import type { CommitDeps } from '../../server/src/db/commit';
import { toMessage } from '../../server/src/chat/messages.repo';
import { chatStream } from '@liveticker/schemas';
import { issueEmailToken } from '../../server/src/auth/email-tokens';
import { createSession } from '../../server/src/auth/sessions';
import { raw } from './api';
import { OPS_KEY } from './server';
import { waitFor } from './wait';

/**
 * Everyone the authorization matrix asks, in the order its columns are shown. `cookie` is an
 * admin's session cookie sent by the newsroom's own pages (PUBLIC_URL); `siteCookie` the same
 * cookie sent by a news site named in CORS_ORIGINS (same-site with the ticker's host, so the Lax
 * cookie goes along): an ad script or an XSS there, which must get no staff rights from it.
 * `cardsToken` is an editor's API token limited to the `cards` scope (a data feed's).
 */
export const ACTORS = ['anonymous', 'unverified', 'reader', 'muted', 'banned', 'moderator', 'editor', 'admin', 'ops', 'token', 'cardsToken', 'cookie', 'siteCookie'] as const;
export type ActorName = (typeof ACTORS)[number];

/** The news site the matrix's server names in CORS_ORIGINS. */
export const NEWS_SITE = 'https://www.news.example';

/** How one actor authenticates, and the user behind it (none for anonymous and the ops key). */
export interface Cred {
  name: ActorName;
  /** `Authorization: Bearer` value and socket `auth.token` (or, with `page`, the cookie's); absent for anonymous. */
  token?: string;
  /** The token goes as the session cookie from a browser page instead: its origin. */
  page?: string;
  userId?: string;
  email?: string;
  displayName?: string;
}

export const PASSWORD = 'a long secret';
export const bearer = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
const ops = bearer(OPS_KEY);

/**
 * The headers `cred` authenticates a REST call with, as a browser sends them: from a page
 * elsewhere every call carries its Origin (CORS); from the server's own page a GET carries none,
 * only `Sec-Fetch-Site: same-origin`.
 */
export function authHeaders(cred: Cred, method: string, ownOrigin: string): Record<string, string> {
  if (!cred.page || !cred.token) return bearer(cred.token);
  const cookie = `lt_session=${cred.token}`;
  if (cred.page !== ownOrigin) return { cookie, origin: cred.page, 'sec-fetch-site': 'same-site' };
  return { cookie, 'sec-fetch-site': 'same-origin', ...(method === 'GET' || method === 'HEAD' ? {} : { origin: ownOrigin }) };
}

/** Rejects with a message naming what was awaited when `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The body of a response with the status a fixture step needs, or an error saying which step failed. */
export async function must(what: string, res: Promise<{ status: number; body: any }>, status: number): Promise<any> {
  const r = await within(res, 10_000, `the answer to "${what}"`);
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Builds the matrix's actors and the objects their calls act on, on one test server. Staff and
 * readers are made the way the newsroom makes them (`POST /users` with the ops key, then a real
 * login); the states no route reaches quickly are set in the database, as chat.test.ts does.
 */
export class World {
  private n = 0;
  /** A live room with limits no matrix row reaches; most calls go here. */
  ticker = '';
  /** A premoderated room: a reader's message waits in the moderation queue. */
  heldRoom = '';
  /** A reader who writes the messages other actors act on, and one who reports them. */
  author!: Cred;
  reporter!: Cred;
  /** A verified reader others log in as. */
  loginUser!: Cred;
  entry = '';

  readonly db: Db;

  constructor(
    readonly url: string,
    /** The node's own write path: the world writes what no route may write, as the server would. */
    private readonly writer: CommitDeps,
    readonly tag: string,
  ) {
    this.db = writer.db;
  }

  next(): number {
    return ++this.n;
  }

  address(): string {
    return `u${this.next()}.${this.tag}@example.org`;
  }

  /** A verified user of a role made by the ops key, not logged in. */
  async newUser(role: 'reader' | 'editor' | 'moderator' | 'admin' = 'reader'): Promise<{ id: string; email: string }> {
    const email = this.address();
    const user = await must(`create a ${role}`, raw(this.url, 'POST', '/users', { email, password: PASSWORD, displayName: `${role} ${this.n}`, role }, ops), 201);
    return { id: user.id, email };
  }

  async login(email: string): Promise<{ token: string; user: { id: string; displayName: string } }> {
    return must(`log in as ${email}`, raw(this.url, 'POST', '/auth/login', { email, password: PASSWORD }), 200);
  }

  private async loggedIn(name: ActorName, role: 'reader' | 'editor' | 'moderator' | 'admin'): Promise<Cred> {
    const { email } = await this.newUser(role);
    const { token, user } = await this.login(email);
    return { name, token, userId: user.id, email, displayName: user.displayName };
  }

  /** A new identity of the kind `name`; anonymous and the ops key are always the same. */
  async actor(name: ActorName): Promise<Cred> {
    switch (name) {
      case 'anonymous':
        return { name };
      case 'ops':
        return { name, token: OPS_KEY };
      case 'reader':
      case 'moderator':
      case 'editor':
      case 'admin':
        return this.loggedIn(name, name);
      case 'unverified': {
        const email = this.address();
        await must('register', raw(this.url, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Unverified' }), 202);
        // The verification token is written after the answer: let it land before any snapshot.
        await this.settleMail(email);
        const { token, user } = await this.login(email);
        return { name, token, userId: user.id, email, displayName: user.displayName };
      }
      case 'muted': {
        const cred = await this.loggedIn(name, 'reader');
        const mutedUntil = new Date(Date.now() + 365 * 86_400_000).toISOString();
        await must('mute', raw(this.url, 'PATCH', `/users/${cred.userId}`, { mutedUntil }, ops), 200);
        return cred;
      }
      case 'banned': {
        // Banned after logging in, the session left unrevoked (as a node that missed the ban would
        // see it): the ban itself must refuse the token, not only the revocation that comes with it.
        const cred = await this.loggedIn(name, 'reader');
        await this.db.updateTable('users').set({ banned_at: new Date().toISOString() }).where('id', '=', cred.userId!).execute();
        return cred;
      }
      case 'cookie':
        return { ...(await this.loggedIn(name, 'admin')), page: new URL(this.url).origin };
      case 'siteCookie':
        return { ...(await this.loggedIn(name, 'admin')), page: NEWS_SITE };
      case 'token': {
        // A personal API token of an editor: `ltk_…`, made by the editor's own session.
        const owner = await this.loggedIn(name, 'editor');
        const made = await must('create an API token', raw(this.url, 'POST', '/me/tokens', { name: 'matrix' }, bearer(owner.token)), 201);
        if (!String(made.token).startsWith('ltk_')) throw new Error(`not an API token: ${made.token}`);
        return { ...owner, token: made.token };
      }
      case 'cardsToken': {
        // A data feed's token: an editor's, limited to the card routes.
        const owner = await this.loggedIn(name, 'editor');
        const made = await must('create a cards token', raw(this.url, 'POST', '/me/tokens', { name: 'feed', scopes: ['cards'] }, bearer(owner.token)), 201);
        return { ...owner, token: made.token };
      }
    }
  }

  /** Rooms, the users fixtures act as, and one entry to read. */
  async init(): Promise<void> {
    this.ticker = await this.newTicker();
    this.heldRoom = await this.newTicker({ mode: 'premoderated' });
    this.author = await this.loggedIn('reader', 'reader');
    this.reporter = await this.loggedIn('reader', 'reader');
    this.loginUser = await this.loggedIn('reader', 'reader');
    this.entry = (await this.newEntry()).id;
  }

  /** A live ticker whose room never throttles the matrix (limits are per user and room). */
  /** Makes `user:<userId>` as a first subscribe or a first change would; resolves the user id. */
  async userStreamOf(userId: string): Promise<string> {
    await this.db.insertInto('streams').values({ name: `user:${userId}`, rev: 0, epoch: 'a0' }).onConflict((oc) => oc.column('name').doNothing()).execute();
    return userId;
  }

  /** Puts a chat in a user's inbox, read up to its start. */
  async joinChat(userId: string, tickerId: string): Promise<void> {
    await this.db
      .insertInto('chat_members')
      .values({ user_id: userId, ticker_id: tickerId, last_read_rev: 0, active: 1, rev: 0, notified_rev: 0, joined_at: new Date().toISOString() })
      .execute();
  }

  async newTicker(chat: Record<string, unknown> = {}): Promise<string> {
    const id = `room-${this.tag}-${this.next()}`;
    await must('create a ticker', raw(this.url, 'POST', '/tickers', { id, title: `Room ${this.n}`, status: 'live' }, ops), 201);
    await must(
      'open up the room',
      raw(this.url, 'PATCH', `/tickers/${id}/chat-settings`, { rateLimit: { burst: 1000, perMinute: 6000 }, duplicateWindowSeconds: 0, ...chat }, ops),
      200,
    );
    return id;
  }

  async newEntry(): Promise<{ id: string; version: number }> {
    return must('publish an entry', raw(this.url, 'POST', `/tickers/${this.ticker}/entries`, { kind: 'text', body: `<p>entry ${this.next()}</p>` }, ops), 201);
  }

  /** A message by the fixture author: visible in the main room, or held in the premoderated one. */
  async newMessage(held = false): Promise<string> {
    const room = held ? this.heldRoom : this.ticker;
    const body = { body: `message ${this.next()}`, clientId: `fixture-${this.tag}-${this.n}` };
    const msg = await must('post a message', raw(this.url, 'POST', `/tickers/${room}/messages`, body, bearer(this.author.token)), 201);
    if (msg.status !== (held ? 'pending' : 'visible')) throw new Error(`fixture message is ${msg.status}`);
    return msg.id;
  }

  /**
   * A visible message of `author` in the main room, written to the database the way the chat
   * does (next chat revision, same transaction): muted and unverified users cannot post their own.
   */
  async ownMessage(author: Cred): Promise<string> {
    const id = randomBytes(12).toString('base64url');
    const now = new Date().toISOString();
    await commit(this.writer, (w) =>
      w.change(chatStream(this.ticker), 'message.created', async (rev) => {
        const row = {
          id,
          ticker_id: this.ticker,
          seq: rev,
          rev,
          mod_rev: 0,
          author_id: author.userId ?? 'nobody',
          author_name: author.displayName ?? 'Nobody',
          body: `own message ${this.next()}`,
          reply_to: null,
          reply_to_author: null,
          status: 'visible' as const,
          hold_reason: null,
          pinned: 0,
          client_id: `own-${this.tag}-${this.n}`,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        };
        await w.trx.insertInto('messages').values(row).execute();
        return toMessage(row);
      }),
    );
    return id;
  }

  /** An open report on a fresh message. */
  async newReport(): Promise<string> {
    const message = await this.newMessage();
    const report = await must('report', raw(this.url, 'POST', `/messages/${message}/reports`, { reason: 'spam' }, bearer(this.reporter.token)), 201);
    return report.id;
  }

  /** An API token row of a user (any role: a demoted editor keeps the ones made before). */
  async apiTokenOf(userId: string | undefined): Promise<string> {
    if (!userId) return randomBytes(12).toString('base64url');
    return (await createSession(this.db, userId, { kind: 'api', name: 'fixture' })).id;
  }

  /** A fresh user and a mailed-link token of theirs, as the verification or reset mail carries it. */
  async mailToken(purpose: 'verify' | 'reset'): Promise<string> {
    return (await this.mailLink(purpose)).token;
  }

  /** Like mailToken, with the address the link was mailed to. */
  async mailLink(purpose: 'verify' | 'reset'): Promise<{ token: string; email: string }> {
    const user = await this.newUser();
    return { token: await issueEmailToken(this.db, user.id, user.email, purpose), email: user.email };
  }

  /** Waits until the mail a registration sends after answering has stored its token. */
  async settleMail(email: string): Promise<void> {
    await waitFor(
      () => this.db.selectFrom('email_tokens').select('user_id').where('email', '=', email).executeTakeFirst(),
      `the verification token mailed to ${email}`,
    );
  }
}

/** Each table and its key; the snapshot reads them all, in key order. */
export const SNAPSHOT_TABLES = {
  cards: 'id',
  push_vapid: 'id',
  push_follows: 'id',
  push_streams: 'ticker_id',
  push_entries: 'entry_id',
  push_manual: 'id',
  streams: 'name',
  tickers: 'id',
  entries: 'id',
  users: 'id',
  email_tokens: 'token_hash',
  sessions: 'id',
  chat_settings: 'ticker_id',
  messages: 'id',
  reports: 'id',
  moderation_log: 'id',
  // The readers' inboxes (rows sorted whole, so a column of the key is enough).
  chat_members: 'user_id',
  inbox_dirty: 'ticker_id',
  user_blocks: 'user_id',
  // Reader analytics (rows sorted whole).
  analytics_salts: 'day',
  analytics_batches: 'batch_id',
  analytics_minutes: 'ticker_id',
  analytics_days: 'ticker_id',
  analytics_entries: 'ticker_id',
  analytics_uniques: 'ticker_id',
  analytics_sources: 'ticker_id',
  analytics_entry_days: 'ticker_id',
  analytics_hours: 'ticker_id',
  // Written only by the readiness probe while storage is full, and emptied in the same transaction.
  health_probe: 'node',
  webhooks: 'id',
  webhook_cursors: 'webhook_id',
  webhook_deliveries: 'id',
  media: 'id',
  entry_versions: 'entry_id',
  entry_templates: 'id',
  // Polls: one vote per (poll, voter); polls whose counts the stream does not show yet.
  poll_votes: 'entry_id',
  poll_dirty: 'entry_id',
  // Questions to the desk and their upvotes.
  questions: 'id',
  question_votes: 'question_id',
} as const;

/**
 * Tables that only mirror others, left out of the snapshot: SQLite's entry search index (FTS5,
 * its shadow tables, and the entries' stable numbers in it), kept by triggers from `entries`,
 * whose `search_text` the snapshot does read. PostgreSQL keeps its search index without a table.
 */
export const DERIVED_TABLES = new Set(['entry_search', 'entry_search_config', 'entry_search_data', 'entry_search_docs', 'entry_search_docsize', 'entry_search_idx']);

/** Columns that record use, not state: an API token's last use is stamped at most once a minute. */
const USAGE_COLUMNS: Partial<Record<keyof typeof SNAPSHOT_TABLES, string[]>> = {
  sessions: ['last_used_at'],
  // The node delivering for an endpoint renews its claim on it every round.
  webhooks: ['lease_owner', 'lease_until'],
  // So do the nodes pushing to a ticker's followers.
  push_follows: ['lease_owner', 'lease_until'],
  push_streams: ['lease_owner', 'lease_until'],
};

export interface Snapshot {
  /** Head revision of every stream. */
  heads: Record<string, number>;
  rows: Record<string, number>;
  /** SHA-256 of each table's rows in key order. */
  digest: Record<string, string>;
}

/** Everything a call could have changed, compact enough that a diff names the table. */
export async function snapshot(db: Db): Promise<Snapshot> {
  const loose = db as unknown as { selectFrom(t: string): { selectAll(): { orderBy(k: string): { execute(): Promise<Record<string, unknown>[]> } } } };
  const tables = Object.entries(SNAPSHOT_TABLES) as Array<[keyof typeof SNAPSHOT_TABLES, string]>;
  const all = await Promise.all(tables.map(([table, key]) => loose.selectFrom(table).selectAll().orderBy(key).execute()));
  const snap: Snapshot = { heads: {}, rows: {}, digest: {} };
  tables.forEach(([table], i) => {
    const rows = all[i].map((row) => {
      const copy = { ...row };
      for (const col of USAGE_COLUMNS[table] ?? []) delete copy[col];
      return JSON.stringify(copy);
    });
    // Rows that share a key (an entry's versions) in one order whatever the database returned.
    rows.sort();
    snap.rows[table] = rows.length;
    snap.digest[table] = createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16);
    if (table === 'streams') for (const r of all[i]) snap.heads[r.name as string] = Number(r.rev);
  });
  return snap;
}

/**
 * The users' addresses found in `answer` (an answer's text: a REST body, socket acks and pushed
 * events) other than those in `mayName` (the asker's own, and any the request named or proved).
 * Only admins may see other people's addresses.
 */
export async function othersAddressesIn(db: Db, answer: string, mayName: Array<string | undefined>): Promise<string[]> {
  const text = answer.toLowerCase();
  const own = new Set(mayName.filter((a): a is string => a !== undefined).map((a) => a.toLowerCase()));
  const users = await db.selectFrom('users').select('email').execute();
  return users.map((u) => u.email.toLowerCase()).filter((email) => !own.has(email) && text.includes(email));
}

/** How a socket of `cred` fared at the handshake: connected, or refused with the server's code. */
export async function openSocket(url: string, cred: Cred, sockets: Socket[]): Promise<{ socket?: Socket; refused?: string }> {
  // A browser's WebSocket handshake always names the page's origin.
  const how = cred.page
    ? { auth: {}, extraHeaders: { cookie: `lt_session=${cred.token}`, origin: cred.page } }
    : { auth: cred.token ? { token: cred.token } : {} };
  const socket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...how });
  sockets.push(socket);
  return within(
    new Promise((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve({ refused: err.data?.code ?? `no code (${err.message})` }));
    }),
    5000,
    `the socket handshake of ${cred.name}`,
  );
}
