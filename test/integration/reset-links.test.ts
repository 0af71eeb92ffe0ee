import { consumeEmailToken, issueEmailToken, LIVE_TOKENS_PER_PURPOSE, peekEmailToken } from '../../server/src/auth/email-tokens';
import { makeUser } from '../helpers/cluster';
import { DIALECTS } from '../helpers/db';
import { raw } from '../helpers/api';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { SmtpSink } from '../helpers/smtp';

// Finding 8 of the security review (issue 24): a new link voided the owner's earlier one, so
// anyone could void a reset link by asking for another reset or registering the address again.

for (const dialect of DIALECTS) {
  describe(`mailed links (${dialect})`, () => {
    let t: TestSetup;
    let smtp: SmtpSink;

    beforeAll(async () => {
      smtp = await SmtpSink.start();
      t = await setup(dialect, 'memory', {
        smtpUrl: smtp.url,
        scrypt: { logN: 10, r: 8, p: 1 },
        // Requests come from clients of their own (X-Forwarded-For), so the per-IP limits stay out of the way.
        trustProxy: 1,
      });
    });
    afterAll(async () => {
      await t.close();
      await smtp.close();
    });

    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const tokenOf = async (email: string, nth: number) => SmtpSink.link(await smtp.mailTo(email, nth)).searchParams.get('token')!;
    const confirm = (token: string, password: string) => raw(t.url, 'POST', '/auth/password-reset/confirm', { token, password });

    it("the owner's reset link still works after a stranger asked for two more resets and registered the address again; using it ends the others", async () => {
      const owner = await makeUser(t.url);
      expect((await raw(t.url, 'POST', '/auth/password-reset', { email: owner.email }, from('198.51.100.1'))).status).toBe(202);
      const first = await tokenOf(owner.email, 0);
      // A stranger, from elsewhere: two more resets (3 an hour is the address's limit) and a registration.
      for (const n of [1, 2]) {
        expect((await raw(t.url, 'POST', '/auth/password-reset', { email: owner.email }, from('203.0.113.66'))).status).toBe(202);
        await smtp.mailTo(owner.email, n);
      }
      expect((await raw(t.url, 'POST', '/auth/register', { email: owner.email, password: 'the stranger knows', displayName: 'Stranger' }, from('203.0.113.66'))).status).toBe(202);
      const registered = await smtp.mailTo(owner.email, 3);
      // "Someone tried to register with your address", in the account's language (German by default), with a reset link.
      expect([registered.subject, SmtpSink.link(registered).pathname]).toEqual(['Registrierungsversuch mit Ihrer Adresse', '/reset-password']);
      const others = [await tokenOf(owner.email, 1), await tokenOf(owner.email, 2), await tokenOf(owner.email, 3)];

      expect((await confirm(first, 'the owner’s new secret')).status).toBe(200);
      // Used once, and the stranger's later links (all in the owner's mailbox) end with it.
      expect((await confirm(first, 'once more')).body.error.code).toBe('invalid_token');
      for (const token of others) expect((await confirm(token, 'a sibling’s secret')).body.error.code).toBe('invalid_token');
      expect((await raw(t.url, 'POST', '/auth/login', { email: owner.email, password: 'the owner’s new secret' })).status).toBe(200);
    });

    it.each(['reset', 'verify'] as const)(`keeps the newest ${LIVE_TOKENS_PER_PURPOSE} %s links of an account; the oldest beyond them is void`, async (purpose) => {
      const user = await makeUser(t.url);
      const other = await makeUser(t.url);
      const db = t.node.server.ctx.db;
      const tokens: string[] = [];
      for (let i = 0; i <= LIVE_TOKENS_PER_PURPOSE; i++) tokens.push(await issueEmailToken(db, user.id, user.email, purpose));
      // Another account's and another purpose's links are not counted with them.
      const elsewhere = await issueEmailToken(db, other.id, other.email, purpose);
      const otherPurpose = await issueEmailToken(db, user.id, user.email, purpose === 'reset' ? 'verify' : 'reset');

      await expect(peekEmailToken(db, tokens[0], purpose)).rejects.toMatchObject({ code: 'invalid_token' });
      for (const token of tokens.slice(1)) await expect(peekEmailToken(db, token, purpose)).resolves.toMatchObject({ userId: user.id });

      // Using one (not the newest) ends all of its purpose, and it cannot be used again.
      const used = tokens[3];
      await expect(consumeEmailToken(db, used, purpose)).resolves.toMatchObject({ userId: user.id });
      for (const token of tokens) await expect(peekEmailToken(db, token, purpose)).rejects.toMatchObject({ code: 'invalid_token' });
      await expect(consumeEmailToken(db, used, purpose)).rejects.toMatchObject({ code: 'invalid_token' });
      await expect(peekEmailToken(db, elsewhere, purpose)).resolves.toMatchObject({ userId: other.id });
      await expect(peekEmailToken(db, otherPurpose, purpose === 'reset' ? 'verify' : 'reset')).resolves.toMatchObject({ userId: user.id });
    });

    it('of two reset links used at the same moment, only one sets the password', async () => {
      const user = await makeUser(t.url);
      const db = t.node.server.ctx.db;
      const a = await issueEmailToken(db, user.id, user.email, 'reset');
      const b = await issueEmailToken(db, user.id, user.email, 'reset');
      const answers = await Promise.all([confirm(a, 'password from a'), confirm(b, 'password from b')]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
      const won = answers[0].status === 200 ? 'password from a' : 'password from b';
      expect((await raw(t.url, 'POST', '/auth/login', { email: user.email, password: won })).status).toBe(200);
    });
  });
}
