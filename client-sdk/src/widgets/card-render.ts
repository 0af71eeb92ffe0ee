import type { Card, ResultsData, ScoreData, TableData } from '@liveticker/schemas';
import { cardNumber, cardWord, resultChange, resultValue, scoreLine, scoreState } from '@liveticker/schemas/card-text';
import { el } from './dom';
import type { Lang } from './i18n';

/** The cards' own words (the rest comes from card-text's). */
const WORDS: Record<Lang, Record<string, string>> = {
  de: { score: 'Spielstand', results: 'Ergebnis', change: 'Veränderung', party: 'Partei', value: 'Ergebnis', sortBy: 'sortieren', goal: 'Spielstand: {text}', events: 'Spielereignisse' },
  en: { score: 'Score', results: 'Results', change: 'Change', party: 'Party', value: 'Result', sortBy: 'sort', goal: 'Score: {text}', events: 'Match events' },
  ru: { score: 'Счёт', results: 'Результаты', change: 'Изменение', party: 'Партия', value: 'Результат', sortBy: 'сортировать', goal: 'Счёт: {text}', events: 'События матча' },
};
const word = (lang: Lang, key: string) => WORDS[lang][key] ?? WORDS.en[key];

/** What a score event is, in words (for screen readers; the eye gets a mark drawn in CSS). */
const EVENT_WORDS: Record<Lang, Record<string, string>> = {
  de: { goal: 'Tor', 'own-goal': 'Eigentor', penalty: 'Elfmetertor', 'yellow-card': 'Gelbe Karte', 'red-card': 'Rote Karte', card: 'Karte', sub: 'Wechsel', var: 'Videobeweis', other: 'Ereignis' },
  en: { goal: 'Goal', 'own-goal': 'Own goal', penalty: 'Penalty goal', 'yellow-card': 'Yellow card', 'red-card': 'Red card', card: 'Card', sub: 'Substitution', var: 'VAR', other: 'Event' },
  ru: { goal: 'Гол', 'own-goal': 'Автогол', penalty: 'Гол с пенальти', 'yellow-card': 'Жёлтая карточка', 'red-card': 'Красная карточка', card: 'Карточка', sub: 'Замена', var: 'VAR', other: 'Событие' },
};

export const CARD_CSS = `.lt-cards{display:grid;gap:.75rem;margin:.75rem 0}
.lt-card{border:1px solid var(--lt-line,#ddd);border-top:3px solid var(--lt-accent,#c00018);border-radius:4px;padding:.6rem .75rem;font-family:var(--lt-head-font,system-ui,sans-serif);background:#fff;color:#1a1a1a;min-width:0}
.lt-entry .lt-card{margin-top:.5rem}
.lt-card h3{font:700 .8rem var(--lt-head-font,system-ui,sans-serif);text-transform:uppercase;letter-spacing:.02em;margin:0 0 .4rem;color:#454545}
.lt-score{display:grid;grid-template-columns:minmax(0,1fr) auto minmax(0,1fr);align-items:center;gap:.75rem}
.lt-team{font-weight:700;font-size:1.05rem;line-height:1.25;overflow-wrap:anywhere}.lt-team.away{text-align:right}
.lt-team .short{display:none}
.lt-goals{font:800 2rem/1 var(--lt-head-font,system-ui,sans-serif);font-variant-numeric:tabular-nums;white-space:nowrap}
.lt-score-meta{margin:.4rem 0 0;font-size:.85rem;color:#454545;text-align:center}
.lt-score-meta .live{color:var(--lt-accent,#c00018);font-weight:700}.lt-score-meta .live::before{content:'● '}
.lt-score-events{list-style:none;margin:.5rem 0 0;padding:.4rem 0 0;border-top:1px solid var(--lt-line,#ddd);font-size:.85rem}
.lt-score-events li{display:flex;gap:.4rem;margin:.1rem 0}.lt-score-events li.away{flex-direction:row-reverse;text-align:right}
.lt-score-events b{font-variant-numeric:tabular-nums}
.lt-score-events li{align-items:center}.mk{display:inline-block;width:.7em;height:.7em;flex:none;border:2px solid currentColor;border-radius:50%}
.mk.own-goal{border-style:dashed}.mk.yellow-card,.mk.red-card,.mk.card{width:.55em;height:.8em;border:1px solid #1a1a1a;border-radius:1px;background:#f2c200}.mk.red-card{background:#c00018}
.mk.sub,.mk.var,.mk.other{border:0;border-radius:0;width:auto;height:auto}.mk.sub::before{content:'⇄'}.mk.var::before{content:'VAR';font-size:.7em;font-weight:700}.mk.other::before{content:'•'}
.lt-results table,.lt-ctable table{width:100%;border-collapse:collapse;font-size:.9rem}
.lt-results caption,.lt-ctable caption{text-align:left;font-weight:700;padding-bottom:.3rem}
.lt-results caption small{display:block;font-weight:400;color:#454545}
.lt-results th,.lt-results td,.lt-ctable th,.lt-ctable td{padding:.25rem .3rem;text-align:left;vertical-align:middle;border-bottom:1px solid #eee}
.lt-results th[scope=row]{font-weight:600;white-space:nowrap}
.lt-results th.num{text-align:right}
.lt-results td.num,.lt-ctable td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.lt-results td.value{width:70%}.lt-results .vrow{display:flex;align-items:center;gap:.5rem}
.lt-results .bar{flex:1;min-width:3rem}.lt-results .vrow .num{min-width:4.5rem;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.lt-results .bar span{display:block;height:.9rem;border-radius:2px;background:#767676;border:1px solid rgba(0,0,0,.35);box-sizing:border-box;min-width:2px}
.lt-results .up::before{content:'▲ '}.lt-results .down::before{content:'▼ '}
.lt-ctable{overflow-x:auto}
.lt-ctable th button{font:inherit;font-weight:700;background:none;border:0;padding:0;cursor:pointer;color:inherit;text-decoration:underline dotted;min-height:1.75rem;white-space:nowrap;text-align:inherit}
.lt-ctable th.num{text-align:right}
.lt-ctable th[aria-sort=ascending] button::after{content:' ▲'}.lt-ctable th[aria-sort=descending] button::after{content:' ▼'}
@media (max-width:600px){.lt-team .full{display:none}.lt-team .short{display:inline}.lt-goals{font-size:1.6rem}
.lt-results .bar{min-width:1.5rem}.lt-results .vrow .num{min-width:3.5rem}.lt-ctable th,.lt-ctable td{padding:.25rem .2rem}}`;

