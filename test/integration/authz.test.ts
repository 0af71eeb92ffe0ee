import { createECDH, randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { listRoutes, testConfig } from '@liveticker/server';
import { ERROR_STATUS, SOCKET_EVENTS } from '@liveticker/schemas';
import type { ErrorCode } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { ACTORS, DERIVED_TABLES, NEWS_SITE, PASSWORD, SNAPSHOT_TABLES, World, authHeaders, bearer, must, openSocket, othersAddressesIn, snapshot, within } from '../helpers/authz';
import type { ActorName, Cred } from '../helpers/authz';

/**
 * Who may do what (DESIGN.md): reading needs no account; posting chat needs a verified user who
 * is not muted or banned; entries need `editor`; moderating needs `moderator`; managing users
 * needs `admin`; only admins ban staff; a staff member's session cookie carries their role only
 * from the newsroom's own pages, and a reader's from a news site. Every REST route and every
 * socket command is asked by every actor; a refusal must carry its code and leave the database
 * exactly as it was.
 */

type Role = 'reader' | 'editor' | 'moderator' | 'admin';
/** What a cell expects: success, or refusal with this code. */
type Want = 'ok' | ErrorCode;

/**
 * The role each actor acts with. The ops key is the built-in admin `ops`; an API token carries
 * its owner's role, looked up on every request (here an editor's token). An admin's session
 * cookie is an admin's from the newsroom's own pages, and a reader's from a news site.
 */
const ROLE: Record<ActorName, Role | undefined> = {
  anonymous: undefined,
  unverified: 'reader',
  reader: 'reader',
  muted: 'reader',
  banned: 'reader',
  moderator: 'moderator',
  editor: 'editor',
  admin: 'admin',
  ops: 'admin',
  token: 'editor',
  cardsToken: 'editor',
  cookie: 'admin',
  siteCookie: 'reader',
};

/** Admins may do everything; every other role only its own work (an editor does not moderate). */
const grants = (have: Role | undefined, needed: Role[]) => have === 'admin' || needed.some((r) => r === 'reader' || r === have);

/**
 * Only admins see other users' addresses (`GET /users`); everyone else sees at most their own
 * (`GET /me`). Checked on every answer of every cell, refusals included.
 */
const seesAddresses = (a: ActorName) => ROLE[a] === 'admin';

/** Reads are public; a token that resolves to nobody (the banned user's) reads as anonymous. */
const anyone = (): Want => 'ok';
/** Sign-up, login and mailed links are open to all, but any write with a dead bearer token is a 401. */
const anyoneWriting = (a: ActorName): Want => (a === 'banned' ? 'login_required' : 'ok');
/** Your own account: a session or API token of a user. The ops key is nobody's account. */
const account = (a: ActorName): Want => (a === 'anonymous' || a === 'banned' || a === 'ops' ? 'login_required' : 'ok');
/** A logged-in user with a verified address and one of the roles. */
const role =
  (...needed: Role[]) =>
  (a: ActorName): Want => {
    if (a === 'anonymous' || a === 'banned') return 'login_required';
    if (a === 'unverified') return 'email_not_verified';
    return grants(ROLE[a], needed) ? 'ok' : 'forbidden';
  };
/** Posting in the chat: verified and not muted (banned users hold no working token). */
const chat = (a: ActorName): Want => (a === 'muted' ? 'muted' : role('reader')(a));
/**
 * A staff member's API tokens (bearer credentials that work from anywhere) are out of reach of a
 * news site's page that holds their cookie, listing and revoking included.
 */
const staffCredentials =
  (want: (a: ActorName) => Want) =>
  (a: ActorName): Want =>
    a === 'siteCookie' ? 'forbidden' : want(a);

interface Cell {
  actor: Cred;
  w: World;
}

interface Call {
  path: string;
  body?: unknown;
  /** Headers beside the actor's (a multipart upload's content type). */
  headers?: Record<string, string>;
  /** Addresses the request proves it holds (a mailed link with the account's password): its answer may name them. */
  owns?: string[];
}

interface RestRow {
  /** As `listRoutes` prints it: `METHOD /api/v1/…` with Express's `:param` patterns. */
  route: string;
  /** Which case of the route, when a route has several rows. */
  case?: string;
  /** Status of a successful call. */
  ok: number;
  want: (a: ActorName) => Want;
  /** The call uses up the caller (logout, password change): each actor comes new for it. */
  freshActor?: boolean;
  /** The concrete call (path under /api/v1), making what a successful call would use up. */
  call: (cell: Cell) => Promise<Call> | Call;
  /** After a success, waits for work done after the answer, so it cannot land in the next cell. */
  settle?: (cell: Cell, body: unknown) => Promise<void>;
  /** Whether a successful call by this actor writes (default: every write but a GET does). */
  writes?: (a: ActorName) => boolean;
}

const t = (w: World) => w.ticker;
/** A 1×1 PNG as a browser's form uploads it. */
function multipartImage(): { body: Buffer; headers: Record<string, string> } {
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
  const b = 'matrixBoundary7d3f';
  const body = Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="dot.png"\r\nContent-Type: image/png\r\n\r\n`), png, Buffer.from(`\r\n--${b}--\r\n`)]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}
/**
 * An endpoint for a ticker no row writes to, so no delivery is made while the matrix compares the
 * database before and after a call (nobody listens at its address anyway).
 */
const quiet = new WeakMap<World, Promise<unknown>>();
async function hookBody(w: World): Promise<Record<string, unknown>> {
  if (!quiet.has(w)) quiet.set(w, fetch(`${w.url}/api/v1/tickers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS_KEY}` }, body: JSON.stringify({ id: 'authz-quiet', title: 'Quiet' }) }));
  await quiet.get(w);
  return { url: 'http://127.0.0.1:9/hook', events: ['entry.created'], tickerId: 'authz-quiet' };
}
async function newHook(w: World): Promise<string> {
  const res = await fetch(`${w.url}/api/v1/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS_KEY}` }, body: JSON.stringify(await hookBody(w)) });
  if (res.status !== 201) throw new Error(`could not register a webhook: ${res.status}`);
  return ((await res.json()) as { id: string }).id;
}

/** A poll of its own in the world's ticker, made by the ops key; answers its id. */
async function newPoll(w: World, extra: Record<string, unknown> = {}): Promise<string> {
  const poll = { question: 'Matrix?', options: [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' }], ...extra };
  return (await must('a poll', raw(w.url, 'POST', `/tickers/${t(w)}/entries`, { kind: 'poll', poll }, bearer(OPS_KEY)), 201)).id;
}

/**
 * Follows go to a ticker of their own where no entry is ever written, so no push is attempted while
 * the matrix compares the database before and after a call (nobody listens at the endpoint anyway).
 */
const followed = new WeakMap<World, Promise<unknown>>();
let devices = 0;
/** A ticker of the world whose questions are public (made once per world). */
const publicTickers = new WeakMap<World, Promise<string>>();
function publicTicker(w: World): Promise<string> {
  let made = publicTickers.get(w);
  if (!made) {
    made = (async () => {
      const id = await w.newTicker();
      await must('questions made public', raw(w.url, 'PATCH', `/tickers/${id}`, { questions: { public: true } }, bearer(OPS_KEY)), 200);
      return id;
    })();
    publicTickers.set(w, made);
  }
  return made;
}

/** A question of a fresh reader of its own, in the world's ticker or (`pub`) the public one; answers its id. */
async function newQuestion(w: World, pub = false): Promise<string> {
  const tickerId = pub ? await publicTicker(w) : t(w);
  const { token } = await w.login((await w.newUser('reader')).email);
  const body = { body: `Matrix question ${w.next()}?`, clientId: `question-${w.tag}-${w.next()}` };
  return (await must('a question', raw(w.url, 'POST', `/tickers/${tickerId}/questions`, body, bearer(token)), 201)).id;
}

async function followBody(w: World): Promise<Record<string, unknown>> {
  if (!followed.has(w)) followed.set(w, fetch(`${w.url}/api/v1/tickers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS_KEY}` }, body: JSON.stringify({ id: 'authz-followed', title: 'Followed' }) }));
  await followed.get(w);
  const device = createECDH('prime256v1');
  device.generateKeys();
  return { subscription: { endpoint: `https://127.0.0.1:9/push/${w.tag}-${++devices}`, keys: { p256dh: device.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } }, topics: 'all' };
}
/** A follow made by `by` (with its session; anonymously when it has none that works), for a cell to change or end. */
async function newFollow(w: World, by?: Cred): Promise<string> {
  const body = await followBody(w);
  const headers = by ? authHeaders(by, 'POST', w.url) : {};
  let res = await raw(w.url, 'POST', '/tickers/authz-followed/followers', body, headers);
  // A dead token (401) or one limited to cards (403) cannot follow: the follow is anonymous then.
  if (res.status === 401 || res.status === 403) res = await raw(w.url, 'POST', '/tickers/authz-followed/followers', body);
  if (res.status !== 201) throw new Error(`could not follow: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}
/** Someone else's follow: a device's secret or its maker's session is needed, and a dead token is a 401 first. */
const othersFollow = (a: ActorName): Want => (a === 'banned' ? 'login_required' : 'forbidden');
/** A follow made with the actor's own session: theirs to change (the ops key and anonymous callers hold no session). */
const ownFollow = (a: ActorName): Want => (a === 'banned' ? 'login_required' : a === 'anonymous' || a === 'ops' ? 'forbidden' : 'ok');

/** A template of the main room's desk, made by the ops key for a cell to act on. */
async function newTemplate(w: World): Promise<string> {
  const made = await must('an entry template', raw(w.url, 'POST', '/templates', { tickerId: w.ticker, name: `Fixture ${w.next()}`, body: '<p>x</p>' }, bearer(OPS_KEY)), 201);
  return made.id;
}

const CARD = { type: 'table', data: { title: 'Medals', columns: ['Country', 'Gold'], rows: [['Norway', 16]] } };
/** A card of the main room, made by the ops key for a cell to delete. */
async function newCard(w: World): Promise<string> {
  const id = `fixture-${w.next()}`;
  await must('a card', raw(w.url, 'PUT', `/tickers/${t(w)}/cards/${id}`, CARD, bearer(OPS_KEY)), 201);
  return id;
}

/** Routes that look at no credential at all: a token limited to cards is not even read there. */
const NO_CREDENTIAL = new Set(['GET /api/v1/openapi.json', 'POST /api/v1/analytics/events']);
/**
 * An API token limited to `cards` (a data feed's) reaches the card routes with its owner's rights
 * and is refused everywhere else, reads included; a socket refuses its handshake.
 */
function wantOf(row: RestRow, a: ActorName): Want {
  if (a !== 'cardsToken' || /\/cards(\/|$)/.test(row.route) || NO_CREDENTIAL.has(row.route)) return row.want(a);
  return 'forbidden';
}

const REST: RestRow[] = [
  { route: 'GET /api/v1/openapi.json', ok: 200, want: anyone, call: () => ({ path: '/openapi.json' }) },

  // ---- accounts ----
  {
    route: 'POST /api/v1/auth/register',
    ok: 202,
    want: anyoneWriting,
    call: ({ w }) => ({ path: '/auth/register', body: { email: w.address(), password: PASSWORD, displayName: 'Newcomer' } }),
    settle: ({ w }, body) => w.settleMail((body as { email: string }).email),
  },
  {
    route: 'POST /api/v1/auth/verify',
    ok: 200,
    want: anyoneWriting,
    call: async ({ w }) => {
      const link = await w.mailLink('verify');
      return { path: '/auth/verify', body: { token: link.token, password: PASSWORD }, owns: [link.email] };
    },
  },
  // Unknown addresses: the answer is the same, and no mail is written after it.
  {
    route: 'POST /api/v1/auth/resend-verification',
    ok: 202,
    want: anyoneWriting,
    writes: () => false,
    call: ({ w }) => ({ path: '/auth/resend-verification', body: { email: w.address() } }),
  },
  // The ops key's one browser use: the first admin, on a fresh install only. Here admins exist,
  // so the key is refused too (its success is test/integration/first-admin.test.ts); an
  // account, even an admin's, is never the ops key.
  {
    route: 'POST /api/v1/auth/first-admin',
    ok: 201,
    want: (a) => (a === 'anonymous' || a === 'banned' ? 'login_required' : a === 'ops' ? 'conflict' : 'forbidden'),
    call: ({ w }) => ({ path: '/auth/first-admin', body: { email: w.address(), displayName: 'First Admin', password: PASSWORD } }),
  },
  { route: 'POST /api/v1/auth/login', ok: 200, want: anyoneWriting, call: ({ w }) => ({ path: '/auth/login', body: { email: w.loginUser.email, password: PASSWORD } }) },
  // Without a session (anonymous, the ops key) there is nothing to end.
  {
    route: 'POST /api/v1/auth/logout',
    ok: 204,
    want: anyoneWriting,
    freshActor: true,
    writes: (a) => account(a) === 'ok',
    call: () => ({ path: '/auth/logout' }),
  },
  {
    route: 'POST /api/v1/auth/password-reset',
    ok: 202,
    want: anyoneWriting,
    writes: () => false,
    call: ({ w }) => ({ path: '/auth/password-reset', body: { email: w.address() } }),
  },
  {
    route: 'POST /api/v1/auth/password-reset/confirm',
    ok: 200,
    want: anyoneWriting,
    call: async ({ w }) => ({ path: '/auth/password-reset/confirm', body: { token: await w.mailToken('reset'), password: 'a new long secret' } }),
  },
  {
    route: 'POST /api/v1/auth/password',
    ok: 200,
    want: account,
    freshActor: true,
    call: () => ({ path: '/auth/password', body: { currentPassword: PASSWORD, newPassword: 'a new long secret' } }),
  },
  { route: 'GET /api/v1/me', ok: 200, want: account, call: () => ({ path: '/me' }) },
  { route: 'PATCH /api/v1/me', ok: 200, want: account, call: () => ({ path: '/me', body: { locale: 'en' } }) },
  { route: 'GET /api/v1/me/tokens', ok: 200, want: staffCredentials(account), call: () => ({ path: '/me/tokens' }) },
  {
    route: 'POST /api/v1/me/tokens',
    ok: 201,
    // A session or API token of a verified user who is staff: readers get none.
    want: (a) => (account(a) !== 'ok' ? account(a) : role('editor', 'moderator')(a)),
    call: () => ({ path: '/me/tokens', body: { name: 'matrix' } }),
  },
  // The reader's "Chats": each account's own; the ops key is nobody's. A fresh ticker each call,
  // so the call really writes (joins by marking read; leaves a chat it is in).
  { route: 'GET /api/v1/me/chats', ok: 200, want: account, call: () => ({ path: '/me/chats?limit=5' }) },
  { route: 'PUT /api/v1/me/chats/:tickerId/read', ok: 200, want: account, call: async ({ w }) => ({ path: `/me/chats/${await w.newTicker()}/read`, body: { rev: 0 } }) },
  {
    route: 'DELETE /api/v1/me/chats/:tickerId',
    ok: 204,
    want: account,
    call: async ({ w, actor }) => {
      const room = await w.newTicker();
      if (actor.userId) await w.joinChat(actor.userId, room);
      return { path: `/me/chats/${room}` };
    },
  },
  // Analytics: a beacon is anyone's (no credential is looked at; a fresh batch id each call, so it
  // really counts); the reports are the desk's.
  {
    route: 'POST /api/v1/analytics/events',
    ok: 204,
    want: anyone,
    call: ({ w }) => ({ path: '/analytics/events', body: { batchId: `matrix-${Math.random().toString(36).slice(2)}`, tickerId: w.ticker, events: [{ type: 'page.view' }] } }),
  },
  { route: 'GET /api/v1/tickers/:id/analytics', ok: 200, want: role('editor'), call: ({ w }) => ({ path: `/tickers/${w.ticker}/analytics` }) },
  { route: 'GET /api/v1/analytics', ok: 200, want: role('editor'), call: () => ({ path: '/analytics' }) },
  // A reader's blocks: each account's own. A fresh reader to block each call, so the call writes.
  { route: 'GET /api/v1/me/blocks', ok: 200, want: account, call: () => ({ path: '/me/blocks' }) },
  { route: 'PUT /api/v1/me/blocks/:userId', ok: 204, want: account, call: async ({ w }) => ({ path: `/me/blocks/${(await w.newUser()).id}` }) },
  {
    route: 'DELETE /api/v1/me/blocks/:userId',
    ok: 204,
    want: account,
    call: async ({ w, actor }) => {
      const { id } = await w.newUser();
      if (actor.userId) await w.db.insertInto('user_blocks').values({ user_id: actor.userId, blocked_id: id, created_at: new Date().toISOString() }).execute();
      return { path: `/me/blocks/${id}` };
    },
  },
  {
    route: 'DELETE /api/v1/me/tokens/:id',
    case: 'own token',
    ok: 204,
    want: staffCredentials(account),
    call: async ({ w, actor }) => ({ path: `/me/tokens/${await w.apiTokenOf(actor.userId)}` }),
  },
  {
    route: 'DELETE /api/v1/me/tokens/:id',
    case: "another user's token",
    ok: 204,
    want: staffCredentials((a) => (account(a) === 'ok' ? 'not_found' : account(a))),
    call: async ({ w }) => ({ path: `/me/tokens/${await w.apiTokenOf(w.author.userId)}` }),
  },

  // ---- users (admin) ----
  {
    route: 'POST /api/v1/users',
    case: 'an admin account',
    ok: 201,
    want: role('admin'),
    call: ({ w }) => ({ path: '/users', body: { email: w.address(), password: PASSWORD, displayName: 'Made', role: 'admin' } }),
  },
  { route: 'GET /api/v1/users', ok: 200, want: role('admin'), call: () => ({ path: '/users' }) },

  // ---- webhooks (admin) ----
  // Web Push: following needs no account (a dead bearer token still fails a write).
  { route: 'GET /api/v1/push/public-key', ok: 200, want: anyone, call: () => ({ path: '/push/public-key' }) },
  { route: 'POST /api/v1/tickers/:id/followers', ok: 201, want: anyoneWriting, call: async ({ w }) => ({ path: '/tickers/authz-followed/followers', body: await followBody(w) }) },
  { route: 'PATCH /api/v1/followers/:id', case: "someone else's follow", ok: 200, want: othersFollow, call: async ({ w }) => ({ path: `/followers/${await newFollow(w)}`, body: { topics: 'key-events' } }) },
  { route: 'PATCH /api/v1/followers/:id', case: 'own follow', ok: 200, want: ownFollow, call: async ({ w, actor }) => ({ path: `/followers/${await newFollow(w, actor)}`, body: { topics: 'key-events' } }) },
  { route: 'DELETE /api/v1/followers/:id', case: "someone else's follow", ok: 204, want: othersFollow, call: async ({ w }) => ({ path: `/followers/${await newFollow(w)}` }) },
  { route: 'DELETE /api/v1/followers/:id', case: 'own follow', ok: 204, want: ownFollow, call: async ({ w, actor }) => ({ path: `/followers/${await newFollow(w, actor)}` }) },
  { route: 'GET /api/v1/me/follows', ok: 200, want: account, call: () => ({ path: '/me/follows' }) },
  // The console's follower count and manual push: editors (the main room has no follows, so nothing is delivered after the answer).
  { route: 'GET /api/v1/tickers/:id/followers/count', ok: 200, want: role('editor'), call: ({ w }) => ({ path: `/tickers/${t(w)}/followers/count` }) },
  { route: 'POST /api/v1/tickers/:id/pushes', ok: 201, want: role('editor'), call: ({ w }) => ({ path: `/tickers/${t(w)}/pushes`, body: { text: `Breaking: matrix ${w.next()}` } }) },
  { route: 'GET /api/v1/webhooks', ok: 200, want: role('admin'), call: () => ({ path: '/webhooks' }) },
  { route: 'POST /api/v1/webhooks', ok: 201, want: role('admin'), call: async ({ w }) => ({ path: '/webhooks', body: await hookBody(w) }) },
  { route: 'GET /api/v1/webhooks/:id', ok: 200, want: role('admin'), call: async ({ w }) => ({ path: `/webhooks/${await newHook(w)}` }) },
  { route: 'PATCH /api/v1/webhooks/:id', ok: 200, want: role('admin'), call: async ({ w }) => ({ path: `/webhooks/${await newHook(w)}`, body: { active: false } }) },
  { route: 'DELETE /api/v1/webhooks/:id', ok: 204, want: role('admin'), call: async ({ w }) => ({ path: `/webhooks/${await newHook(w)}` }) },
  { route: 'GET /api/v1/webhooks/:id/deliveries', ok: 200, want: role('admin'), call: async ({ w }) => ({ path: `/webhooks/${await newHook(w)}/deliveries` }) },
  {
    route: 'POST /api/v1/webhooks/:id/replay',
    ok: 202,
    want: role('admin'),
    call: async ({ w }) => ({ path: `/webhooks/${await newHook(w)}/replay`, body: { since: 0 } }),
    // The deliverer walks the replayed stream back to its head (nothing there it was asked for).
    settle: async ({ w }, body) => {
      const id = (body as { id: string }).id;
      await waitFor(async () => {
        const head = await w.db.selectFrom('streams').select('rev').where('name', '=', 'ticker:authz-quiet').executeTakeFirstOrThrow();
        const cursor = await w.db.selectFrom('webhook_cursors').select('rev').where('webhook_id', '=', id).executeTakeFirst();
        return cursor?.rev === head.rev;
      }, 'the replayed webhook back at the head');
    },
  },
  {
    route: 'PATCH /api/v1/users/:id',
    case: 'make a reader admin',
    ok: 200,
    want: role('admin'),
    call: async ({ w }) => ({ path: `/users/${(await w.newUser()).id}`, body: { role: 'admin' } }),
  },
  {
    route: 'PATCH /api/v1/users/:id',
    case: 'make oneself admin',
    ok: 200,
    // The ops key has no user row to change.
    want: (a) => (a === 'ops' ? 'not_found' : role('admin')(a)),
    call: ({ actor }) => ({ path: `/users/${actor.userId ?? 'nobody'}`, body: { role: 'admin' } }),
  },

  // ---- tickers and entries ----
  { route: 'GET /api/v1/tickers', ok: 200, want: anyone, call: () => ({ path: '/tickers' }) },
  // Editors create and edit tickers (docs/DESIGN.md, "Who may do what"), not only admins.
  {
    route: 'POST /api/v1/tickers',
    ok: 201,
    want: role('editor'),
    call: ({ w }) => ({ path: '/tickers', body: { id: `made-${w.tag}-${w.next()}`, title: 'Made by the matrix' } }),
  },
  { route: 'GET /api/v1/tickers/:id', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}` }) },
  { route: 'PATCH /api/v1/tickers/:id', ok: 200, want: role('editor'), call: async ({ w }) => ({ path: `/tickers/${await w.newTicker()}`, body: { title: 'Renamed', status: 'ended' } }) },
  { route: 'GET /api/v1/tickers/:id/entries', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/entries` }) },
  { route: 'GET /api/v1/tickers/:id/key-events', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/key-events` }) },
  { route: 'GET /api/v1/tickers/:id/feed.rss', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/feed.rss` }) },
  { route: 'GET /api/v1/tickers/:id/feed.atom', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/feed.atom` }) },
  { route: 'GET /api/v1/tickers/:id/feed.json', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/feed.json` }) },
  { route: 'GET /api/v1/tickers/:id/html', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/html` }) },
  { route: 'GET /api/v1/tickers/:id/fragment', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/fragment` }) },
  { route: 'GET /api/v1/oembed', ok: 200, want: anyone, call: ({ w }) => ({ path: `/oembed?url=${encodeURIComponent(`${w.url}/api/v1/tickers/${t(w)}/html`)}` }) },
  { route: 'POST /api/v1/media', ok: 201, want: role('editor'), call: () => ({ path: '/media', ...multipartImage() }) },
  { route: 'POST /api/v1/tickers/:id/entries', ok: 201, want: role('editor'), call: ({ w }) => ({ path: `/tickers/${t(w)}/entries`, body: { kind: 'text', body: '<p>news</p>' } }) },
  { route: 'GET /api/v1/tickers/:id/entries/:entryId', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/entries/${w.entry}` }) },
  { route: 'GET /api/v1/tickers/:id/entries/:entryId/history', ok: 200, want: role('editor'), call: ({ w }) => ({ path: `/tickers/${t(w)}/entries/${w.entry}/history` }) },
  {
    route: 'POST /api/v1/tickers/:id/entries/:entryId/restore',
    ok: 200,
    want: role('editor'),
    call: async ({ w }) => {
      // An entry of its own with two versions: the restore brings the first back over the second.
      const made = await must('an entry to restore', raw(w.url, 'POST', `/tickers/${t(w)}/entries`, { body: '<p>first</p>' }, bearer(OPS_KEY)), 201);
      await must('its second version', raw(w.url, 'PATCH', `/tickers/${t(w)}/entries/${made.id}`, { version: 1, body: '<p>second</p>' }, bearer(OPS_KEY)), 200);
      return { path: `/tickers/${t(w)}/entries/${made.id}/restore`, body: { from: 1, version: 2 } };
    },
  },
  {
    route: 'PATCH /api/v1/tickers/:id/entries/:entryId',
    ok: 200,
    want: role('editor'),
    call: async ({ w }) => {
      const e = await w.newEntry();
      return { path: `/tickers/${t(w)}/entries/${e.id}`, body: { version: e.version, body: '<p>corrected</p>', pinned: true } };
    },
  },
  { route: 'DELETE /api/v1/tickers/:id/entries/:entryId', ok: 200, want: role('editor'), call: async ({ w }) => ({ path: `/tickers/${t(w)}/entries/${(await w.newEntry()).id}` }) },
  // Polls: verified readers vote (a poll of its own per cell, so no cell's vote is another's to change).
  {
    route: 'POST /api/v1/tickers/:id/entries/:entryId/votes',
    case: 'verified readers',
    ok: 200,
    want: role('reader'),
    call: async ({ w }) => ({ path: `/tickers/${t(w)}/entries/${await newPoll(w)}/votes`, body: { optionId: 'yes' } }),
  },
  {
    // Anyone's device may vote; a dead bearer token on a write is still refused.
    route: 'POST /api/v1/tickers/:id/entries/:entryId/votes',
    case: 'allowAnonymous',
    ok: 200,
    want: anyoneWriting,
    call: async ({ w }) => ({ path: `/tickers/${t(w)}/entries/${await newPoll(w, { allowAnonymous: true })}/votes`, body: { optionId: 'no' } }),
  },
  { route: 'GET /api/v1/tickers/:id/entries/:entryId/votes', ok: 200, want: anyone, call: async ({ w }) => ({ path: `/tickers/${t(w)}/entries/${await newPoll(w)}/votes` }) },
  { route: 'POST /api/v1/tickers/:id/entries/:entryId/close', ok: 200, want: role('editor'), call: async ({ w }) => ({ path: `/tickers/${t(w)}/entries/${await newPoll(w)}/close` }) },
  // Questions to the desk: verified readers ask under the chat's rules; the desk (editors, moderators) reads them all.
  {
    route: 'POST /api/v1/tickers/:id/questions',
    ok: 201,
    want: chat,
    call: ({ w }) => ({ path: `/tickers/${t(w)}/questions`, body: { body: `Matrix asks ${w.next()}?`, clientId: `ask-${w.tag}-${w.next()}` } }),
  },
  {
    route: 'GET /api/v1/tickers/:id/questions',
    case: 'not public',
    ok: 200,
    // Anyone else is refused alike (a reader's login is no key to the desk's queue).
    want: (a) => (a !== 'unverified' && a !== 'banned' && grants(ROLE[a], ['editor', 'moderator']) ? 'ok' : 'forbidden'),
    call: ({ w }) => ({ path: `/tickers/${t(w)}/questions` }),
  },
  { route: 'GET /api/v1/tickers/:id/questions', case: 'public', ok: 200, want: anyone, call: async ({ w }) => ({ path: `/tickers/${await publicTicker(w)}/questions` }) },
  { route: 'GET /api/v1/me/questions', ok: 200, want: account, call: () => ({ path: '/me/questions' }) },
  { route: 'POST /api/v1/questions/:id/votes', ok: 201, want: role('reader'), call: async ({ w }) => ({ path: `/questions/${await newQuestion(w, true)}/votes` }) },
  {
    route: 'DELETE /api/v1/questions/:id/votes',
    ok: 200,
    want: role('reader'),
    call: async ({ w, actor }) => {
      const id = await newQuestion(w, true);
      // The actor's own vote first, where they may cast one, so taking it back writes.
      await raw(w.url, 'POST', `/questions/${id}/votes`, undefined, authHeaders(actor, 'POST', w.url));
      return { path: `/questions/${id}/votes` };
    },
  },
  { route: 'POST /api/v1/questions/:id/answer', ok: 201, want: role('editor'), call: async ({ w }) => ({ path: `/questions/${await newQuestion(w)}/answer`, body: { body: '<p>The answer.</p>' } }) },
  { route: 'POST /api/v1/questions/:id/dismiss', ok: 200, want: role('editor', 'moderator'), call: async ({ w }) => ({ path: `/questions/${await newQuestion(w)}/dismiss`, body: { reason: 'matrix' } }) },
  // Entry templates: the desk's tools, reading included.
  { route: 'GET /api/v1/tickers/:id/templates', ok: 200, want: role('editor'), call: ({ w }) => ({ path: `/tickers/${t(w)}/templates` }) },
  { route: 'GET /api/v1/templates', ok: 200, want: role('editor'), call: ({ w }) => ({ path: `/templates?ticker=${t(w)}` }) },
  { route: 'POST /api/v1/templates', ok: 201, want: role('editor'), call: ({ w }) => ({ path: '/templates', body: { tickerId: t(w), name: `Matrix ${w.next()}`, body: '<p>x</p>' } }) },
  { route: 'GET /api/v1/templates/:id', ok: 200, want: role('editor'), call: async ({ w }) => ({ path: `/templates/${await newTemplate(w)}` }) },
  { route: 'PATCH /api/v1/templates/:id', ok: 200, want: role('editor'), call: async ({ w }) => ({ path: `/templates/${await newTemplate(w)}`, body: { version: 1, title: 'Changed' } }) },
  { route: 'DELETE /api/v1/templates/:id', ok: 204, want: role('editor'), call: async ({ w }) => ({ path: `/templates/${await newTemplate(w)}` }) },
  { route: 'GET /api/v1/tickers/:id/changes', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/changes?since=0` }) },
  // Cards: editors, and an editor's token limited to cards (a data feed). A fresh card id per
  // cell, so the PUT is a new card and goes out at once (nothing is left for the sweep).
  { route: 'GET /api/v1/tickers/:id/cards', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/cards` }) },
  { route: 'PUT /api/v1/tickers/:id/cards/:cardId', ok: 201, want: role('editor'), call: ({ w }) => ({ path: `/tickers/${t(w)}/cards/matrix-${w.next()}`, body: CARD }) },
  { route: 'DELETE /api/v1/tickers/:id/cards/:cardId', ok: 200, want: role('editor'), call: async ({ w }) => ({ path: `/tickers/${t(w)}/cards/${await newCard(w)}` }) },

  // ---- chat ----
  { route: 'GET /api/v1/tickers/:id/messages', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/messages` }) },
  {
    route: 'POST /api/v1/tickers/:id/messages',
    ok: 201,
    want: chat,
    call: ({ w }) => ({ path: `/tickers/${t(w)}/messages`, body: { body: `hello ${w.next()}`, clientId: `rest-${w.tag}-${w.next()}` } }),
  },
  { route: 'GET /api/v1/tickers/:id/messages/changes', ok: 200, want: anyone, call: ({ w }) => ({ path: `/tickers/${t(w)}/messages/changes?since=0` }) },
  { route: 'DELETE /api/v1/messages/:id', case: "someone else's message", ok: 200, want: role('moderator'), call: async ({ w }) => ({ path: `/messages/${await w.newMessage()}` }) },
  // Authors delete their own messages, muted or not; an unverified address still counts as no login.
  { route: 'DELETE /api/v1/messages/:id', case: 'own message', ok: 200, want: role('reader'), call: async ({ w, actor }) => ({ path: `/messages/${await w.ownMessage(actor)}` }) },
  { route: 'PATCH /api/v1/messages/:id', ok: 200, want: role('moderator'), call: async ({ w }) => ({ path: `/messages/${await w.newMessage()}`, body: { body: 'edited by someone' } }) },
  { route: 'POST /api/v1/messages/:id/approve', ok: 200, want: role('moderator'), call: async ({ w }) => ({ path: `/messages/${await w.newMessage(true)}/approve` }) },
  { route: 'POST /api/v1/messages/:id/reject', ok: 200, want: role('moderator'), call: async ({ w }) => ({ path: `/messages/${await w.newMessage(true)}/reject` }) },
  // Any verified user may report; a mute only stops posting.
  { route: 'POST /api/v1/messages/:id/reports', ok: 201, want: role('reader'), call: async ({ w }) => ({ path: `/messages/${await w.newMessage()}/reports`, body: { reason: 'abuse' } }) },
  { route: 'POST /api/v1/reports/:id/resolve', ok: 200, want: role('moderator'), call: async ({ w }) => ({ path: `/reports/${await w.newReport()}/resolve`, body: { action: 'dismiss' } }) },

  // ---- moderation and room settings ----
  { route: 'GET /api/v1/tickers/:id/moderation/queue', ok: 200, want: role('moderator'), call: ({ w }) => ({ path: `/tickers/${w.heldRoom}/moderation/queue` }) },
  { route: 'GET /api/v1/tickers/:id/moderation/log', ok: 200, want: role('moderator'), call: ({ w }) => ({ path: `/tickers/${w.heldRoom}/moderation/log` }) },
  // Banned and watched words are the room's staff's business.
  { route: 'GET /api/v1/tickers/:id/chat-settings', ok: 200, want: role('editor', 'moderator'), call: ({ w }) => ({ path: `/tickers/${t(w)}/chat-settings` }) },
  {
    route: 'PATCH /api/v1/tickers/:id/chat-settings',
    ok: 200,
    want: role('editor', 'moderator'),
    call: async ({ w }) => ({ path: `/tickers/${await w.newTicker()}/chat-settings`, body: { mode: 'closed', bannedWords: ['spoiler'] } }),
  },
  ...(['reader', 'editor', 'moderator', 'admin'] as const).flatMap((target): RestRow[] => [
    {
      route: 'POST /api/v1/users/:id/mute',
      case: `mute a fresh ${target}`,
      ok: 200,
      // As with bans: a moderator mutes readers; only admins mute staff (a moderator cannot
      // silence an admin for a year).
      want: target === 'reader' ? role('moderator') : role('admin'),
      call: async ({ w }) => ({ path: `/users/${(await w.newUser(target)).id}/mute`, body: { minutes: 10, reason: 'matrix' } }),
    },
    {
      route: 'POST /api/v1/users/:id/ban',
      case: `ban a fresh ${target}`,
      ok: 200,
      // A moderator bans readers; only admins ban staff.
      want: target === 'reader' ? role('moderator') : role('admin'),
      call: async ({ w }) => ({ path: `/users/${(await w.newUser(target)).id}/ban`, body: { reason: 'matrix' } }),
    },
  ]),
];

interface SocketRow {
  command: string;
  case: string;
  want: (a: ActorName) => Want;
  /** The command's payload; may prepare what it needs before the snapshot is taken. */
  payload: (w: World, actor: Cred) => unknown;
  /** The stream the socket must be in after success and must not be in after a refusal. */
  room?: (w: World, actor: Cred) => string;
}

/**
 * A socket with a token that resolves to nobody (the banned user's) connects as an anonymous
 * reader (reading never depends on a login) and is told its session ended.
 */
const viaSocket = (want: (a: ActorName) => Want) => (a: ActorName): Want => (a === 'banned' ? want('anonymous') : want(a));

const SOCKET: SocketRow[] = [
  { command: SOCKET_EVENTS.subscribe, case: 'ticker stream', want: viaSocket(anyone), payload: (w) => ({ stream: `ticker:${w.ticker}`, since: 0 }), room: (w) => `ticker:${w.ticker}` },
  { command: SOCKET_EVENTS.subscribe, case: 'chat stream', want: viaSocket(anyone), payload: (w) => ({ stream: `chat:${w.ticker}`, since: 0 }), room: (w) => `chat:${w.ticker}` },
  {
    command: SOCKET_EVENTS.subscribe,
    case: 'moderation stream',
    // The socket check asks for the role only (not `login_required` first, not the address).
    want: viaSocket((a) => (grants(ROLE[a], ['moderator']) ? 'ok' : 'forbidden')),
    payload: (w) => ({ stream: `mod:${w.heldRoom}`, since: 0 }),
    room: (w) => `mod:${w.heldRoom}`,
  },
  // A reader's inbox stream: their own only (it exists once they follow it or have news).
  {
    command: SOCKET_EVENTS.subscribe,
    case: 'own user stream',
    want: viaSocket(account),
    payload: async (w, actor) => {
      if (actor.userId) await w.userStreamOf(actor.userId);
      return { stream: `user:${actor.userId ?? 'nobody'}`, since: 0 };
    },
    room: (_w, actor) => `user:${actor.userId ?? 'nobody'}`,
  },
  {
    command: SOCKET_EVENTS.subscribe,
    case: "another reader's user stream",
    want: viaSocket((a) => (account(a) === 'ok' ? 'forbidden' : account(a))),
    payload: async (w) => ({ stream: `user:${await w.userStreamOf(w.author.userId!)}`, since: 0 }),
    room: (w) => `user:${w.author.userId!}`,
  },
  {
    command: SOCKET_EVENTS.subscribe,
    case: 'questions stream (the desk)',
    // Checked on the session as it stands now, like the moderation stream: the role, and a verified address.
    want: viaSocket((a) => (a !== 'unverified' && grants(ROLE[a], ['editor', 'moderator']) ? 'ok' : 'forbidden')),
    payload: (w) => ({ stream: `questions:${w.ticker}`, since: 0 }),
    room: (w) => `questions:${w.ticker}`,
  },
  {
    command: SOCKET_EVENTS.subscribe,
    case: "readers' questions stream",
    want: viaSocket(anyone),
    payload: (w) => ({ stream: `questions-public:${w.ticker}`, since: 0 }),
    room: (w) => `questions-public:${w.ticker}`,
  },
  { command: SOCKET_EVENTS.unsubscribe, case: 'moderation stream', want: viaSocket(anyone), payload: (w) => ({ stream: `mod:${w.heldRoom}` }) },
  {
    command: SOCKET_EVENTS.chatSend,
    case: 'main room',
    want: viaSocket(chat),
    payload: (w) => ({ tickerId: w.ticker, body: `socket hello ${w.next()}`, clientId: `socket-${w.tag}-${w.next()}` }),
  },
  // The editors' desk: editors and admins (moderators write no entries), checked like a write.
  { command: SOCKET_EVENTS.deskJoin, case: 'a ticker', want: viaSocket(role('editor')), payload: (w) => ({ tickerId: w.ticker }), room: (w) => `desk:${w.ticker}` },
  // A fresh socket has joined no desk, whoever holds it.
  { command: SOCKET_EVENTS.deskEditing, case: 'no desk joined', want: () => 'forbidden', payload: (w) => ({ tickerId: w.ticker, entryId: null }) },
  { command: SOCKET_EVENTS.deskLeave, case: 'no desk joined', want: viaSocket(anyone), payload: (w) => ({ tickerId: w.ticker }) },
];

/** Server → client events: pushed, never sent by a client, so not in the matrix. */
const SERVER_PUSHED = new Set<string>([SOCKET_EVENTS.changes, SOCKET_EVENTS.presence, SOCKET_EVENTS.sessionEnded, SOCKET_EVENTS.serverShutdown, SOCKET_EVENTS.deskPresence]);

/** Routes outside /api/v1 with no account in play, each with why it is public. */
const PUBLIC_PAGES: Record<string, string> = {
  'GET /healthz': 'liveness probe for the load balancer',
  'GET /readyz': 'readiness probe for the load balancer',
  'GET /metrics': 'Prometheus scrape; counters only, no user data (keep it off the public edge)',
  'GET /widgets/ticker.html': 'embeddable widget page; reading needs no account',
  'GET /widgets/chat.html': 'embeddable widget page; posting goes through the API with its checks',
  'GET /widgets/live.html': 'embeddable widget page (ticker + chat)',
  'GET /console.html': 'static console shell; every action it offers is an API call with its own checks',
  'GET /demo/polling-station.svg': 'a static demo picture',
  'GET /media/:key': 'published pictures (random keys, served immutable with nosniff and a sandboxing CSP); uploading needs an editor',
  'GET /verify-email': 'static page; never acts on GET, it posts the token to /auth/verify',
  'GET /reset-password': 'static page; never acts on GET, it posts to /auth/password-reset/confirm',
  'GET /liveticker-sw.js': 'the Follow service worker, a static script (scope / for the widget pages)',
  'GET /sdk/liveticker-sw.js': 'the Follow service worker for a newsroom to copy or importScripts; static',
};

const label = (want: Want, ok: number) => (want === 'ok' ? `${ok} ok` : `${ERROR_STATUS[want]} ${want}`);

/** The route pattern as a regexp over concrete paths, to check a row calls the route it names. */
const patternOf = (route: string) => new RegExp(`^${route.split(' ')[1].replace(/:[A-Za-z]+/g, '[^/]+')}$`);

for (const dialect of DIALECTS) {
  describe(`authorization matrix (${dialect}, memory bus)`, () => {
    let env: TestSetup;
    let w: World;
    const actors = {} as Record<ActorName, Cred>;
    const sockets: Socket[] = [];
    /** Failures inside socket callbacks, asserted after each cell instead of thrown into the void. */
    const problems: string[] = [];

    beforeAll(async () => {
      env = await setup(dialect, 'memory', {
        scrypt: { logN: 10, r: 8, p: 1 },
        webhooks: { ...testConfig().webhooks, allowPrivate: true },
        push: { ...testConfig().push, allowPrivate: true },
        // A news site whose pages embed the widgets: its requests carry the reader's cookie.
        corsOrigins: [NEWS_SITE],
        // The inbox sweep writes after the answers (other members' items): once at start only, so
        // no cell's snapshot sees another's late writes.
        inboxSweepMs: 3_600_000,
        // So does the sample of readers online (into analytics_minutes): rarely enough to miss the matrix.
        analytics: { ...testConfig().analytics, sampleMs: 3_600_000 },
        // So does the poll sweep (counts and closes): once at start only.
        polls: { ...testConfig().polls, sweepMs: 3_600_000 },
        // And the sweep that publishes question vote counts.
        questions: { ...testConfig().questions, sweepMs: 3_600_000 },
        // And the card sweep (a card written within 500 ms of its last change waits for it).
        cards: { ...testConfig().cards, sweepMs: 3_600_000 },
        // Every actor comes from 127.0.0.1 and the matrix logs in and registers hundreds of times.
        limitOverrides: Object.fromEntries(
          ['registerIp', 'followIp', 'manualPushTicker', 'loginIp', 'loginAccount', 'resendAddress', 'resetAddress', 'resetIp', 'analyticsIp', 'questionIp'].map((name) => [name, { points: 100_000, duration: 3600 }]),
        ),
      });
      w = new World(env.url, env.node.server.ctx, dialect);
      await w.init();
      for (const a of ACTORS) actors[a] = await w.actor(a);
    });
    afterEach(() => {
      for (const s of sockets.splice(0)) s.disconnect();
      expect(problems.splice(0)).toEqual([]);
    });
    afterAll(async () => {
      await env?.close();
    });

    it('has a row for every route and client command, and no row without one', async () => {
      const listed = listRoutes(env.node.server.app).map((r) => `${r.method} ${r.path}`);
      const api = listed.filter((r) => r.split(' ')[1].startsWith('/api/v1/'));
      const pages = listed.filter((r) => !api.includes(r));
      const rows = new Set(REST.map((r) => r.route));

      const handled = [...env.node.server.socketCommands];
      const commands = Object.values(SOCKET_EVENTS).filter((e) => !SERVER_PUSHED.has(e));
      const socketRows = new Set(SOCKET.map((r) => r.command));

      const tables = (await env.node.server.ctx.db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_'));

      expect({
        routesWithoutRow: api.filter((r) => !rows.has(r)),
        rowsWithoutRoute: [...rows].filter((r) => !api.includes(r)),
        pagesNotAllowlisted: pages.filter((r) => !(r in PUBLIC_PAGES)),
        allowlistedButGone: Object.keys(PUBLIC_PAGES).filter((r) => !pages.includes(r)),
        commandsWithoutRow: commands.filter((c) => !socketRows.has(c)),
        rowsWithoutCommand: [...socketRows].filter((c) => !commands.includes(c as never)),
        handledButNotInSchemas: handled.filter((e) => !commands.includes(e as never)),
        inSchemasButNotHandled: commands.filter((c) => !handled.includes(c)),
        tablesNotInSnapshot: tables.filter((n) => !(n in SNAPSHOT_TABLES) && !DERIVED_TABLES.has(n)).sort(),
      }).toEqual({
        routesWithoutRow: [],
        rowsWithoutRoute: [],
        pagesNotAllowlisted: [],
        allowlistedButGone: [],
        commandsWithoutRow: [],
        rowsWithoutCommand: [],
        handledButNotInSchemas: [],
        inSchemasButNotHandled: [],
        tablesNotInSnapshot: [],
      });
    });

    it("gives an API token its owner's current rights: demoted, it stops publishing; owner banned, it stops working", async () => {
      const token = await w.actor('token');
      const publish = () =>
        within(raw(w.url, 'POST', `/tickers/${w.ticker}/entries`, { kind: 'text', body: '<p>via token</p>' }, bearer(token.token)), 10_000, 'a post with the API token');
      expect((await publish()).status).toBe(201);
      await must('demote the owner', raw(w.url, 'PATCH', `/users/${token.userId}`, { role: 'reader' }, bearer(OPS_KEY)), 200);
      expect(await publish()).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      await must('ban the owner', raw(w.url, 'PATCH', `/users/${token.userId}`, { banned: true }, bearer(OPS_KEY)), 200);
      expect(await publish()).toMatchObject({ status: 401, body: { error: { code: 'login_required' } } });
    });

    /**
     * Hidden poll counts: the desk (verified editors and moderators, admins) sees every poll's
     * counts on its REST reads (never cached: theirs alone) and from `GET …/votes`; nobody else
     * sees an `after-close` poll's before it closes. The cards-only token reads no entries at all.
     */
    const seesHiddenCounts = (a: ActorName) => a !== 'unverified' && a !== 'banned' && grants(ROLE[a], ['editor', 'moderator']);
    describe("who sees an after-close poll's counts before it closes", () => {
      for (const a of ACTORS) {
        it(`${a} → ${a === 'cardsToken' ? '403 forbidden' : seesHiddenCounts(a) ? 'the counts' : 'no counts'}`, async () => {
          const id = await newPoll(w, { results: 'after-close', allowAnonymous: true });
          await must('an anonymous vote', raw(w.url, 'POST', `/tickers/${t(w)}/entries/${id}/votes`, { optionId: 'yes' }), 200);
          const entry = await raw(w.url, 'GET', `/tickers/${t(w)}/entries/${id}`, undefined, authHeaders(actors[a], 'GET', w.url));
          const mine = await raw(w.url, 'GET', `/tickers/${t(w)}/entries/${id}/votes`, undefined, authHeaders(actors[a], 'GET', w.url));
          if (a === 'cardsToken') {
            expect([entry.status, mine.status]).toEqual([403, 403]);
            return;
          }
          expect([entry.status, mine.status]).toEqual([200, 200]);
          const sees = seesHiddenCounts(a);
          expect({ entry: entry.body.poll.results, votes: mine.body.results }).toEqual(sees ? { entry: { total: 1, counts: { yes: 1, no: 0 }, loggedIn: 0 }, votes: { total: 1, counts: { yes: 1, no: 0 }, loggedIn: 0 } } : { entry: undefined, votes: undefined });
          expect(entry.headers.get('cache-control')).toBe(sees ? 'private, no-store' : 'no-cache');
        });
      }
    });

    for (const row of REST) {
      const [method] = row.route.split(' ');
      describe(`${row.route}${row.case ? ` (${row.case})` : ''}`, () => {
        for (const a of ACTORS) {
          const want = wantOf(row, a);
          it(`${a} → ${label(want, row.ok)}`, async () => {
            const actor = row.freshActor ? await w.actor(a) : actors[a];
            const cell = { actor, w };
            const req = await row.call(cell);
            expect(`/api/v1${req.path.split('?')[0]}`).toMatch(patternOf(row.route));
            const before = await within(snapshot(w.db), 10_000, 'the snapshot before the call');
            const res = await within(raw(w.url, method, req.path, req.body, { ...req.headers, ...authHeaders(actor, method, w.url) }), 10_000, `the answer to ${method} ${req.path} as ${a}`);
            const after = await within(snapshot(w.db), 10_000, 'the snapshot after the call');
            if (!seesAddresses(a)) {
              // Addresses the request itself named (a login's, a registration's) may come back.
              const asked = `${req.path} ${Buffer.isBuffer(req.body) ? '' : JSON.stringify(req.body ?? null)}`.toLowerCase();
              const others = await othersAddressesIn(w.db, JSON.stringify(res.body ?? null), [actor.email, ...(req.owns ?? [])]);
              expect({ addressesOfOthers: others.filter((e) => !asked.includes(e)) }).toEqual({ addressesOfOthers: [] });
            }
            if (want === 'ok') {
              expect({ status: res.status, error: res.body?.error }).toEqual({ status: row.ok, error: undefined });
              await row.settle?.(cell, res.body);
              // A read changes nothing, whoever asks; an allowed write must really have written.
              const writes = method !== 'GET' && (row.writes?.(a) ?? true);
              expect({ changed: JSON.stringify(after) !== JSON.stringify(before) }).toEqual({ changed: writes });
            } else {
              expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: ERROR_STATUS[want], code: want });
              expect(after).toEqual(before);
            }
          });
        }
      });
    }

    for (const row of SOCKET) {
      describe(`socket ${row.command} (${row.case})`, () => {
        for (const a of ACTORS) {
          const want = a === 'cardsToken' ? 'forbidden' : row.want(a);
          it(`${a} → ${want === 'ok' ? 'ok ack' : want}`, async () => {
            const payload = await row.payload(w, actors[a]);
            const before = await within(snapshot(w.db), 10_000, 'the snapshot before the command');
            const opened = await openSocket(w.url, actors[a], sockets);
            let got: string;
            let serverRooms: Set<string> | undefined;
            /** Everything the socket was told: pushed events and the ack. */
            const heard: unknown[] = [];
            if (opened.refused) {
              got = opened.refused;
            } else {
              const s = opened.socket!;
              s.onAny((event: string, ...args: unknown[]) => heard.push([event, ...args]));
              s.on(SOCKET_EVENTS.changes, (ev: { stream?: string }) => {
                if (want !== 'ok' && row.room && ev?.stream === row.room(w, actors[a])) problems.push(`${a} received ${ev.stream} changes after a refused subscribe`);
              });
              const ack = await within(s.emitWithAck(row.command, payload), 5000, `the ack of ${row.command} as ${a}`);
              heard.push(['ack', ack]);
              got = ack?.ok === true ? 'ok' : (ack?.error?.code ?? `malformed ack ${JSON.stringify(ack)}`);
              serverRooms = env.node.server.io.of('/').sockets.get(s.id!)?.rooms;
            }
            const after = await within(snapshot(w.db), 10_000, 'the snapshot after the command');
            if (!seesAddresses(a)) {
              expect({ addressesOfOthers: await othersAddressesIn(w.db, JSON.stringify(heard), [actors[a].email]) }).toEqual({ addressesOfOthers: [] });
            }
            expect(got).toBe(want);
            if (row.room && serverRooms) expect({ joined: serverRooms.has(row.room(w, actors[a])) }).toEqual({ joined: want === 'ok' });
            if (want !== 'ok' || row.command !== SOCKET_EVENTS.chatSend) expect(after).toEqual(before);
            else expect(after.heads[`chat:${w.ticker}`]).toBe(before.heads[`chat:${w.ticker}`] + 1);
          });
        }
      });
    }
  });
}
