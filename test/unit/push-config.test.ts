import { ConfigError, loadConfig } from '../../server/src/config';
import { newVapidPair } from '../../server/src/push/keys';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ SEED_DEMO: 'false', ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('VAPID configuration', () => {
  it('takes a pair and a subject', () => {
    const pair = newVapidPair();
    const config = loadConfig({ VAPID_PUBLIC_KEY: pair.publicKey, VAPID_PRIVATE_KEY: pair.privateKey, VAPID_SUBJECT: 'https://news.example' });
    expect(config.push.vapid).toEqual(pair);
    expect(config.push.subject).toBe('https://news.example');
  });

  it('without a pair, leaves it to the database, and the subject defaults to the mail sender', () => {
    const config = loadConfig({ MAIL_FROM: 'Newsroom <push@news.example>' });
    expect(config.push.vapid).toBeUndefined();
    expect(config.push.subject).toBe('mailto:push@news.example');
  });

  it('refuses half a pair, a pair that does not belong together, keys of the wrong form and a subject that is neither mailto: nor https, one clear line each, without repeating the private key', () => {
    const [a, b] = [newVapidPair(), newVapidPair()];
    expect(problems({ VAPID_PUBLIC_KEY: a.publicKey })).toEqual([expect.stringMatching(/^VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both or neither/)]);
    expect(problems({ VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: b.privateKey })).toEqual(['VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY']);
    const bad = problems({ VAPID_PUBLIC_KEY: 'short', VAPID_PRIVATE_KEY: 'not!a!key' });
    expect(bad).toEqual([expect.stringMatching(/^VAPID_PUBLIC_KEY: must be a base64url P-256 public key/), expect.stringMatching(/^VAPID_PRIVATE_KEY: must be a base64url P-256 private key/)]);
    expect(bad.join('\n')).not.toContain('not!a!key');
    expect(problems({ VAPID_SUBJECT: 'http://news.example' })).toEqual([expect.stringMatching(/^VAPID_SUBJECT: must be a mailto: address or an https:\/\/ URL/)]);
    expect(problems({ PUSH_MIN_INTERVAL_S: '0' })).toEqual([expect.stringMatching(/^PUSH_MIN_INTERVAL_S:/)]);
  });
});
