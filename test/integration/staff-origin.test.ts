import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { testConfig } from '@liveticker/server';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { raw } from '../helpers/api';
import { makeUser } from '../helpers/cluster';
import { withTimeout } from '../helpers/wait';

/**
 * Issue 24, finding 7: a news site named in CORS_ORIGINS is same-site with the ticker's host, so
 * the browser sends the Lax session cookie along with its requests. An ad script or an XSS on an
 * article page must not use a logged-in admin's cookie for the newsroom's tools: staff rights come
 * with the cookie only from PUBLIC_URL's pages; bearer tokens keep them from anywhere, and readers
 * keep their chat.
 */

const NEWS = 'https://www.news.example';
const ops = { authorization: `Bearer ${OPS_KEY}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('staff rights with the session cookie come only from the newsroom’s own pages', () => {
  let t: TestSetup;
  let own: string;
  const sockets: Socket[] = [];
  let n = 0;

  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { corsOrigins: [NEWS], webhooks: { ...testConfig().webhooks, allowPrivate: true }, scrypt: { logN: 10, r: 8, p: 1 } });
    own = new URL(t.url).origin;
    await raw(t.url, 'POST', '/tickers', { id: 'night', title: 'Election night', status: 'live' }, ops);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => t.close());

  /** A staff member's login, with the session cookie the browser keeps for the ticker's host. */
  async function staff(role: 'admin' | 'editor' | 'moderator' | 'reader') {
    // Each reader a name of their own: one made admin below turns a shared name into a staff name.
    const user = await makeUser(t.url, role, role === 'reader' ? `Reader ${++n}` : undefined);
    return { ...user, cookie: `lt_session=${user.token}` };
  }

  const fromNews = (cookie: string) => ({ cookie, origin: NEWS, 'sec-fetch-site': 'same-site' });
  const fromOwn = (cookie: string) => ({ cookie, origin: own, 'sec-fetch-site': 'same-origin' });
  const hook = () => ({ url: 'http://127.0.0.1:9/hook', events: ['entry.created'], tickerId: 'night' });
  const entry = () => ({ kind: 'text', body: `<p>update ${++n}</p>` });

  it("refuses an admin's cookie from a news site on users, webhooks and entries with 403 saying why, and takes it from PUBLIC_URL", async () => {
    const admin = await staff('admin');
    const target = await makeUser(t.url, 'reader', `Target ${++n}`);
    // Each call, and its status from the newsroom's own page.
    const calls: Array<[string, string, unknown, number]> = [
      ['PATCH', `/users/${target.id}`, { role: 'admin' }, 200],
      ['POST', '/webhooks', hook(), 201],
      ['POST', '/tickers/night/entries', entry(), 201],
      ['GET', '/users', undefined, 200],
      ['POST', '/me/tokens', { name: 'from the article page' }, 201],
    ];
    for (const [method, path, body] of calls) {
      const refused = await raw(t.url, method, path, body, fromNews(admin.cookie));
      expect({ call: `${method} ${path}`, status: refused.status, code: refused.body?.error?.code }).toEqual({ call: `${method} ${path}`, status: 403, code: 'forbidden' });
      expect(refused.body.error.message).toContain(`newsroom's own pages (${own})`);
      expect(refused.body.error.message).toContain(`came from ${NEWS}`);
    }
    // Nothing was done.
    expect((await raw(t.url, 'GET', `/users?q=${encodeURIComponent(target.email)}`, undefined, ops)).body.items[0].role).toBe('reader');
    expect((await raw(t.url, 'GET', '/webhooks', undefined, ops)).body.items).toEqual([]);
    expect((await raw(t.url, 'GET', '/me/tokens', undefined, bearer(admin.token))).body.items).toEqual([]);

    for (const [method, path, body, status] of calls) {
      const res = await raw(t.url, method, path, body, fromOwn(admin.cookie));
      expect({ call: `${method} ${path}`, status: res.status }).toEqual({ call: `${method} ${path}`, status });
    }
  });

  it('works out where a cookie request comes from when the browser sends no Origin (same-origin GETs)', async () => {
    const admin = await staff('admin');
    const list = (headers: Record<string, string>) => raw(t.url, 'GET', '/users?limit=1', undefined, { cookie: admin.cookie, ...headers });
    // Fetch metadata: the console's own GETs, and an address typed into the bar.
    expect((await list({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await list({ 'sec-fetch-site': 'none' })).status).toBe(200);
    expect((await list({ 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await list({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // A browser without fetch metadata: the Referer.
    expect((await list({ referer: `${own}/console.html` })).status).toBe(200);
    expect((await list({ referer: `${NEWS}/politics/article.html` })).status).toBe(403);
    // A sandboxed frame on the news site.
    expect((await list({ origin: 'null' })).status).toBe(403);
    // The Origin decides over the other two (a CORS fetch always sends it).
    expect((await list({ origin: NEWS, 'sec-fetch-site': 'same-origin', referer: `${own}/console.html` })).status).toBe(403);
    // No browser's cross-origin call (curl with a copied cookie): nobody else can read the answer.
    expect((await list({})).status).toBe(200);
  });

  it('lets a bearer token act from the news site, and a reader post in the chat and see themself with the cookie', async () => {
    const editor = await staff('editor');
    expect((await raw(t.url, 'POST', '/tickers/night/entries', entry(), { ...bearer(editor.token), origin: NEWS })).status).toBe(201);

    const reader = await staff('reader');
    const me = await raw(t.url, 'GET', '/me', undefined, fromNews(reader.cookie));
    expect({ status: me.status, id: me.body.id }).toEqual({ status: 200, id: reader.id });
    const posted = await raw(t.url, 'POST', '/tickers/night/messages', { body: 'Good evening', clientId: 'news-site-1' }, fromNews(reader.cookie));
    expect({ status: posted.status, author: posted.body.author?.id }).toEqual({ status: 201, author: reader.id });
    // Staff on the news site are readers there: the chat and their own account still work.
    const admin = await staff('admin');
    expect((await raw(t.url, 'POST', '/tickers/night/messages', { body: 'From the desk', clientId: 'news-site-2' }, fromNews(admin.cookie))).status).toBe(201);
    expect((await raw(t.url, 'GET', '/me', undefined, fromNews(admin.cookie))).body.id).toBe(admin.id);
    expect((await raw(t.url, 'POST', '/auth/logout', undefined, fromNews(reader.cookie))).status).toBe(204);
  });

  it("shows an editor's cookie on the news site what readers see: no drafts", async () => {
    const editor = await staff('editor');
    const draft = await raw(t.url, 'POST', '/tickers/night/entries', { body: '<p>not yet</p>', status: 'draft' }, ops);
    expect(draft.status).toBe(201);
    expect((await raw(t.url, 'GET', `/tickers/night/entries/${draft.body.id}`, undefined, fromNews(editor.cookie))).status).toBe(404);
    expect((await raw(t.url, 'GET', `/tickers/night/entries/${draft.body.id}`, undefined, { cookie: editor.cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  /** A browser page's socket: the cookie on the handshake and the page's Origin, or a token. */
  async function socketOf(how: { cookie?: string; origin?: string; token?: string }): Promise<Socket> {
    const s = connect(t.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: how.token ? { token: how.token } : {},
      extraHeaders: { ...(how.cookie && { cookie: how.cookie }), ...(how.origin && { origin: how.origin }) },
    });
    sockets.push(s);
    await withTimeout(new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    }), 'the socket connected');
    return s;
  }
  const ack = (s: Socket, event: string, payload: unknown) => withTimeout(s.emitWithAck(event, payload), `the ack of ${event}`) as Promise<{ ok: boolean; error?: { code: string; message: string } }>;

  it("refuses staff socket commands to an admin's cookie from a news site, also after the session is checked again; a token or PUBLIC_URL's page gets them", async () => {
    const admin = await staff('admin');
    const onNews = await socketOf({ cookie: admin.cookie, origin: NEWS });
    const desk = await ack(onNews, 'desk:join', { tickerId: 'night' });
    expect(desk).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(desk.error?.message).toContain(`came from ${NEWS}`);
    // The moderation stream checks the session afresh: the role stays kept back.
    expect(await ack(onNews, 'subscribe', { stream: 'mod:night' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ack(onNews, 'chat:send', { tickerId: 'night', body: 'Hello from the article', clientId: 'socket-news-1' })).toMatchObject({ ok: true });

    const onOwn = await socketOf({ cookie: admin.cookie, origin: own });
    expect(await ack(onOwn, 'desk:join', { tickerId: 'night' })).toMatchObject({ ok: true });
    expect(await ack(onOwn, 'subscribe', { stream: 'mod:night' })).toMatchObject({ ok: true });

    const withToken = await socketOf({ token: admin.token, origin: NEWS });
    expect(await ack(withToken, 'desk:join', { tickerId: 'night' })).toMatchObject({ ok: true });
  });
});
