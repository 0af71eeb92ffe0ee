import { retryAfterMs, pushTopic } from '../../server/src/push/deliverer';
import { summaryTitle } from '../../server/src/push/texts';

describe("a burst's title in the follower's language", () => {
  it('says how many updates, in German, English and Russian (with its three plural forms)', () => {
    expect(summaryTitle('de', 5, 'Wahl')).toBe('5 neue Beiträge in Wahl');
    expect(summaryTitle('en', 2, 'Election')).toBe('2 new updates in Election');
    expect(summaryTitle('ru', 21, 'Выборы')).toBe('21 новое обновление в Выборы');
    expect(summaryTitle('ru', 3, 'Выборы')).toBe('3 новых обновления в Выборы');
    expect(summaryTitle('ru', 12, 'Выборы')).toBe('12 новых обновлений в Выборы');
    expect(summaryTitle('fr', 2, 'Élection')).toBe('2 new updates in Élection');
  });
});

describe('Retry-After and Topic', () => {
  const now = new Date('2026-12-07T05:00:00Z');
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 05:01:30 GMT', now)).toBe(90_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 04:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
  it('gives each ticker a Topic of at most 32 URL-safe base64 characters (RFC 8030)', () => {
    const long = 'a-very-long-ticker-slug-that-goes-on-and-on-past-thirty-two-characters';
    expect(pushTopic(long)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(pushTopic('a')).not.toBe(pushTopic('b'));
  });
});
