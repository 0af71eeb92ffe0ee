/** The words of the pages our mails open (confirm an address, choose a new password), per language. */
export const PAGE_LANGS = ['de', 'en', 'ru'] as const;
export type PageLang = (typeof PAGE_LANGS)[number];

/** `de-AT`, `EN`, `ru_RU` → de, en, ru; anything else English. */
export function pageLang(tag: unknown): PageLang {
  const base = typeof tag === 'string' ? tag.toLowerCase().split(/[-_]/)[0] : '';
  return (PAGE_LANGS as readonly string[]).includes(base) ? (base as PageLang) : 'en';
}

export const PAGE_STRINGS: Record<PageLang, Record<string, string>> = {
  de: {
    verifyTitle: 'E-Mail-Adresse bestätigen',
    verifyIntro: 'Damit wir wissen, dass diese Adresse und dieses Konto beide Ihnen gehören, geben Sie bitte das Passwort ein, das Sie bei der Registrierung gewählt haben.',
    password: 'Passwort',
    confirm: 'Bestätigen',
    verified: 'Ihre E-Mail-Adresse ist bestätigt. Sie können jetzt mitdiskutieren.',
    wrongPassword: 'Das ist nicht das Passwort, mit dem dieses Konto registriert wurde. Hat jemand anderes diese Adresse registriert? Dann fordern Sie unter „Passwort vergessen“ einen neuen Link an – danach gehört das Konto Ihnen.',
    invalidLink: 'Dieser Link ist ungültig, wurde schon benutzt oder ist abgelaufen. Fordern Sie im Ticker einen neuen an.',
    tooMany: 'Zu viele Versuche. Bitte warten Sie einen Moment.',
    failed: 'Das hat nicht geklappt. Bitte versuchen Sie es gleich noch einmal.',
    resetTitle: 'Neues Passwort wählen',
    newPassword: 'Neues Passwort (8–128 Zeichen)',
    save: 'Speichern',
    resetDone: 'Ihr Passwort wurde geändert. Melden Sie sich mit dem neuen an.',
    back: 'Zurück zum Artikel',
  },
  en: {
    verifyTitle: 'Confirm your e-mail address',
    verifyIntro: 'To confirm that this address and this account are both yours, enter the password you chose when you registered.',
    password: 'Password',
    confirm: 'Confirm',
    verified: 'Your e-mail address is confirmed. You can now join the discussion.',
    wrongPassword: 'This is not the password this account was registered with. If someone else registered this address, ask for a password reset (“Forgot password”) and the account is yours.',
    invalidLink: 'This link is invalid, already used or expired. Ask for a new one in the ticker.',
    tooMany: 'Too many attempts. Please wait a moment.',
    failed: 'That did not work. Please try again in a moment.',
    resetTitle: 'Choose a new password',
    newPassword: 'New password (8–128 characters)',
    save: 'Save',
    resetDone: 'Your password was changed. Log in with the new one.',
    back: 'Back to the article',
  },
  ru: {
    verifyTitle: 'Подтвердите адрес электронной почты',
    verifyIntro: 'Чтобы подтвердить, что и этот адрес, и эта учётная запись принадлежат вам, введите пароль, который вы выбрали при регистрации.',
    password: 'Пароль',
    confirm: 'Подтвердить',
    verified: 'Ваш адрес подтверждён. Теперь вы можете участвовать в обсуждении.',
    wrongPassword: 'Это не тот пароль, с которым была зарегистрирована учётная запись. Если этот адрес зарегистрировал кто-то другой, запросите сброс пароля («Забыли пароль?») — и учётная запись станет вашей.',
    invalidLink: 'Ссылка недействительна, уже использована или устарела. Запросите новую в ленте.',
    tooMany: 'Слишком много попыток. Подождите немного.',
    failed: 'Не получилось. Попробуйте ещё раз чуть позже.',
    resetTitle: 'Новый пароль',
    newPassword: 'Новый пароль (8–128 символов)',
    save: 'Сохранить',
    resetDone: 'Пароль изменён. Войдите с новым паролем.',
    back: 'Вернуться к статье',
  },
};
