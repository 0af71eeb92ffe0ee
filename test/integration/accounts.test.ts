import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { DIALECTS } from '../helpers/db';
import { setup, startNode } from '../helpers/server';
import { createTestDatabase } from '../helpers/db';
import { makeUser } from '../helpers/cluster';
import { loadConfig } from '../../server/src/config';
import type { BusKind, TestSetup } from '../helpers/server';
import { OPS_KEY } from '../helpers/server';
import { raw } from '../helpers/api';
import { SmtpSink } from '../helpers/smtp';
import { waitFor, withTimeout } from '../helpers/wait';
import { hashPassword, parseHash, verifyPassword } from '../../server/src/auth/passwords';

const PUBLIC_URL = 'http://liveticker.test';
const ops = { authorization: `Bearer ${OPS_KEY}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('password storage', () => {
  it('uses scrypt N=2^17, r=8, p=1 by default (the configuration default), stores the parameters and verifies', async () => {
    const defaults = loadConfig({}).scrypt;
    expect(defaults).toEqual({ logN: 17, r: 8, p: 1 });
    const hash = await hashPassword('correct horse battery', defaults);
    expect(parseHash(hash)).toMatchObject({ logN: 17, r: 8, p: 1 });
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterx', hash)).toBe(false);
  });

  it('rehashes a password stored with weaker parameters at the next login', async () => {
    const db = await createTestDatabase('sqlite');
    const weak = await startNode({ databaseUrl: db.url, config: { scrypt: { logN: 10, r: 8, p: 1 } } });
    let strong: Awaited<ReturnType<typeof startNode>> | undefined;
    try {
      const user = await makeUser(weak.url);
      const stored = async (node: typeof weak) =>
        (await node.deps.database.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()).password_hash;
      expect(parseHash(await stored(weak))?.logN).toBe(10);
      await weak.close();
      strong = await startNode({ databaseUrl: db.url, config: { scrypt: { logN: 12, r: 8, p: 1 } } });
      expect((await raw(strong.url, 'POST', '/auth/login', { email: user.email, password: 'a long secret' })).status).toBe(200);
      expect(parseHash(await stored(strong))?.logN).toBe(12);
      expect((await raw(strong.url, 'POST', '/auth/login', { email: user.email, password: 'a long secret' })).status).toBe(200);
    } finally {
      await strong?.close();
      await db.drop();
    }
  });
});

describe('registration throttle per IP, through the real route', () => {
  it('refuses the third registration from one IP within the window and stores nothing for it', async () => {
    const t = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 }, limitOverrides: { registerIp: { points: 2, duration: 60 } } });
    try {
      const register = (email: string) => raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'Reader' });
      expect((await register('first@example.org')).status).toBe(202);
      expect((await register('second@example.org')).status).toBe(202);
      const third = await register('third@example.org');
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe('rate_limited');
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      const emails = (await t.node.deps.database.db.selectFrom('users').select('email').execute()).map((u) => u.email).sort();
      expect(emails).toEqual(['first@example.org', 'second@example.org']);
    } finally {
      await t.close();
    }
  });
});

const VARIANTS: Array<[string, BusKind]> = [
  [DIALECTS[0], 'memory'],
  [DIALECTS[1], 'redis'],
];

for (const [dialect, bus] of VARIANTS) {
  describe(`accounts (${dialect}, ${bus === 'redis' ? 'Redis' : 'memory'} throttles)`, () => {
    let t: TestSetup;
    let smtp: SmtpSink;
    const sockets: Socket[] = [];
    let n = 0;
    const address = () => `reader${++n}.${dialect}@example.org`;

    beforeAll(async () => {
      smtp = await SmtpSink.start();
      t = await setup(dialect as 'sqlite' | 'postgres', bus, {
        smtpUrl: smtp.url,
        publicUrl: PUBLIC_URL,
        corsOrigins: ['https://widgets.example.org'],
        scrypt: { logN: 12, r: 8, p: 1 },
        // Every test user registers from 127.0.0.1; the per-IP registration limit is tested apart.
        limitOverrides: { registerIp: { points: 10_000, duration: 3600 }, loginAccount: { points: 30, duration: 3600 } },
        // One proxy in front: its X-Forwarded-For entry names the client in the tests below.
        trustProxy: 1,
      });
    });
    afterEach(() => {
      for (const s of sockets.splice(0)) s.disconnect();
    });
    afterAll(async () => {
      await t.close();
      await smtp.close();
    });

    /** Registers, follows the link in the mail and logs in; returns the login answer. */
    async function verifiedUser(opts: { email?: string; role?: string; locale?: string } = {}) {
      const email = opts.email ?? address();
      // Each its own name: a reader promoted to staff below would make a shared name a staff name.
      const reg = await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: `Reader ${email.split('@')[0]}`, locale: opts.locale ?? 'en' });
      expect(reg.status).toBe(202);
      const link = SmtpSink.link(await smtp.mailTo(email));
      expect((await raw(t.url, 'POST', '/auth/verify', { token: link.searchParams.get('token'), password: 'a long secret' })).status).toBe(200);
      const login = await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' });
      expect(login.status).toBe(200);
      if (opts.role) {
        await raw(t.url, 'PATCH', `/users/${login.body.user.id}`, { role: opts.role }, ops);
      }
      return { email, token: login.body.token as string, user: login.body.user, cookie: login.headers.get('set-cookie') ?? '' };
    }

    it('mails links to pages in the reader\'s language that lead back to the article; a return to another site is refused', async () => {
      const email = address();
      const article = 'https://widgets.example.org/politik/wahl-2026?ref=ticker';
      const reg = await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: `Leserin ${n}`, locale: 'de', returnTo: article });
      expect(reg.status).toBe(202);
      const link = SmtpSink.link(await smtp.mailTo(email));
      expect(link.searchParams.get('lang')).toBe('de');
      expect(link.searchParams.get('return')).toBe(article);
      const html = await (await fetch(`${t.url}${link.pathname}${link.search}`)).text();
      expect(html).toContain('<html lang="de">');
      expect(html).toContain('<h1>E-Mail-Adresse bestätigen</h1>');
      expect(html).toContain(`<a class="back" href="${article.replace(/&/g, '&#38;')}">← Zurück zum Artikel</a>`);
      // A link whose return names another site (edited by hand, or forged) leads nowhere.
      const forged = await (await fetch(`${t.url}/verify-email?token=x&lang=ru&return=${encodeURIComponent('https://evil.example/login')}`)).text();
      expect(forged).toContain('<html lang="ru">');
      expect(forged).not.toContain('evil.example');
      expect(forged).not.toContain('class="back"');
      // An unknown language falls back to English.
      expect(await (await fetch(`${t.url}/reset-password?token=x&lang=xx`)).text()).toContain('<h1>Choose a new password</h1>');

      // Only pages of this server or of a CORS_ORIGINS site: anything else is a 400 that changes nothing.
      for (const [path, body] of [
        ['/auth/register', { email: address(), password: 'a long secret', displayName: `Leser ${n}`, returnTo: 'https://evil.example/x' }],
        ['/auth/resend-verification', { email, returnTo: 'https://evil.example/x' }],
        ['/auth/password-reset', { email, returnTo: 'javascript:alert(1)' }],
      ] as const) {
        const res = await raw(t.url, 'POST', path, body);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      const refused = await raw(t.url, 'POST', '/auth/login', { email: `reader${n}.${dialect}@example.org`, password: 'a long secret' });
      expect(refused.status).toBe(401);
      // A reset from this server's own page links back to it, in the account's language.
      const own = `${PUBLIC_URL}/widgets/live.html?ticker=x&lang=de`;
      expect((await raw(t.url, 'POST', '/auth/password-reset', { email, returnTo: own })).status).toBe(202);
      const reset = SmtpSink.link(await smtp.mailTo(email, 1));
      expect(reset.pathname).toBe('/reset-password');
      expect(reset.searchParams.get('lang')).toBe('de');
      expect(reset.searchParams.get('return')).toBe(own);
    });

    it('registers, mails a link built from PUBLIC_URL, verifies it and logs in', async () => {
      const email = address();
      const reg = await raw(t.url, 'POST', '/auth/register', { email: `  ${email.toUpperCase()} `, password: 'a long secret', displayName: ' Anna  Leser ', locale: 'de' }, { host: 'evil.example' });
      expect(reg.status).toBe(202);
      expect(reg.body.message).toBe(`Registration successful! Please click the link in the e-mail sent to ${email}`);
      const mail = await smtp.mailTo(email);
      expect(mail.subject).toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');
      expect(mail.text).toContain('Hallo Anna Leser');
      const link = SmtpSink.link(mail);
      expect(link.origin).toBe(PUBLIC_URL);
      expect(link.pathname).toBe('/verify-email');
      // The link opens a page that posts the token (GET never acts: mail scanners prefetch).
      const pageRes = await fetch(`${t.url}${link.pathname}${link.search}`);
      expect(pageRes.status).toBe(200);
      expect(await pageRes.text()).toContain("post('/auth/verify'");

      const beforeVerify = await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' });
      expect(beforeVerify.status).toBe(200);
      expect(beforeVerify.body.user.emailVerifiedAt).toBeNull();
      const verified = await raw(t.url, 'POST', '/auth/verify', { token: link.searchParams.get('token'), password: 'a long secret' });
      expect(verified.body).toMatchObject({ verified: true, user: { email, displayName: 'Anna Leser', role: 'reader' } });
      // The session made before the link was followed ended with it; a new login is verified.
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(beforeVerify.body.token))).status).toBe(401);
      const after = await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' });
      const me = await raw(t.url, 'GET', '/me', undefined, bearer(after.body.token));
      expect(me.body.emailVerifiedAt).toEqual(expect.any(String));
      expect(me.body).not.toHaveProperty('passwordHash');
    });

    it('mails in English and Russian too', async () => {
      for (const [locale, subject] of [['en', 'Please confirm your e-mail address'], ['ru', 'Подтвердите адрес электронной почты']]) {
        const email = address();
        await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'Reader', locale });
        expect((await smtp.mailTo(email)).subject).toBe(subject);
      }
    });

    it('refuses expired, reused, wrong, tampered and re-addressed verification tokens', async () => {
      const email = address();
      await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'Reader' });
      const token = SmtpSink.link(await smtp.mailTo(email)).searchParams.get('token')!;
      const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      for (const bad of [tampered, 'ltv_' + 'x'.repeat(43)]) {
        const res = await raw(t.url, 'POST', '/auth/verify', { token: bad });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_token');
      }
      // Expired: 24 h are over.
      // Only this address's token: other tests' tokens stay valid whatever order tests run in.
      await t.node.server.ctx.db.updateTable('email_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('email', '=', email).execute();
      expect((await raw(t.url, 'POST', '/auth/verify', { token })).body.error.code).toBe('invalid_token');
      // A fresh one works once, then never again.
      await raw(t.url, 'POST', '/auth/resend-verification', { email });
      const fresh = SmtpSink.link(await smtp.mailTo(email, 1)).searchParams.get('token')!;
      expect((await raw(t.url, 'POST', '/auth/verify', { token: fresh, password: 'a long secret' })).status).toBe(200);
      expect((await raw(t.url, 'POST', '/auth/verify', { token: fresh, password: 'a long secret' })).body.error.code).toBe('invalid_token');
      // Bound to the address: a token mailed to an old address stops working after a change.
      const other = address();
      await raw(t.url, 'POST', '/auth/register', { email: other, password: 'a long secret', displayName: 'Reader' });
      const otherToken = SmtpSink.link(await smtp.mailTo(other)).searchParams.get('token')!;
      await t.node.server.ctx.db.updateTable('users').set({ email: `changed.${other}` }).where('email', '=', other).execute();
      expect((await raw(t.url, 'POST', '/auth/verify', { token: otherToken })).body.error.code).toBe('invalid_token');
      // And the stored value is not the token.
      const stored = await t.node.server.ctx.db.selectFrom('email_tokens').select('token_hash').execute();
      expect(stored.map((r) => r.token_hash)).not.toContain(fresh);
    });

    it('answers the same for an existing address and mails its owner instead', async () => {
      const { email } = await verifiedUser();
      const body = { password: 'another secret', displayName: 'Someone' };
      const fresh = address();
      const a = await raw(t.url, 'POST', '/auth/register', { ...body, email });
      const b = await raw(t.url, 'POST', '/auth/register', { ...body, email: fresh });
      expect(a.status).toBe(b.status);
      expect({ ...a.body, email: 'x', message: a.body.message.replace(email, 'x') }).toEqual({ ...b.body, email: 'x', message: b.body.message.replace(fresh, 'x') });
      const owner = await smtp.mailTo(email, 1);
      expect(owner.subject).toBe('Someone tried to register with your address');
      expect(SmtpSink.link(owner).pathname).toBe('/reset-password');
      // The existing account is untouched: the old password still works, the new one does not.
      expect((await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' })).status).toBe(200);
      expect((await raw(t.url, 'POST', '/auth/login', { email, password: 'another secret' })).status).toBe(401);
    });

    it('answers a login for an unknown address exactly like a wrong password', async () => {
      const { email } = await verifiedUser();
      const wrong = await raw(t.url, 'POST', '/auth/login', { email, password: 'not the password' });
      const unknown = await raw(t.url, 'POST', '/auth/login', { email: address(), password: 'not the password' });
      expect(wrong.status).toBe(401);
      expect(unknown).toMatchObject({ status: wrong.status, body: wrong.body });
    });

    it('resets a password by mail, ending every session; the reset answer never differs', async () => {
      const { email, token } = await verifiedUser();
      const a = await raw(t.url, 'POST', '/auth/password-reset', { email });
      const b = await raw(t.url, 'POST', '/auth/password-reset', { email: address() });
      expect(a.status).toBe(202);
      expect(b.status).toBe(202);
      expect(Object.keys(a.body)).toEqual(Object.keys(b.body));
      const mail = await smtp.mailTo(email, 1);
      const resetToken = SmtpSink.link(mail).searchParams.get('token')!;
      expect((await raw(t.url, 'POST', '/auth/password-reset/confirm', { token: resetToken, password: 'short' })).body.error.code).toBe('validation_failed');
      expect((await raw(t.url, 'POST', '/auth/password-reset/confirm', { token: resetToken, password: 'brand new secret' })).status).toBe(200);
      expect((await raw(t.url, 'POST', '/auth/password-reset/confirm', { token: resetToken, password: 'brand new secret 2' })).body.error.code).toBe('invalid_token');
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(token))).status).toBe(401);
      expect((await raw(t.url, 'POST', '/auth/login', { email, password: 'brand new secret' })).status).toBe(200);
    });

    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const loginFrom = (ip: string, email: string, password: string) => raw(t.url, 'POST', '/auth/login', { email, password }, from(ip));

    it('throttles failed logins per account and address with 429 rate_limited and Retry-After', async () => {
      const { email } = await verifiedUser();
      for (let i = 0; i < 5; i++) expect((await loginFrom('192.0.2.10', email, 'wrong wrong')).status).toBe(401);
      const limited = await loginFrom('192.0.2.10', email, 'a long secret');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another account from the same address is not locked out by it.
      const other = await verifiedUser();
      expect((await loginFrom('192.0.2.10', other.email, 'a long secret')).status).toBe(200);
    });

    it('counts parallel guesses like a sequence of them (each attempt is counted before its password is checked)', async () => {
      const { email } = await verifiedUser();
      const answers = await Promise.all(Array.from({ length: 20 }, () => loginFrom('192.0.2.90', email, 'wrong wrong')));
      const codes = answers.map((a) => a.status).sort();
      expect(codes.filter((c) => c === 401)).toHaveLength(5);
      expect(codes.filter((c) => c === 429)).toHaveLength(15);
      const user = await verifiedUser();
      const changes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => raw(t.url, 'POST', '/auth/password', { currentPassword: `wrong ${i} guess`, newPassword: 'a newer secret' }, bearer(user.token))),
      );
      expect(changes.filter((a) => a.status === 401)).toHaveLength(5);
      expect(changes.filter((a) => a.status === 429)).toHaveLength(7);
    });

    it('wrong passwords typed for an editor from elsewhere never keep the editor out (no lockout on demand)', async () => {
      const editor = await verifiedUser({ role: 'editor' });
      // Five attackers' addresses, five wrong passwords each: each pair is blocked…
      for (let a = 1; a <= 5; a++) {
        for (let i = 0; i < 5; i++) expect((await loginFrom(`198.18.0.${a}`, editor.email, 'wrong wrong')).status).toBe(401);
        expect((await loginFrom(`198.18.0.${a}`, editor.email, 'a long secret')).status).toBe(429);
      }
      // …the editor, from a clean address, is not.
      expect((await loginFrom('203.0.113.77', editor.email, 'a long secret')).status).toBe(200);
    });

    it('an IPv6 client is counted by its /64: fresh addresses in it do not buy fresh tries', async () => {
      const { email } = await verifiedUser();
      for (let i = 1; i <= 5; i++) expect((await loginFrom(`2001:db8:7:8::${i}`, email, 'wrong wrong')).status).toBe(401);
      expect((await loginFrom('2001:db8:7:8:ffff::99', email, 'a long secret')).status).toBe(429);
      expect((await loginFrom('::ffff:192.0.2.200', email, 'a long secret')).status).toBe(200);
      expect((await loginFrom('2001:db8:7:9::1', email, 'a long secret')).status).toBe(200);
    });

    it('a client cannot pick its address with a forged left-most X-Forwarded-For (TRUST_PROXY is a hop count)', async () => {
      const { email } = await verifiedUser();
      // The proxy (one hop) appends the real peer; whatever the client wrote before it is ignored.
      for (let i = 0; i < 5; i++) {
        expect((await loginFrom(`10.${i}.${i}.${i}, 192.0.2.66`, email, 'wrong wrong')).status).toBe(401);
      }
      expect((await loginFrom('10.200.200.200, 192.0.2.66', email, 'a long secret')).status).toBe(429);
    });

    it('past the account-wide limit (a guessing botnet) only addresses that logged in before may try the account', async () => {
      const victim = await verifiedUser();
      expect((await loginFrom('198.51.100.7', victim.email, 'a long secret')).status).toBe(200);
      // 30 is this suite's account-wide limit (100 an hour by default): one wrong try per address.
      for (let a = 1; a <= 30; a++) expect((await loginFrom(`198.19.${a}.1`, victim.email, 'wrong wrong')).status).toBe(401);
      expect((await loginFrom('198.19.99.1', victim.email, 'a long secret')).status).toBe(429);
      expect((await loginFrom('198.51.100.7', victim.email, 'a long secret')).status).toBe(200);
    });

    it('throttles wrong current passwords at POST /auth/password per account', async () => {
      const user = await verifiedUser();
      const change = (currentPassword: string) =>
        raw(t.url, 'POST', '/auth/password', { currentPassword, newPassword: 'a newer secret' }, bearer(user.token));
      for (let i = 0; i < 5; i++) expect((await change(`wrong ${i} guess`)).status).toBe(401);
      const limited = await change('a long secret');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // The password did not change, and another account is not affected.
      expect((await raw(t.url, 'POST', '/auth/login', { email: user.email, password: 'a long secret' })).status).toBe(200);
      const other = await verifiedUser();
      expect((await raw(t.url, 'POST', '/auth/password', { currentPassword: 'a long secret', newPassword: 'a newer secret' }, bearer(other.token))).status).toBe(200);
    });

    it('an address registered by a stranger cannot be confirmed by its owner’s click: the link needs the registration password', async () => {
      // A stranger registers the victim's address with a password of their choosing.
      const email = address();
      await raw(t.url, 'POST', '/auth/register', { email, password: 'the stranger knows', displayName: 'Reader' });
      const stranger = (await raw(t.url, 'POST', '/auth/login', { email, password: 'the stranger knows' })).body.token as string;
      const token = SmtpSink.link(await smtp.mailTo(email)).searchParams.get('token');
      // The owner follows the link: without the password, or with their own, nothing is confirmed.
      const bare = await raw(t.url, 'POST', '/auth/verify', { token });
      expect([bare.status, bare.body.error.details[0].path]).toEqual([400, 'password']);
      expect((await raw(t.url, 'POST', '/auth/verify', { token, password: 'the owner guesses' })).body.error.code).toBe('invalid_credentials');
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(stranger))).body.emailVerifiedAt).toBeNull();
      // The page offers the way out: a reset by mail gives the owner the account and ends the stranger's sessions.
      expect((await raw(t.url, 'POST', '/auth/password-reset', { email })).status).toBe(202);
      const reset = SmtpSink.link(await smtp.mailTo(email, 1)).searchParams.get('token');
      expect((await raw(t.url, 'POST', '/auth/password-reset/confirm', { token: reset, password: 'the owner’s own' })).status).toBe(200);
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(stranger))).status).toBe(401);
      expect((await raw(t.url, 'POST', '/auth/login', { email, password: 'the stranger knows' })).status).toBe(401);
    });

    it('confirming ends the sessions and API tokens made before it, except the one that confirms', async () => {
      const email = address();
      await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'Reader' });
      const earlier = (await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' })).body.token as string;
      const apiToken = await raw(t.url, 'POST', '/me/tokens', { name: 'kept' }, bearer(earlier));
      const socket = connect(t.url, { transports: ['websocket'], reconnection: false, auth: { token: earlier } });
      sockets.push(socket);
      const ended = withTimeout(new Promise<{ reason: string }>((resolve) => socket.on('session:ended', resolve)), 'the earlier socket told');
      await waitFor(() => socket.connected, 'earlier socket connected');
      const link = SmtpSink.link(await smtp.mailTo(email));
      expect((await raw(t.url, 'POST', '/auth/verify', { token: link.searchParams.get('token'), password: 'a long secret' })).status).toBe(200);
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(earlier))).status).toBe(401);
      if (apiToken.status === 201) expect((await raw(t.url, 'GET', '/me', undefined, bearer(apiToken.body.token))).status).toBe(401);
      expect((await ended).reason).toBe('verified_elsewhere');
    });

    it('the resend limit does not tell an existing address from a new one (register + 3 resends answer alike)', async () => {
      const existing = (await verifiedUser()).user.email as string;
      const fresh = address();
      const answers: Record<string, number[]> = { existing: [], fresh: [] };
      for (const [who, email] of [['existing', existing], ['fresh', fresh]] as const) {
        answers[who].push((await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'Someone' })).status);
        // The "already registered" mail is sent after the answer: let it be counted first.
        if (who === 'existing') await smtp.mailTo(existing, 1);
        for (let i = 0; i < 3; i++) answers[who].push((await raw(t.url, 'POST', '/auth/resend-verification', { email })).status);
      }
      expect(answers.existing).toEqual([202, 202, 202, 202]);
      expect(answers.fresh).toEqual(answers.existing);
    });

    it('throttles verification and reset mails per address', async () => {
      const email = address();
      await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'Reader' });
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await raw(t.url, 'POST', '/auth/resend-verification', { email })).status);
      expect(codes).toEqual([202, 202, 202, 429, 429]);
      const resets: number[] = [];
      for (let i = 0; i < 4; i++) resets.push((await raw(t.url, 'POST', '/auth/password-reset', { email })).status);
      expect(resets).toEqual([202, 202, 202, 429]);
    });

    it('refuses display names that pass for the newsroom, a staff member or another reader', async () => {
      const register = (displayName: string) => raw(t.url, 'POST', '/auth/register', { email: address(), password: 'a long secret', displayName });
      for (const name of ['Newsroom', 'Admin', 'Mod\u00ADerator', '\u0410dmin', 'ADMIN', 'The Moderator', 'Ｅｄｉｔｏｒ', 'Редакция', 'Admin™', 'Admin1', 'AdminTeam', 'NewsroomOfficial', 'ModAnna']) {
        const res = await register(name);
        expect([name, res.status, res.body.error?.details?.[0]?.path]).toEqual([name, 400, 'displayName']);
      }
      const staff = await raw(t.url, 'POST', '/users', { email: address(), password: 'a long secret', displayName: `Eva Chief ${dialect}`, role: 'editor' }, ops);
      expect(staff.status).toBe(201);
      expect((await register(`\u0415va Chief ${dialect}`)).body.error.message).toMatch(/member of the newsroom/);
      expect((await register(`EVA CHIEF ${dialect.toUpperCase()}`)).body.error.message).toMatch(/member of the newsroom/);
      expect((await register(`Eva Chief ${dialect}`)).body.error.message).toMatch(/member of the newsroom/);
      // Another reader's name in other letters is refused; the same name, written the same way, is not.
      expect((await register(`Marta ${dialect}`)).status).toBe(202);
      expect((await register(`M\u0430rta ${dialect}`)).body.error.message).toMatch(/another reader/);
      expect((await register(`Marta ${dialect}`)).status).toBe(202);
      // The same rules when a reader renames themselves.
      const reader = await verifiedUser();
      const rename = (displayName: string) => raw(t.url, 'PATCH', '/me', { displayName }, bearer(reader.token));
      expect((await rename('Adm\u200Bin')).status).toBe(400);
      expect((await rename(`Eva Chief ${dialect}`)).status).toBe(400);
      expect((await rename(`Someone Else ${dialect}`)).status).toBe(200);
    });

    it('validates bodies and display names', async () => {
      const cases: Array<[unknown, string]> = [
        [{ email: 'not-an-address', password: 'a long secret', displayName: 'Reader' }, 'email'],
        [{ email: address(), password: 'short', displayName: 'Reader' }, 'password'],
        [{ email: address(), password: 'x'.repeat(129), displayName: 'Reader' }, 'password'],
        [{ email: address(), password: 'a long secret', displayName: 'Evil\u202Eresu' }, 'displayName'],
        [{ email: address(), password: 'a long secret', displayName: 'Bell\u0007' }, 'displayName'],
        [{ email: address(), password: 'a long secret', displayName: 'x' }, 'displayName'],
        [{ email: address(), password: 'a long secret', displayName: 'Reader', role: 'admin' }, ''],
      ];
      for (const [body, field] of cases) {
        const res = await raw(t.url, 'POST', '/auth/register', body);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        if (field) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      }
    });

    it('refuses anonymous, unverified and role-less writers with their own codes', async () => {
      const anon = await raw(t.url, 'POST', '/tickers', { title: 'Nope' });
      expect(anon.body.error.code).toBe('login_required');

      const email = address();
      await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'Unverified' });
      const unverified = (await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' })).body;
      await raw(t.url, 'PATCH', `/users/${unverified.user.id}`, { role: 'editor' }, ops);
      for (const [method, path, body] of [
        ['POST', '/tickers', { title: 'Nope' }],
        ['POST', '/me/tokens', { name: 'cli' }],
      ] as const) {
        const res = await raw(t.url, method, path, body, bearer(unverified.token));
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('email_not_verified');
      }

      const reader = await verifiedUser();
      expect((await raw(t.url, 'POST', '/tickers', { title: 'Nope' }, bearer(reader.token))).body.error.code).toBe('forbidden');
      expect((await raw(t.url, 'PATCH', `/users/${reader.user.id}`, { role: 'admin' }, bearer(reader.token))).body.error.code).toBe('forbidden');
      const moderator = await verifiedUser({ role: 'moderator' });
      expect((await raw(t.url, 'POST', '/tickers', { title: 'Nope' }, bearer(moderator.token))).body.error.code).toBe('forbidden');
      const editor = await verifiedUser({ role: 'editor' });
      const ticker = await raw(t.url, 'POST', '/tickers', { title: `Editor ticker ${dialect}` }, bearer(editor.token));
      expect(ticker.status).toBe(201);
      const entry = await raw(t.url, 'POST', `/tickers/${ticker.body.id}/entries`, { body: 'by an editor' }, bearer(editor.token));
      expect(entry.body.author).toEqual({ id: editor.user.id, displayName: editor.user.displayName });
      expect((await raw(t.url, 'GET', '/users', undefined, bearer(editor.token))).body.error.code).toBe('forbidden');
    });

    it('admins search users by part of the address or name, any case; % and _ are taken as themselves', async () => {
      const ops = bearer(OPS_KEY);
      for (const [email, displayName] of [
        [`anna.schmidt.${dialect}@example.org`, 'Anna Schmidt'],
        [`bernd_100.${dialect}@example.org`, 'Bernd 100%'],
        [`carla.${dialect}@example.org`, 'Carla Schmidt-Weber'],
      ]) {
        expect((await raw(t.url, 'POST', '/users', { email, password: 'a long secret', displayName, role: 'reader' }, ops)).status).toBe(201);
      }
      const find = async (q: string) => ((await raw(t.url, 'GET', `/users?q=${encodeURIComponent(q)}&limit=100`, undefined, ops)).body.items as Array<{ displayName: string }>).map((u) => u.displayName).sort();
      expect(await find('SCHMIDT')).toEqual(['Anna Schmidt', 'Carla Schmidt-Weber']);
      expect(await find(`anna.schmidt.${dialect}`)).toEqual(['Anna Schmidt']);
      expect(await find('100%')).toEqual(['Bernd 100%']);
      expect(await find('_100')).toEqual(['Bernd 100%']);
      expect(await find('a_n')).toEqual([]);
      expect((await raw(t.url, 'GET', `/users?q=${'x'.repeat(101)}`, undefined, ops)).status).toBe(400);
    });

    it('issues named personal API tokens once, lists them without the secret, and revokes them', async () => {
      const editor = await verifiedUser({ role: 'editor' });
      const created = await raw(t.url, 'POST', '/me/tokens', { name: 'newsroom console' }, bearer(editor.token));
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^ltk_/);
      const list = await raw(t.url, 'GET', '/me/tokens', undefined, bearer(editor.token));
      expect(list.body.items).toEqual([expect.objectContaining({ id: created.body.id, name: 'newsroom console' })]);
      expect(JSON.stringify(list.body)).not.toContain(created.body.token);
      expect((await raw(t.url, 'POST', '/tickers', { title: `Via token ${dialect}` }, bearer(created.body.token))).status).toBe(201);
      expect((await raw(t.url, 'DELETE', `/me/tokens/${created.body.id}`, undefined, bearer(editor.token))).status).toBe(204);
      expect((await raw(t.url, 'POST', '/tickers', { title: 'Revoked' }, bearer(created.body.token))).status).toBe(401);
      const reader = await verifiedUser();
      expect((await raw(t.url, 'POST', '/me/tokens', { name: 'x' }, bearer(reader.token))).body.error.code).toBe('forbidden');
    });

    it('works with the HttpOnly SameSite=Lax cookie, and refuses cookie writes from foreign or missing origins', async () => {
      const editor = await verifiedUser({ role: 'editor' });
      expect(editor.cookie).toMatch(/lt_session=lts_[^;]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax/);
      const cookie = editor.cookie.split(';')[0];
      expect((await raw(t.url, 'GET', '/me', undefined, { cookie })).body.id).toBe(editor.user.id);
      const body = { title: `Cookie ${dialect} ${Math.random()}` };
      expect((await raw(t.url, 'POST', '/tickers', body, { cookie })).body.error.code).toBe('csrf_rejected');
      expect((await raw(t.url, 'POST', '/tickers', body, { cookie, origin: 'https://evil.example' })).body.error.code).toBe('csrf_rejected');
      expect((await raw(t.url, 'POST', '/tickers', body, { cookie, referer: 'https://evil.example/page' })).body.error.code).toBe('csrf_rejected');
      expect((await raw(t.url, 'POST', '/tickers', body, { cookie, origin: PUBLIC_URL })).status).toBe(201);
      // Bearer tokens need no Origin (CLI, cross-site widgets).
      expect((await raw(t.url, 'POST', '/tickers', { title: `Bearer ${Math.random()}` }, bearer(editor.token))).status).toBe(201);
      // CORS answers only CORS_ORIGINS.
      const pre = await fetch(`${t.url}/api/v1/tickers`, { method: 'OPTIONS', headers: { origin: 'https://widgets.example.org', 'access-control-request-method': 'POST' } });
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://widgets.example.org');
      // The Chats panel on a news site marks a chat read with a PUT.
      const put = await fetch(`${t.url}/api/v1/me/chats/some-ticker/read`, { method: 'OPTIONS', headers: { origin: 'https://widgets.example.org', 'access-control-request-method': 'PUT' } });
      expect(put.headers.get('access-control-allow-methods')?.split(',')).toContain('PUT');
      const foreign = await fetch(`${t.url}/api/v1/tickers`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('refuses Socket.IO handshakes from foreign origins saying what to set; a bad token reads on anonymously', async () => {
      const foreign = connect(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: 'https://evil.example' } });
      sockets.push(foreign);
      const refused = await withTimeout(
        new Promise<Error & { data?: { code: string; message: string } }>((resolve) => foreign.on('connect_error', resolve)),
        'the foreign origin refused',
      );
      expect(refused.data?.code).toBe('origin_not_allowed');
      expect(refused.data?.message).toMatch(/https:\/\/evil\.example is not allowed.*CORS_ORIGINS.*https:\/\/widgets\.example\.org/);

      const stale = connect(t.url, { transports: ['websocket'], reconnection: false, auth: { token: 'lts_not-a-real-session-token' } });
      sockets.push(stale);
      const ended = await withTimeout(new Promise<{ reason: string }>((resolve) => stale.on('session:ended', resolve)), 'session:ended for the bad token');
      expect(ended.reason).toBe('session_invalid');
      expect(stale.connected).toBe(true);
      const ack = await stale.timeout(5000).emitWithAck('chat:send', { tickerId: 'none', body: 'hi', clientId: 'stale-token-client-1' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'login_required' } });

      const ok = connect(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: 'https://widgets.example.org' } });
      sockets.push(ok);
      await waitFor(() => ok.connected, 'allowed origin connects');
    });

    it('cuts off a banned user’s open socket at once, and ends sessions on logout and password change', async () => {
      const user = await verifiedUser();
      const second = (await raw(t.url, 'POST', '/auth/login', { email: user.email, password: 'a long secret' })).body.token as string;
      const s1 = connect(t.url, { transports: ['websocket'], reconnection: false, auth: { token: user.token } });
      const s2 = connect(t.url, { transports: ['websocket'], reconnection: false, auth: { token: second } });
      const bystander = connect(t.url, { transports: ['websocket'], reconnection: false });
      sockets.push(s1, s2, bystander);
      await waitFor(() => s1.connected && s2.connected && bystander.connected, 'sockets connected');
      const ended: string[] = [];
      s1.on('session:ended', (e: { reason: string }) => ended.push(`s1:${e.reason}`));
      s2.on('session:ended', (e: { reason: string }) => ended.push(`s2:${e.reason}`));

      // Logout ends only that session's socket.
      expect((await raw(t.url, 'POST', '/auth/logout', undefined, bearer(second))).status).toBe(204);
      await waitFor(() => !s2.connected, 'logged-out socket closed');
      expect(s1.connected).toBe(true);
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(second))).status).toBe(401);

      const ban = await raw(t.url, 'PATCH', `/users/${user.user.id}`, { banned: true }, ops);
      expect(ban.body.bannedAt).toEqual(expect.any(String));
      await waitFor(() => !s1.connected, 'banned socket closed');
      expect(ended).toEqual(['s2:logout', 's1:banned']);
      expect(bystander.connected).toBe(true);
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(user.token))).status).toBe(401);
      expect((await raw(t.url, 'POST', '/auth/login', { email: user.email, password: 'a long secret' })).body.error.code).toBe('banned');

      const other = await verifiedUser();
      const s3 = connect(t.url, { transports: ['websocket'], reconnection: false, auth: { token: other.token } });
      sockets.push(s3);
      await waitFor(() => s3.connected, 's3 connected');
      const changed = await raw(t.url, 'POST', '/auth/password', { currentPassword: 'a long secret', newPassword: 'a newer secret' }, bearer(other.token));
      expect(changed.status).toBe(200);
      await waitFor(() => !s3.connected, 'socket closed after password change');
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(other.token))).status).toBe(401);
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(changed.body.token))).status).toBe(200);
    });
  });
}

describe('CORS_ORIGINS=* (anonymous reads from anywhere, never credentialed writes)', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { publicUrl: PUBLIC_URL, corsOrigins: ['*', 'https://partner.example'], scrypt: { logN: 10, r: 8, p: 1 } });
  });
  afterAll(async () => t.close());

  it('lets any page read anonymously, but refuses cookie writes and cookie handshakes from pages it does not name', async () => {
    const editor = await makeUser(t.url, 'editor');
    const login = await raw(t.url, 'POST', '/auth/login', { email: editor.email, password: 'a long secret' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/^lt_session=lts_/);

    const read = await fetch(`${t.url}/api/v1/tickers`, { headers: { origin: 'https://anywhere.example' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe('*');
    expect(read.headers.get('access-control-allow-credentials')).toBeNull();
    // A partner named beside `*` keeps credentialed CORS.
    const partner = await fetch(`${t.url}/api/v1/tickers`, { headers: { origin: 'https://partner.example' } });
    expect(partner.headers.get('access-control-allow-origin')).toBe('https://partner.example');
    expect(partner.headers.get('access-control-allow-credentials')).toBe('true');

    const body = { title: `Star ${Math.random()}` };
    expect((await raw(t.url, 'POST', '/tickers', body, { cookie, origin: 'https://evil.example' })).body.error.code).toBe('csrf_rejected');
    expect((await raw(t.url, 'POST', '/tickers', body, { cookie, origin: PUBLIC_URL })).status).toBe(201);

    // A foreign page's socket connects, but the reader's cookie does not log it in.
    const foreign = connect(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: 'https://evil.example', cookie } });
    const own = connect(t.url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: PUBLIC_URL, cookie } });
    try {
      await waitFor(() => foreign.connected && own.connected, 'both sockets connected');
      const ids = (s: Socket) => [...t.node.server.io.of('/').sockets.values()].find((x) => x.id === s.id)?.data.actor?.id;
      expect(ids(foreign)).toBeUndefined();
      expect(ids(own)).toBe(editor.id);
    } finally {
      foreign.close();
      own.close();
    }
  });
});
