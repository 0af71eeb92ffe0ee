import { cardNumber, cardText, cardWord, resultChange, resultValue, scoreLine, scoreState } from '@liveticker/schemas';
import type { Card, CardLang, Ticker } from '@liveticker/schemas';

const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const langOf = (lang: string): CardLang => (lang === 'de' || lang === 'ru' ? lang : 'en');
/** The results table's headings. */
const HEADS: Record<CardLang, [string, string, string]> = { de: ['Partei', 'Ergebnis', 'Veränderung'], en: ['Party', 'Result', 'Change'], ru: ['Партия', 'Результат', 'Изменение'] };

/** The rendered page's style for cards (a plain page: no script, readable without colour). */
export const CARD_PAGE_CSS = `.lt-card{font:.95rem system-ui,sans-serif;border:1px solid #ddd;border-top:3px solid #c00018;border-radius:4px;padding:.5rem .75rem;margin:.75rem 0}
.lt-card table{border-collapse:collapse;width:100%}.lt-card caption{text-align:left;font-weight:700}.lt-card th,.lt-card td{text-align:left;padding:.2rem .3rem;border-bottom:1px solid #eee}
.lt-card .num{text-align:right;font-variant-numeric:tabular-nums}.lt-card-score .lt-goals{font-size:1.5rem;font-weight:800}.lt-card-score p{margin:.2rem 0}`;

/**
 * A card as plain HTML for the rendered page: a score line, or a table (results with each value
 * and its change written out; a table as it is). Every text is escaped.
 */
export function cardHtml(card: Card, lang: string): string {
  const l = langOf(lang);
  const open = `<section class="lt-card lt-card-${card.type}" id="card-${esc(card.id)}" data-card="${esc(card.id)}" data-version="${card.version}">`;
  if (card.type === 'score') {
    const d = card.data;
    const events = d.events?.length
      ? `<ol>${[...d.events]
          .sort((a, b) => b.minute - a.minute)
          .map((e) => `<li>${e.minute}' ${esc((e.team === 'home' ? d.home : d.away).name)}: ${esc(e.text)}</li>`)
          .join('')}</ol>`
      : '';
    return `${open}<p><strong>${esc(d.home.name)}</strong> <span class="lt-goals">${d.home.score}:${d.away.score}</span> <strong>${esc(d.away.name)}</strong></p><p>${esc(scoreState(d, l))}</p>${events}</section>`;
  }
  if (card.type === 'results') {
    const d = card.data;
    const changes = d.rows.some((r) => r.previous !== undefined);
    const counted = d.counted !== undefined ? ` <small>(${esc(cardWord(l, 'counted', cardNumber(d.counted, l)))})</small>` : '';
    const rows = d.rows.map((r) => `<tr><th scope="row">${esc(r.label)}</th><td class="num">${esc(resultValue(r.value, d.unit, l))}</td>${changes ? `<td class="num">${esc(resultChange(r, l) ?? '–')}</td>` : ''}</tr>`).join('');
    const [party, result, change] = HEADS[l];
    const head = `<thead><tr><th scope="col">${party}</th><th scope="col" class="num">${result}</th>${changes ? `<th scope="col" class="num">${change}</th>` : ''}</tr></thead>`;
    return `${open}<table><caption>${esc(d.title)}${counted}</caption>${head}<tbody>${rows}</tbody></table></section>`;
  }
  const d = card.data;
  const head = `<tr>${d.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr>`;
  const rows = d.rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(String(c))}</th>` : `<td${typeof c === 'number' ? ' class="num"' : ''}>${esc(String(c))}</td>`)).join('')}</tr>`).join('');
  return `${open}<table><caption>${esc(d.title)}</caption><thead>${head}</thead><tbody>${rows}</tbody></table></section>`;
}

/**
 * schema.org `SportsEvent` for a score card: the two teams, the score in words, the card's
 * permalink. Its start is the ticker's coverage start (a card has no kick-off time of its own).
 */
export function sportsEventJsonLd(card: Card, ticker: Ticker, page: string): Record<string, unknown> | undefined {
  if (card.type !== 'score') return undefined;
  const d = card.data;
  return {
    '@context': 'https://schema.org',
    '@type': 'SportsEvent',
    '@id': `${page}#card-${card.id}`,
    url: `${page}#card-${card.id}`,
    name: `${d.home.name} – ${d.away.name}`,
    description: cardText(card, langOf(ticker.locale)),
    startDate: ticker.coverageStart ?? card.createdAt,
    eventStatus: 'https://schema.org/EventScheduled',
    homeTeam: { '@type': 'SportsTeam', name: d.home.name },
    awayTeam: { '@type': 'SportsTeam', name: d.away.name },
    competitor: [
      { '@type': 'SportsTeam', name: d.home.name },
      { '@type': 'SportsTeam', name: d.away.name },
    ],
    about: scoreLine(d),
  };
}