/** How the reader sorted a table card: by column, which way. Kept across the card's updates. */
export interface TableSort {
  column: number;
  dir: 'ascending' | 'descending';
}

function scoreCard(card: Card & { data: ScoreData }, lang: Lang): HTMLElement[] {
  const d = card.data;
  const team = (t: ScoreData['home'], side: 'home' | 'away') => {
    const node = el('span', { class: `lt-team ${side}` });
    // Phones show the short name; a screen reader always hears the full one.
    node.append(el('span', { class: 'full' }, t.name));
    if (t.short) node.append(el('span', { class: 'short', 'aria-hidden': 'true' }, t.short));
    else node.querySelector('.full')!.classList.remove('full');
    return node;
  };
  const row = el('div', { class: 'lt-score', role: 'group', 'aria-label': scoreLine(d) });
  row.append(team(d.home, 'home'), el('span', { class: 'lt-goals', 'aria-hidden': 'true' }, `${d.home.score} : ${d.away.score}`), team(d.away, 'away'));
  const meta = el('p', { class: 'lt-score-meta' });
  const [status, ...rest] = scoreState(d, lang).split(' · ');
  meta.append(el('span', { class: d.status }, status), rest.length ? ` · ${rest.join(' · ')}` : '');
  const out: HTMLElement[] = [row, meta];
  if (d.events?.length) {
    const list = el('ol', { class: 'lt-score-events', 'aria-label': word(lang, 'events') });
    for (const e of [...d.events].sort((a, b) => b.minute - a.minute)) {
      const li = el('li', { class: e.team });
      // No emoji: a device without an emoji font would show empty boxes. The mark is drawn in CSS.
      const side = e.team === 'home' ? d.home : d.away;
      li.append(el('b', {}, `${e.minute}'`), el('span', { class: `mk ${e.kind}`, 'aria-hidden': 'true' }), el('span', { class: 'lt-sr' }, `${EVENT_WORDS[lang][e.kind] ?? e.kind}: `), el('span', {}, `${side.short ?? side.name}: ${e.text}`));
      list.append(li);
    }
    out.push(list);
  }
  return out;
}

