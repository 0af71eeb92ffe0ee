import nodemailer from 'nodemailer';
import type { Logger } from '../logger';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** Links in the mail, logged in dev mode so a developer can click them. */
  links?: string[];
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** Sends over SMTP (SMTP_URL) with nodemailer. */
export function smtpMailer(url: string, from: string, logger: Logger): Mailer {
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

/** Dev mode (no SMTP_URL): the mail, with its links, goes to the log instead. */
export function logMailer(logger: Logger): Mailer {
  const log = logger.child({ module: 'mail' });
  return {
    async send(mail) {
      // The link on a line of its own, so it can be copied from a terminal as it is.
      log.info({ to: mail.to, subject: mail.subject, links: mail.links }, `dev mode: mail to ${mail.to} not sent; open its link:\n${(mail.links ?? []).join('\n')}`);
    },
    close: () => undefined,
  };
}
