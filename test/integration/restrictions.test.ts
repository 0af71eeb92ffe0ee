import { sql } from 'kysely';
import { DIALECTS } from '../helpers/db';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * A ban or a mute takes one path whoever gives it (a moderator in a room, an admin on the users
 * page): the user's row, the end of their sessions and the moderation log, in one transaction.
 */
for (const dialect of DIALECTS) {
  describe(`muting and banning, one path (${dialect})`, () => {
    let t: TestSetup;
    let admin: Awaited<ReturnType<typeof makeUser>>;
    beforeAll(async () => {
      t = await setup(dialect, 'memory');
      await opsApi(t.url).createTicker({ id: 'room', title: 'Room', status: 'live' });
      admin = await makeUser(t.url, 'admin', 'Admin Anna');
    });
    afterAll(() => t.close());

    const logOf = (userId: string) =>
      t.node.deps.database.db.selectFrom('moderation_log').select(['action', 'actor_id', 'ticker_id']).where('target_id', '=', userId).orderBy('created_at').execute();

    it('an admin\'s ban, mute, lift and unmute on the users page are logged like a moderator\'s', async () => {
      const reader = await makeUser(t.url, 'reader', 'Loud Reader');
      const until = new Date(Date.now() + 3_600_000).toISOString();
      expect((await raw(t.url, 'PATCH', `/users/${reader.id}`, { mutedUntil: until }, bearer(admin.token))).status).toBe(200);
      expect((await raw(t.url, 'PATCH', `/users/${reader.id}`, { banned: true }, bearer(admin.token))).status).toBe(200);
      // The ban ended the reader's session.
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(reader.token))).status).toBe(401);
      expect((await raw(t.url, 'PATCH', `/users/${reader.id}`, { banned: false, mutedUntil: null }, bearer(admin.token))).status).toBe(200);
      expect(await logOf(reader.id)).toEqual([
        { action: 'user.mute', actor_id: admin.id, ticker_id: null },
        { action: 'user.ban', actor_id: admin.id, ticker_id: null },
        expect.objectContaining({ action: expect.stringMatching(/^user\.un(mute|ban)$/) }),
        expect.objectContaining({ action: expect.stringMatching(/^user\.un(mute|ban)$/) }),
      ]);
    });

    it('a ban whose log cannot be written is no ban: the user keeps their session and their state', async () => {
      const reader = await makeUser(t.url, 'reader', 'Quiet Reader');
      const moderator = await makeUser(t.url, 'moderator', 'Mod Max');
      const db = t.node.deps.database.db;
      // The log refuses every row from now on (a broken disk would do the same).
      await sql`alter table moderation_log rename to moderation_log_away`.execute(db);
      try {
        expect((await raw(t.url, 'POST', `/users/${reader.id}/ban`, { reason: 'x', tickerId: 'room' }, bearer(moderator.token))).status).toBe(500);
        expect((await raw(t.url, 'PATCH', `/users/${reader.id}`, { banned: true }, bearer(admin.token))).status).toBe(500);
        expect((await raw(t.url, 'POST', `/users/${reader.id}/mute`, { minutes: 10 }, bearer(moderator.token))).status).toBe(500);
      } finally {
        await sql`alter table moderation_log_away rename to moderation_log`.execute(db);
      }
      const row = await db.selectFrom('users').select(['banned_at', 'muted_until']).where('id', '=', reader.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ banned_at: null, muted_until: null });
      expect((await raw(t.url, 'GET', '/me', undefined, bearer(reader.token))).status).toBe(200);
    });
  });
}
