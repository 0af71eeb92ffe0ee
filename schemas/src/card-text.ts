import type { Card, ResultsData, ScoreData, TableData } from './cards';

/**
 * Cards as words: one line for the feeds, the rendered page's text and the widget's polite
 * announcements. Pure (no DOM), shared by the server and the SDK. Numbers are written in the
 * language's way (`Intl.NumberFormat`); a change against `previous` with its sign, so nothing
 * depends on colour.
 */

export type CardLang = 'de' | 'en' | 'ru';

const WORDS: Record<CardLang, Record<string, string>> = {
  de: { counted: '{n} % ausgezählt', seats: 'Sitze', scheduled: 'Angesetzt', live: 'Live', halftime: 'Halbzeit', ended: 'Beendet', minute: '{n}. Min.' },
  en: { counted: '{n} % counted', seats: 'seats', scheduled: 'Scheduled', live: 'Live', halftime: 'Half-time', ended: 'Full time', minute: "{n}'" },
  ru: { counted: 'подсчитано {n} %', seats: 'мест', scheduled: 'Запланирован', live: 'Идёт', halftime: 'Перерыв', ended: 'Завершён', minute: '{n}-я мин.' },
};

/** A card word in `lang` ({n} filled in). */
export function cardWord(lang: CardLang, key: string, n?: string): string {
  return (WORDS[lang][key] ?? WORDS.en[key] ?? key).replace('{n}', n ?? '');
}

/** A number as `lang` writes it (up to one decimal). */
export function cardNumber(value: number, lang: CardLang, signed = false): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 1, ...(signed ? { signDisplay: 'exceptZero' } : {}) }).format(value);
}

/** A result's value with its unit ("31,5 %", "112 Sitze"). */
export function resultValue(value: number, unit: ResultsData['unit'], lang: CardLang): string {
  return unit === '%' ? `${cardNumber(value, lang)} %` : `${cardNumber(value, lang)} ${cardWord(lang, 'seats')}`;
}

/** The change against `previous` ("+3,5", "−2"), or undefined without one. Percentage points for `%`. */
export function resultChange(row: { value: number; previous?: number }, lang: CardLang): string | undefined {
  if (row.previous === undefined) return undefined;
  return cardNumber(Math.round((row.value - row.previous) * 10) / 10, lang, true).replace('-', '−');
}

/** "Borussia Dortmund 2:1 FC Schalke 04". */
export function scoreLine(d: ScoreData): string {
  return `${d.home.name} ${d.home.score}:${d.away.score} ${d.away.name}`;
}

/** "Live · 2nd half · 67'". */
export function scoreState(d: ScoreData, lang: CardLang): string {
  return [cardWord(lang, d.status), d.period, d.minute !== undefined && d.status !== 'ended' ? cardWord(lang, 'minute', String(d.minute)) : undefined].filter(Boolean).join(' · ');
}

function resultsLine(d: ResultsData, lang: CardLang): string {
  const rows = d.rows.map((r) => {
    const change = resultChange(r, lang);
    return `${r.label} ${resultValue(r.value, d.unit, lang)}${change ? ` (${change})` : ''}`;
  });
  const counted = d.counted !== undefined ? ` (${cardWord(lang, 'counted', cardNumber(d.counted, lang))})` : '';
  return `${d.title}${counted}: ${rows.join(', ')}`;
}

function tableLine(d: TableData): string {
  return `${d.title}: ${d.rows.map((r) => r.join(' ')).join('; ')}`;
}

/** The card in one line of text. */
export function cardText(card: Pick<Card, 'type' | 'data'> & Partial<Card>, lang: CardLang): string {
  switch (card.type) {
    case 'score':
      return `${scoreLine(card.data)} (${scoreState(card.data, lang)})`;
    case 'results':
      return resultsLine(card.data, lang);
    case 'table':
      return tableLine(card.data);
  }
}
