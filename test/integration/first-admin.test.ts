import { DIALECTS } from '../helpers/db';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { raw } from '../helpers/api';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const first = { email: 'Chief@Example.org', displayName: 'Chief Admin', password: 'a long first secret' };

/**
 * A fresh install's way into the console: the ops key is swapped once for a short session of a
 * first admin account it makes, so no browser ever needs to keep the key itself.
 */
/**
 * A server of its own for each test (a fresh install: no admin yet), quick to hash passwords: the
 * tests run in a random order, and one that makes the first admin must not change what another sees.
 */
function freshServer(dialect: (typeof DIALECTS)[number]): () => TestSetup {
  let t: TestSetup;
  beforeEach(async () => {
    t = await setup(dialect, 'memory', { scrypt: { logN: 10, r: 8, p: 1 } });
  });
  afterEach(() => t.close());
  return () => t;
}

for (const dialect of DIALECTS) {
  describe(`the first admin, made with the ops key (${dialect})`, () => {
    const server = freshServer(dialect);
    let t: TestSetup;
    beforeEach(() => {
      t = server();
    });

    it('a wrong key, no key, a malformed body, a staff session or a taken address make nobody', async () => {
      expect(await raw(t.url, 'POST', '/auth/first-admin', first, { authorization: 'Bearer not-the-ops-key-0123456789' })).toMatchObject({ status: 401, body: { error: { code: 'login_required' } } });
      expect(await raw(t.url, 'POST', '/auth/first-admin', first)).toMatchObject({ status: 401, body: { error: { code: 'login_required' } } });
      const bad = await raw(t.url, 'POST', '/auth/first-admin', { email: 'not an address', displayName: 'X', password: 'short' }, ops);
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['displayName', 'email', 'password']);
      expect((await raw(t.url, 'POST', '/auth/first-admin', { ...first, role: 'admin' }, ops)).status).toBe(400);
      // A staff session is not the ops key (an editor exists, but no admin yet).
      const editor = await makeUser(t.url, 'editor', 'Early Editor');
      expect(await raw(t.url, 'POST', '/auth/first-admin', first, { authorization: `Bearer ${editor.token}` })).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      // An address that has an account already is not taken over.
      expect(await raw(t.url, 'POST', '/auth/first-admin', { ...first, email: editor.email }, ops)).toMatchObject({ status: 409, body: { error: { code: 'conflict', details: { field: 'email' } } } });
      const admins = await raw(t.url, 'GET', '/users?role=admin', undefined, ops);
      expect(admins.body.items).toEqual([]);
    });

    it('makes a verified admin and answers with a session of it that works and expires within the hour; a second call is refused', async () => {
      const before = Date.now();
      const res = await raw(t.url, 'POST', '/auth/first-admin', first, ops);
      expect(res.status).toBe(201);
      expect(res.body.user).toMatchObject({ email: 'chief@example.org', displayName: 'Chief Admin', role: 'admin', emailVerifiedAt: expect.any(String) });
      expect(res.body.token).toMatch(/^lts_/);
      expect(res.body.token).not.toBe(OPS_KEY);
      const expires = Date.parse(res.body.expiresAt);
      expect(expires).toBeGreaterThan(before + 59 * 60_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
      expect(res.headers.get('set-cookie')).toMatch(/^lt_session=lts_/);

      // The session is the admin's own: /me knows it, and admin work goes through.
      const session = { authorization: `Bearer ${res.body.token}` };
      expect((await raw(t.url, 'GET', '/me', undefined, session)).body).toMatchObject({ id: res.body.user.id, role: 'admin' });
      expect((await raw(t.url, 'POST', '/users', { email: 'desk@example.org', password: 'desk password', displayName: 'Desk', role: 'editor' }, session)).status).toBe(201);
      // The password chosen works for the next login.
      expect((await raw(t.url, 'POST', '/auth/login', { email: 'chief@example.org', password: first.password })).status).toBe(200);

      // Once an admin exists, the key makes no other, whatever the address.
      const again = await raw(t.url, 'POST', '/auth/first-admin', { ...first, email: 'second@example.org' }, ops);
      expect(again).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
      const admins = await raw(t.url, 'GET', '/users?role=admin', undefined, ops);
      expect(admins.body.items.map((u: { email: string }) => u.email)).toEqual(['chief@example.org']);
    });
  });

  describe(`the first admin, asked for twice at once (${dialect})`, () => {
    const server = freshServer(dialect);
    let t: TestSetup;
    beforeEach(() => {
      t = server();
    });

    it('makes exactly one admin', async () => {
      const answers = await Promise.all(
        [1, 2, 3, 4].map((i) => raw(t.url, 'POST', '/auth/first-admin', { ...first, email: `racer${i}@example.org` }, ops)),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
      const admins = await raw(t.url, 'GET', '/users?role=admin', undefined, ops);
      expect(admins.body.items).toHaveLength(1);
    });
  });
}
