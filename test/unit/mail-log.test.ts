import pino from 'pino';
import { ConfigError, loadConfig } from '../../server/src/config';
import { logMailer } from '../../server/src/mail/mailer';
import { mailFor } from '../../server/src/mail/templates';

// Finding 2 of the security review (issue 24): mail links in the log of a production start.

const TOKEN = 'ltv_' + 'S'.repeat(43);
const link = (page: string) => `https://news.example/${page}?token=${TOKEN}&lang=en`;

/** The refusal's lines, or [] when the environment is accepted. */
function refusal(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('a production start without a mail server', () => {
  it.each([
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['an https PUBLIC_URL', { PUBLIC_URL: 'https://live.example.org' }],
    ['an empty SMTP_URL, as deploy/compose.yaml leaves it', { NODE_ENV: 'production', SMTP_URL: '' }],
  ])('is refused with one line naming SMTP_URL: %s', (_what, env) => {
    const lines = refusal(env);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^SMTP_URL: required in production .*MAIL_TRANSPORT=log/);
    expect(lines[0]).not.toContain('\n');
  });

  it('starts with SMTP_URL, or with MAIL_TRANSPORT=log said on purpose (which SMTP_URL overrides)', () => {
    expect(loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example:587' })).toMatchObject({ smtpUrl: 'smtp://mail.example:587' });
    expect(loadConfig({ NODE_ENV: 'production', MAIL_TRANSPORT: 'log' })).toMatchObject({ smtpUrl: undefined, mailLogLinks: 'none' });
    expect(loadConfig({ PUBLIC_URL: 'https://live.example.org', MAIL_TRANSPORT: 'log' })).toMatchObject({ mailLogLinks: 'none' });
    expect(loadConfig({ NODE_ENV: 'production', MAIL_TRANSPORT: 'log', SMTP_URL: 'smtp://mail.example' })).toMatchObject({ smtpUrl: 'smtp://mail.example', mailTransport: 'log' });
  });

  it('a local development start needs no mail server and logs verification links, as before', () => {
    expect(loadConfig({})).toMatchObject({ smtpUrl: undefined, mailLogLinks: 'verify' });
    expect(loadConfig({ NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:3000' })).toMatchObject({ mailLogLinks: 'verify' });
  });

  it('refuses a MAIL_TRANSPORT it does not know, saying which', () => {
    expect(refusal({ MAIL_TRANSPORT: 'smtp' })).toEqual([expect.stringMatching(/^MAIL_TRANSPORT: must be log .*\(got "smtp"\)$/)]);
  });
});

describe('the log mailer (no SMTP_URL)', () => {
  function capture(links: 'verify' | 'none') {
    const lines: string[] = [];
    // The lowest level: no line at any level may carry a link it must not.
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    return { mailer: logMailer(logger, { links }), lines };
  }
  const mails = {
    verify: mailFor('verify', 'en', 'reader@example.org', 'Reader', link('verify-email')),
    reset: mailFor('reset', 'en', 'reader@example.org', 'Reader', link('reset-password')),
    'already-registered': mailFor('already-registered', 'en', 'reader@example.org', 'Reader', link('reset-password')),
  };

  it.each(['verify', 'none'] as const)('never writes a password reset link, only that one was made (links: %s)', async (links) => {
    const { mailer, lines } = capture(links);
    await mailer.send(mails.reset);
    await mailer.send(mails['already-registered']);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('token=');
      expect(line).toContain('a password reset link');
      expect(line).toContain('reader@example.org');
    }
  });

  it('writes a verification link in full for a local development start only', async () => {
    const dev = capture('verify');
    await dev.mailer.send(mails.verify);
    expect(dev.lines.join('')).toContain(link('verify-email'));

    const production = capture('none');
    await production.mailer.send(mails.verify);
    expect(production.lines).toHaveLength(1);
    expect(production.lines[0]).not.toContain(TOKEN);
    expect(production.lines[0]).toContain('an address confirmation link');
  });
});
