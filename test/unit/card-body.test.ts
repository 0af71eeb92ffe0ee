import type { Card } from '@liveticker/schemas';
import { PutCardBody } from '@liveticker/schemas';
import { dataOf, feedBody, formBody, formNumber, valuesOf } from '../../client-sdk/src/console/card-body';

const base = { tickerId: 't', version: 3, pinned: true, entryId: null, rev: 7, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', deletedAt: null };

describe("the console's card forms", () => {
  it('reads numbers as typed in German or English, empty as none', () => {
    expect([formNumber('31,5'), formNumber(' 12.25 '), formNumber(''), Number.isNaN(formNumber('abc'))]).toEqual([31.5, 12.25, undefined, true]);
  });

  it('gives back a score card as it was loaded, keeping its events (which the form does not edit), with the version it edits', () => {
    const card: Card = { ...base, id: 'm', type: 'score', data: { home: { name: 'A', short: 'AA', score: 2 }, away: { name: 'B', score: 1 }, period: '2nd half', minute: 67, status: 'live', events: [{ minute: 3, team: 'home', kind: 'goal', text: 'X' }] } };
    const body = formBody(valuesOf(card), card.version, card);
    expect(body).toEqual({ type: 'score', data: card.data, version: 3, pinned: true, entryId: null });
    expect(PutCardBody.safeParse(body).success).toBe(true);
  });

  it('makes results rows from the form, leaving out empty rows, and a feed body without version or placement', () => {
    const v = valuesOf(undefined, 'results');
    v.title = 'Election';
    v.counted = '73,4';
    v.rows = [
      { label: 'Party A', value: '31,5', previous: '28', color: '#123456' },
      { label: '', value: '', previous: '', color: '' },
      { label: 'Others', value: '10', previous: '', color: '' },
    ];
    expect(dataOf(v)).toEqual({ title: 'Election', unit: '%', counted: 73.4, rows: [{ label: 'Party A', value: 31.5, previous: 28, color: '#123456' }, { label: 'Others', value: 10 }] });
    expect(JSON.parse(feedBody(v))).toEqual({ type: 'results', data: dataOf(v) });
    expect(formBody(v, undefined)).not.toHaveProperty('version');
  });

  it('splits a table into columns and rows, numbers as numbers', () => {
    const v = valuesOf(undefined, 'table');
    v.title = 'Medals';
    v.columns = 'Country, Gold ,Silver';
    v.tableRows = 'Norway | 16 | 8\n\nGermany|12|10';
    expect(dataOf(v)).toEqual({ title: 'Medals', columns: ['Country', 'Gold', 'Silver'], rows: [['Norway', 16, 8], ['Germany', 12, 10]] });
    const card = { ...base, id: 'x', type: 'table', data: dataOf(v) } as Card;
    expect(valuesOf(card).tableRows).toBe('Norway | 16 | 8\nGermany | 12 | 10');
  });
});
