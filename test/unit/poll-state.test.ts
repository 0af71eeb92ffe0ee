import { newerResults, percentages, resultText } from '../../client-sdk/src/widgets/poll-state';

const poll = { options: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }, { id: 'c', label: 'C' }] };

describe('the poll widget’s decisions', () => {
  it('percentages are whole numbers that add up to 100 (largest remainders), 0 each when nobody voted', () => {
    expect(percentages(poll, { total: 3, counts: { a: 1, b: 1, c: 1 } })).toEqual({ a: 34, b: 33, c: 33 });
    expect(percentages(poll, { total: 7, counts: { a: 4, b: 2, c: 1 } })).toEqual({ a: 57, b: 29, c: 14 });
    expect(percentages(poll, { total: 0, counts: { a: 0, b: 0, c: 0 } })).toEqual({ a: 0, b: 0, c: 0 });
  });

  it('the counts shown never go back: a vote’s answer ahead of the stream wins until the stream catches up', () => {
    const answer = { total: 5, counts: { a: 3, b: 2, c: 0 } };
    const olderStream = { total: 4, counts: { a: 2, b: 2, c: 0 } };
    const newerStream = { total: 6, counts: { a: 3, b: 2, c: 1 } };
    expect(newerResults(olderStream, answer)).toBe(answer);
    expect(newerResults(newerStream, answer)).toBe(newerStream);
    expect(newerResults(undefined, answer)).toBe(answer);
    expect(newerResults(olderStream, undefined)).toBe(olderStream);
  });

  it('says the result most votes first, with percent and count', () => {
    expect(resultText(poll, { total: 4, counts: { a: 1, b: 3, c: 0 } })).toBe('B 75 % (3), A 25 % (1), C 0 % (0)');
  });
});
