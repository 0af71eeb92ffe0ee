import type { Card, CardType } from '@liveticker/schemas';

/**
 * The console's card forms as plain values, and the body a form sends: pure, no DOM, so the
 * conversions are tested apart. What the server refuses (a row too many, a text too long) comes
 * back as a 400 naming the field; here nothing is checked beyond the shape.
 */

export interface TeamValues {
  name: string;
  short: string;
  score: string;
}
export interface ResultRowValues {
  label: string;
  value: string;
  previous: string;
  color: string;
}
export interface CardValues {
  type: CardType;
  home: TeamValues;
  away: TeamValues;
  period: string;
  minute: string;
  status: string;
  title: string;
  unit: string;
  counted: string;
  rows: ResultRowValues[];
  /** Table columns, comma-separated. */
  columns: string;
  /** Table rows, one a line, cells separated by `|`. */
  tableRows: string;
  pinned: boolean;
  entryId: string;
}

/** A number typed in a form (`31,5` or `31.5`); undefined when empty, NaN kept for the server to name. */
export function formNumber(text: string): number | undefined {
  const t = text.trim().replace(',', '.');
  return t === '' ? undefined : Number(t);
}

/** The form's values for a card (or empty ones of a type). */
export function valuesOf(card: Card | undefined, type: CardType = card?.type ?? 'score'): CardValues {
  const empty: CardValues = {
    type,
    home: { name: '', short: '', score: '0' },
    away: { name: '', short: '', score: '0' },
    period: '',
    minute: '',
    status: 'scheduled',
    title: '',
    unit: '%',
    counted: '',
    rows: [{ label: '', value: '', previous: '', color: '' }],
    columns: '',
    tableRows: '',
    pinned: card?.pinned ?? false,
    entryId: card?.entryId ?? '',
  };
  if (!card || card.type !== type) return empty;
  if (card.type === 'score') {
    const d = card.data;
    const team = (x: typeof d.home): TeamValues => ({ name: x.name, short: x.short ?? '', score: String(x.score) });
    return { ...empty, home: team(d.home), away: team(d.away), period: d.period, minute: d.minute === undefined ? '' : String(d.minute), status: d.status };
  }
  if (card.type === 'results') {
    const d = card.data;
    return {
      ...empty,
      title: d.title,
      unit: d.unit,
      counted: d.counted === undefined ? '' : String(d.counted),
      rows: d.rows.map((r) => ({ label: r.label, value: String(r.value), previous: r.previous === undefined ? '' : String(r.previous), color: r.color ?? '' })),
    };
  }
  const d = card.data;
  return { ...empty, title: d.title, columns: d.columns.join(', '), tableRows: d.rows.map((r) => r.join(' | ')).join('\n') };
}

/** A table cell as typed: a number when it reads as one, else text. */
function cell(text: string): string | number {
  const n = formNumber(text);
  return n !== undefined && Number.isFinite(n) && /^-?[\d.,]+$/.test(text.trim()) ? n : text.trim();
}

/**
 * The card's `data` from the form; score events (which the form does not edit) are kept from
 * `keep`, the card as loaded.
 */
export function dataOf(v: CardValues, keep?: Card): Record<string, unknown> {
  if (v.type === 'score') {
    const team = (x: TeamValues) => ({ name: x.name, ...(x.short.trim() ? { short: x.short } : {}), score: formNumber(x.score) ?? 0 });
    const events = keep?.type === 'score' ? keep.data.events : undefined;
    const minute = formNumber(v.minute);
    return { home: team(v.home), away: team(v.away), period: v.period, ...(minute !== undefined ? { minute } : {}), status: v.status, ...(events ? { events } : {}) };
  }
  if (v.type === 'results') {
    const counted = formNumber(v.counted);
    const rows = v.rows
      .filter((r) => r.label.trim() || r.value.trim())
      .map((r) => {
        const previous = formNumber(r.previous);
        return { label: r.label, value: formNumber(r.value) ?? 0, ...(previous !== undefined ? { previous } : {}), ...(r.color.trim() ? { color: r.color.trim() } : {}) };
      });
    return { title: v.title, unit: v.unit, ...(counted !== undefined ? { counted } : {}), rows };
  }
  const columns = v.columns
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const rows = v.tableRows
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => line.split('|').map(cell));
  return { title: v.title, columns, rows };
}

/** The PUT body of the editor's form: with the version it edits (none for a new card), so a newer one is a 409. */
export function formBody(v: CardValues, version: number | undefined, keep?: Card): Record<string, unknown> {
  return { type: v.type, data: dataOf(v, keep), ...(version ? { version } : {}), pinned: v.pinned, entryId: v.entryId.trim() || null };
}

/** The body a data feed sends: no version (the last write wins), nothing about placement. */
export function feedBody(v: CardValues, keep?: Card): string {
  return JSON.stringify({ type: v.type, data: dataOf(v, keep) }, null, 2);
}
