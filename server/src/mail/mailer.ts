import type { Logger } from '../logger';

/** What a mail is for: `already-registered` carries a password reset link too. */
export type MailKind = 'verify' | 'already-registered' | 'reset';

export interface Mail {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  /** Links in the mail; without SMTP a development start logs a verification link (see logMailer). */
  links?: string[];
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/**
 * Sends over SMTP (SMTP_URL) with nodemailer, loaded here (at start, only when SMTP_URL is set: a
 * node without it does not carry the library's 10 MB), so a node that cannot load it does not start.
 */
export async function smtpMailer(url: string, from: string, logger: Logger): Promise<Mailer> {
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(url);
  const log = logger.child({ module: 'mail' });
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
      log.info({ subject: mail.subject }, 'mail sent');
    },
    close: () => transport.close(),
  };
}

const MADE: Record<MailKind, string> = {
  verify: 'an address confirmation link',
  reset: 'a password reset link',
  'already-registered': 'a password reset link (someone tried to register this address again)',
};

/**
 * No SMTP_URL: the mail goes to the log instead of being sent. Its link is written only for a
 * verification mail with `links: 'verify'` (a local development start, so a developer can click
 * it); a password reset link never is, at any level, nor anything of a production-like start
 * (MAIL_TRANSPORT=log): whoever reads the log could take the account over with it. The log then
 * says only that a link was made.
 */
export function logMailer(logger: Logger, opts: { links: 'verify' | 'none' }): Mailer {
  const log = logger.child({ module: 'mail' });
  return {
    async send(mail) {
      if (mail.kind === 'verify' && opts.links === 'verify') {
        // The link on a line of its own, so it can be copied from a terminal as it is.
        log.info({ to: mail.to, subject: mail.subject, links: mail.links }, `dev mode: mail to ${mail.to} not sent; open its link:\n${(mail.links ?? []).join('\n')}`);
        return;
      }
      log.info({ to: mail.to, subject: mail.subject, kind: mail.kind }, `mail to ${mail.to} not sent (no SMTP_URL): ${MADE[mail.kind]} was made; links are not written to the log`);
    },
    close: () => undefined,
  };
}
