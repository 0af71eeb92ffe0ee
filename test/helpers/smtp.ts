import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { waitFor } from './wait';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server on a free loopback port that keeps every mail it receives. */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpSink> {
    let sink!: SmtpSink;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            for (const rcpt of session.envelope.rcptTo) {
              sink.mails.push({ to: rcpt.address, subject: parsed.subject ?? '', text: parsed.text ?? '' });
            }
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as { port: number }).port;
    sink = new SmtpSink(server, port);
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Waits for the next mail to `to` after the first `skip` ones and returns it. */
  async mailTo(to: string, skip = 0): Promise<ReceivedMail> {
    return waitFor(() => this.mails.filter((m) => m.to === to)[skip], `a mail to ${to}`);
  }

  count(to: string): number {
    return this.mails.filter((m) => m.to === to).length;
  }

  /** The first link in a mail's text. */
  static link(mail: ReceivedMail): URL {
    const m = /https?:\/\/\S+/.exec(mail.text);
    if (!m) throw new Error(`no link in mail: ${mail.text}`);
    return new URL(m[0]);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