function resultsCard(card: Card & { data: ResultsData }, lang: Lang): HTMLElement[] {
  const d = card.data;
  const table = el('table');
  const caption = el('caption', {}, d.title);
  if (d.counted !== undefined) caption.append(el('small', {}, cardWord(lang, 'counted', cardNumber(d.counted, lang))));
  table.append(caption);
  const hasChange = d.rows.some((r) => r.previous !== undefined);
  const head = el('tr');
  head.append(el('th', { scope: 'col' }, word(lang, 'party')), el('th', { scope: 'col' }, word(lang, 'value')));
  if (hasChange) head.append(el('th', { scope: 'col', class: 'num' }, word(lang, 'change')));
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  // Bars are to scale of the largest value (percent up to 100, seats to the leader).
  const max = Math.max(d.unit === '%' ? 50 : 1, ...d.rows.map((r) => r.value));
  for (const r of d.rows) {
    const tr = el('tr');
    // Set through the CSSOM: a page's CSP may refuse style attributes, never this.
    const bar = el('span');
    bar.style.width = `${Math.max(0, Math.min(100, (r.value / max) * 100)).toFixed(1)}%`;
    if (r.color) bar.style.background = r.color;
    const barBox = el('span', { class: 'bar', 'aria-hidden': 'true' });
    barBox.append(bar);
    const cell = el('td', { class: 'value' });
    const inner = el('div', { class: 'vrow' });
    inner.append(barBox, el('span', { class: 'num' }, resultValue(r.value, d.unit, lang)));
    cell.append(inner);
    tr.append(el('th', { scope: 'row' }, r.label), cell);
    if (hasChange) {
      const change = resultChange(r, lang);
      const diff = r.previous === undefined ? 0 : r.value - r.previous;
      tr.append(el('td', { class: `num ${diff > 0 ? 'up' : diff < 0 ? 'down' : ''}` }, change ?? '–'));
    }
    body.append(tr);
  }
  table.append(body);
  const wrap = el('div', { class: 'lt-results' });
  wrap.append(table);
  return [wrap];
}

function tableCard(card: Card & { data: TableData }, sort: TableSort | undefined, onSort: (s: TableSort) => void): HTMLElement[] {
  const d = card.data;
  const table = el('table');
  table.append(el('caption', {}, d.title));
  const head = el('tr');
  d.columns.forEach((name, i) => {
    const numeric = d.rows.length > 0 && d.rows.every((r) => typeof r[i] === 'number');
    const th = el('th', { scope: 'col', 'aria-sort': sort?.column === i ? sort.dir : 'none', ...(numeric ? { class: 'num' } : {}) });
    const button = el('button', { type: 'button', 'data-column': String(i) }, name);
    button.addEventListener('click', () => onSort({ column: i, dir: sort?.column === i && sort.dir === 'descending' ? 'ascending' : 'descending' }));
    th.append(button);
    head.append(th);
  });
  table.append(el('thead'));
  table.tHead!.append(head);
  const rows = [...d.rows];
  if (sort) {
    const cmp = (a: string | number, b: string | number) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)));
    rows.sort((a, b) => (sort.dir === 'ascending' ? 1 : -1) * cmp(a[sort.column]!, b[sort.column]!));
  }
  const body = el('tbody');
  for (const r of rows) {
    const tr = el('tr');
    r.forEach((cell, i) => tr.append(el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : { class: typeof cell === 'number' ? 'num' : '' }, String(cell))));
    body.append(tr);
  }
  table.append(body);
  const wrap = el('div', { class: 'lt-ctable' });
  wrap.append(table);
  return [wrap];
}

/**
 * A card's element: a scoreboard, a results chart (bars with every value and its change written
 * out, so nothing depends on colour) or a table whose columns sort. Text goes in as text only.
 */
export function renderCard(card: Card, lang: Lang, table?: { sort?: TableSort; onSort: (s: TableSort) => void }): HTMLElement {
  const box = el('section', { class: `lt-card lt-card-${card.type}`, 'data-card': card.id, 'data-version': String(card.version), part: 'card', 'aria-label': card.type === 'score' ? word(lang, 'score') : card.type === 'results' ? word(lang, 'results') : card.data.title });
  if (card.type === 'score') box.append(el('h3', {}, word(lang, 'score')), ...scoreCard(card, lang));
  else if (card.type === 'results') box.append(...resultsCard(card, lang));
  else box.append(...tableCard(card, table?.sort, table?.onSort ?? (() => undefined)));
  return box;
}

/** What to say politely when a card changed: a score card's new score, only when the score moved. */
export function cardAnnouncement(before: Card | undefined, after: Card, lang: Lang): string | undefined {
  if (after.type !== 'score' || after.deletedAt) return undefined;
  if (before?.type === 'score' && before.data.home.score === after.data.home.score && before.data.away.score === after.data.away.score) return undefined;
  if (!before) return undefined;
  return word(lang, 'goal').replace('{text}', scoreLine(after.data));
}
