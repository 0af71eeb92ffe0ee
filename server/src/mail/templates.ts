import type { Locale } from '@liveticker/schemas';
import type { Mail, MailKind as Kind } from './mailer';

const TEXT: Record<Locale, Record<Kind, { subject: string; body: (link: string, name: string) => string }>> = {
  en: {
    verify: {
      subject: 'Please confirm your e-mail address',
      body: (link, name) => `Hello ${name},\n\nplease confirm your e-mail address to join the discussion:\n\n${link}\n\nThe link is valid for 24 hours. If you did not register, ignore this mail.`,
    },
    'already-registered': {
      subject: 'Someone tried to register with your address',
      body: (link) => `Hello,\n\nsomeone tried to register a new account with this e-mail address, but you already have one.\nIf it was you, log in — or reset your password here:\n\n${link}\n\nIf it was not you, ignore this mail.`,
    },
    reset: {
      subject: 'Reset your password',
      body: (link, name) => `Hello ${name},\n\nuse this link to choose a new password:\n\n${link}\n\nThe link is valid for 1 hour and works once. If you did not ask for it, ignore this mail.`,
    },
  },
  de: {
    verify: {
      subject: 'Bitte bestätigen Sie Ihre E-Mail-Adresse',
      body: (link, name) => `Hallo ${name},\n\nbitte bestätigen Sie Ihre E-Mail-Adresse, um mitzudiskutieren:\n\n${link}\n\nDer Link ist 24 Stunden gültig. Wenn Sie sich nicht registriert haben, ignorieren Sie diese E-Mail.`,
    },
    'already-registered': {
      subject: 'Registrierungsversuch mit Ihrer Adresse',
      body: (link) => `Hallo,\n\njemand wollte mit dieser E-Mail-Adresse ein neues Konto anlegen, Sie haben aber schon eines.\nWaren Sie das, melden Sie sich an — oder setzen Sie hier Ihr Passwort zurück:\n\n${link}\n\nWaren Sie es nicht, ignorieren Sie diese E-Mail.`,
    },
    reset: {
      subject: 'Passwort zurücksetzen',
      body: (link, name) => `Hallo ${name},\n\nmit diesem Link wählen Sie ein neues Passwort:\n\n${link}\n\nDer Link ist eine Stunde gültig und funktioniert einmal. Haben Sie ihn nicht angefordert, ignorieren Sie diese E-Mail.`,
    },
  },
  ru: {
    verify: {
      subject: 'Подтвердите адрес электронной почты',
      body: (link, name) => `Здравствуйте, ${name}!\n\nПодтвердите адрес электронной почты, чтобы участвовать в обсуждении:\n\n${link}\n\nСсылка действительна 24 часа. Если вы не регистрировались, просто проигнорируйте это письмо.`,
    },
    'already-registered': {
      subject: 'Попытка регистрации с вашим адресом',
      body: (link) => `Здравствуйте!\n\nКто-то пытался зарегистрировать новую учётную запись с этим адресом, но она у вас уже есть.\nЕсли это были вы, войдите — или сбросьте пароль по ссылке:\n\n${link}\n\nЕсли это были не вы, проигнорируйте это письмо.`,
    },
    reset: {
      subject: 'Сброс пароля',
      body: (link, name) => `Здравствуйте, ${name}!\n\nПо этой ссылке можно задать новый пароль:\n\n${link}\n\nСсылка действительна один час и работает один раз. Если вы не запрашивали сброс, проигнорируйте это письмо.`,
    },
  },
};

/** A mail of a kind in the user's language; the link is always built from PUBLIC_URL. */
export function mailFor(kind: Kind, locale: Locale, to: string, name: string, link: string): Mail {
  const t = TEXT[locale][kind];
  return { kind, to, subject: t.subject, text: t.body(link, name), links: [link] };
}
