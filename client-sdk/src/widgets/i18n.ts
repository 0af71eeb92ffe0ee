export type Lang = 'de' | 'en' | 'ru';

/** The widget's UI strings, as on the page it was modelled on. */
export const STRINGS: Record<Lang, Record<string, string>> = {
  de: {
    orderLabel: 'Sortierung',
    newUpdates: '{n} neue Einträge',
    newUpdate: '1 neuer Eintrag',
    newEntry: 'Neuer Eintrag: {text}',
    updated: 'aktualisiert {time}',
    permalink: 'Link zu diesem Eintrag',
    tickerTitle: 'Newsticker',
    source: 'Quelle',
    live: 'Live',
    ended: 'Beendet',
    scheduled: 'Geplant',
    newest: 'Neueste zuerst',
    oldest: 'Älteste zuerst',
    more: 'Ältere Einträge laden',
    moreOldest: 'Weitere Einträge laden',
    pinned: 'Angeheftet',
    empty: 'Noch keine Einträge.',
    offline: 'Verbindung unterbrochen – wird wiederhergestellt …',
    chatUnavailable: 'Die Diskussion lässt sich gerade nicht laden. Bitte laden Sie die Seite später neu.',
    reconnecting: 'Verbindung unterbrochen – neuer Versuch in {s} s …',
    restarting: 'Kurze Unterbrechung – gleich geht es weiter …',
    polling: 'Live-Verbindung blockiert – der Ticker wird regelmäßig aktualisiert.',
    originBlocked: 'Dieser Ticker darf auf dieser Seite nicht angezeigt werden (Origin nicht freigegeben).',
    related: 'Mehr zum Thema',
    keyEvents: 'Die wichtigsten Ereignisse',
    readMore: 'Weiterlesen',
    readLess: 'Weniger anzeigen',
    follow: 'Abonnieren',
    followLabel: 'Benachrichtigungen zu diesem Ticker',
    followAll: 'Jede neue Meldung',
    followKeys: 'Nur wichtige Ereignisse',
    following: 'Abonniert · {topics}',
    topicsAll: 'alle Meldungen',
    topicsKeys: 'wichtige Ereignisse',
    unfollow: 'Abbestellen',
    followFailed: 'Das Abonnieren hat nicht geklappt. Bitte später erneut versuchen.',
    followWindow: 'Abonnieren (öffnet ein neues Fenster)',
  },
  en: {
    orderLabel: 'Order',
    newUpdates: '{n} new updates',
    newUpdate: '1 new update',
    newEntry: 'New entry: {text}',
    updated: 'updated {time}',
    permalink: 'Link to this entry',
    tickerTitle: 'Live ticker',
    source: 'Source',
    live: 'Live',
    ended: 'Ended',
    scheduled: 'Scheduled',
    newest: 'Newest first',
    oldest: 'Oldest first',
    more: 'Load older entries',
    moreOldest: 'Load more entries',
    pinned: 'Pinned',
    empty: 'No entries yet.',
    offline: 'Connection lost – reconnecting …',
    chatUnavailable: 'The discussion cannot be loaded right now. Please reload the page later.',
    reconnecting: 'Connection lost – retrying in {s} s …',
    restarting: 'A short break – back in a moment …',
    polling: 'Live connection blocked – the ticker refreshes regularly instead.',
    originBlocked: 'This ticker may not be shown on this page (origin not allowed).',
    related: 'Related',
    keyEvents: 'Key events',
    readMore: 'Read more',
    readLess: 'Show less',
    follow: 'Follow',
    followLabel: 'Notifications for this ticker',
    followAll: 'Every update',
    followKeys: 'Key events only',
    following: 'Following · {topics}',
    topicsAll: 'every update',
    topicsKeys: 'key events',
    unfollow: 'Stop',
    followFailed: 'Following did not work. Please try again later.',
    followWindow: 'Follow (opens a new window)',
  },
  ru: {
    orderLabel: 'Порядок',
    newUpdates: 'Новых записей: {n}',
    newUpdate: '1 новая запись',
    newEntry: 'Новая запись: {text}',
    updated: 'обновлено {time}',
    permalink: 'Ссылка на эту запись',
    tickerTitle: 'Лента новостей',
    source: 'Источник',
    live: 'В эфире',
    ended: 'Завершено',
    scheduled: 'Запланировано',
    newest: 'Сначала новые',
    oldest: 'Сначала старые',
    more: 'Загрузить более ранние',
    moreOldest: 'Загрузить ещё',
    pinned: 'Закреплено',
    empty: 'Пока нет записей.',
    offline: 'Соединение потеряно – переподключение …',
    chatUnavailable: 'Обсуждение сейчас не загружается. Пожалуйста, обновите страницу позже.',
    reconnecting: 'Соединение потеряно – новая попытка через {s} с …',
    restarting: 'Небольшая пауза – сейчас продолжим …',
    polling: 'Живое соединение заблокировано – тикер обновляется периодически.',
    originBlocked: 'Этот тикер нельзя показывать на этой странице (источник не разрешён).',
    related: 'По теме',
    keyEvents: 'Главные события',
    readMore: 'Читать далее',
    readLess: 'Свернуть',
    follow: 'Подписаться',
    followLabel: 'Уведомления об этой ленте',
    followAll: 'Каждая новая запись',
    followKeys: 'Только главные события',
    following: 'Подписка · {topics}',
    topicsAll: 'все записи',
    topicsKeys: 'главные события',
    unfollow: 'Отписаться',
    followFailed: 'Подписаться не удалось. Попробуйте позже.',
    followWindow: 'Подписаться (в новом окне)',
  },
};

/** Adds a widget's own strings (the chat's come with its script, which may load later). */
export function addStrings(table: Record<Lang, Record<string, string>>): void {
  for (const lang of Object.keys(table) as Lang[]) Object.assign(STRINGS[lang], table[lang]);
}

/** A UI string with `{name}` placeholders filled in. */
export function say(lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** The widget language for a `lang` attribute or page language (`de-AT` → de); unknown → en. */
export function pickLang(tag: string | null | undefined): Lang {
  const base = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return base === 'de' || base === 'en' || base === 'ru' ? base : 'en';
}

/** A counted string by the language's plural rules: `key.one`, `key.few`… else `key`. */
export function plural(lang: Lang, key: string, n: number): string {
  const form = `${key}.${new Intl.PluralRules(lang).select(n)}`;
  return say(lang, STRINGS[lang][form] ?? STRINGS.en[form] ? form : key, { n });
}
