export type Lang = 'de' | 'en' | 'ru';

/** The widget's UI strings, as on the page it was modelled on. */
export const STRINGS: Record<Lang, Record<string, string>> = {
  de: {
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
    related: 'Mehr zum Thema',
  },
  en: {
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
    related: 'Related',
  },
  ru: {
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
    related: 'По теме',
  },
};
