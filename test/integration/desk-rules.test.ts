import { DIALECTS } from '../helpers/db';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';

const auth = { authorization: `Bearer ${OPS_KEY}` };

/** Rules the console relies on: entries without text, coverage windows, where moderation is logged. */
for (const dialect of DIALECTS) {
  describe(`desk rules (${dialect})`, () => {
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    beforeAll(async () => {
      t = await setup(dialect, 'memory');
      api = opsApi(t.url);
      await api.createTicker({ id: 'rules', title: 'Rules', status: 'live' });
    });
    afterAll(() => t.close());

    it('an entry may be a picture or a headline without text, but an edit cannot leave it empty', async () => {
      const pic = await raw(t.url, 'POST', '/tickers/rules/entries', { kind: 'image', body: '', image: { url: 'https://example.org/a.jpg', caption: 'Only a picture' } }, auth);
      expect(pic.status).toBe(201);
      expect(pic.body).toMatchObject({ body: '', image: { caption: 'Only a picture' } });
      const headline = await raw(t.url, 'POST', '/tickers/rules/entries', { title: 'Polls close', body: '  ' }, auth);
      expect(headline.status).toBe(201);
      // A body with nothing visible left is still refused: that is an accident, not a choice.
      const scriptOnly = await raw(t.url, 'POST', '/tickers/rules/entries', { title: 'x', body: '<script>alert(1)</script>' }, auth);
      expect(scriptOnly.status).toBe(400);
      const emptied = await raw(t.url, 'PATCH', `/tickers/rules/entries/${headline.body.id}`, { version: 1, title: null }, auth);
      expect(emptied.status).toBe(400);
      expect(emptied.body.error.details).toEqual([{ path: 'body', message: expect.stringContaining('needs a body') }]);
      expect((await raw(t.url, 'GET', `/tickers/rules/entries/${headline.body.id}`)).body).toMatchObject({ title: 'Polls close', version: 1 });
      // Giving it text while taking the headline away is fine.
      expect((await raw(t.url, 'PATCH', `/tickers/rules/entries/${headline.body.id}`, { version: 1, title: null, body: '<p>Closed.</p>' }, auth)).status).toBe(200);
    });

    it('a coverage window that ends before it starts is refused, naming coverageEnd, on create and on edit', async () => {
      const created = await raw(t.url, 'POST', '/tickers', { title: 'Backwards', coverageStart: '2026-11-03T18:00:00.000Z', coverageEnd: '2026-11-03T08:00:00.000Z' }, auth);
      expect(created.status).toBe(400);
      expect(created.body.error.details).toEqual([{ path: 'coverageEnd', message: 'the coverage ends before it starts' }]);
      expect((await raw(t.url, 'GET', '/tickers/backwards')).status).toBe(404);
      await api.rest.patch('/tickers/rules', { coverageStart: '2026-11-03T18:00:00.000Z' });
      const patched = await raw(t.url, 'PATCH', '/tickers/rules', { coverageEnd: '2026-11-03T17:59:00.000Z' }, auth);
      expect(patched.status).toBe(400);
      expect(patched.body.error.details[0].path).toBe('coverageEnd');
      expect((await raw(t.url, 'GET', '/tickers/rules')).body.coverageEnd).toBeNull();
      expect((await raw(t.url, 'PATCH', '/tickers/rules', { coverageEnd: '2026-11-04T02:00:00.000Z' }, auth)).status).toBe(200);
    });

    it('a mute or ban taken from a room goes into that room’s log with the user’s name; an unknown room changes nothing', async () => {
      const mod = await makeUser(t.url, 'moderator', 'Mo');
      const reader = await makeUser(t.url, 'reader', 'Loud Reader');
      const as = { authorization: `Bearer ${mod.token}` };
      const wrong = await raw(t.url, 'POST', `/users/${reader.id}/mute`, { minutes: 60, tickerId: 'no-such-room' }, as);
      expect(wrong.status).toBe(404);
      expect((await api.rest.get<{ items: Array<{ mutedUntil: string | null }> }>('/users', { q: reader.email })).items[0]!.mutedUntil).toBeNull();
      expect((await raw(t.url, 'POST', `/users/${reader.id}/mute`, { minutes: 60, reason: 'shouting', tickerId: 'rules' }, as)).status).toBe(200);
      expect((await raw(t.url, 'POST', `/users/${reader.id}/ban`, { reason: 'again', tickerId: 'rules' }, as)).status).toBe(200);
      const log = (await raw(t.url, 'GET', '/tickers/rules/moderation/log', undefined, as)).body.items;
      expect(log.map((a: { action: string; details: Record<string, unknown> }) => [a.action, a.details.name, a.details.reason])).toEqual([
        ['user.ban', 'Loud Reader', 'again'],
        ['user.mute', 'Loud Reader', 'shouting'],
      ]);
    });
  });
}
