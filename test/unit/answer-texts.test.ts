import type { Entry, Ticker } from '@liveticker/schemas';
import { entryPayload } from '../../server/src/push/payloads';
import { headline } from '../../server/src/tickers/entry-text';
import { questionHtml } from '../../server/src/questions/question-html';

const at = '2026-12-07T18:00:00.000Z';
const ticker = { id: 'night', title: 'Election night' } as Ticker;
const answer = (extra: Partial<Entry> = {}): Entry => ({
  id: 'e1',
  tickerId: 'night',
  seq: 3,
  rev: 3,
  kind: 'answer',
  title: null,
  body: '<p>Yes: bring your ID card.</p>',
  image: null,
  teaser: null,
  pinned: false,
  author: { id: 'ed', displayName: 'Desk' },
  publishedAt: at,
  updatedAt: at,
  version: 1,
  deletedAt: null,
  status: 'published',
  publishAt: null,
  question: { id: 'q1', body: 'Can I vote without my card?', askedBy: null },
  ...extra,
});

describe('an answer entry in words', () => {
  it('is headed by the question it answers (feeds, the rendered page), unless it has a title', () => {
    expect(headline(answer())).toBe('Can I vote without my card?');
    expect(headline(answer({ title: 'Your question' }))).toBe('Your question');
  });

  it('is pushed with the question as its title and the answer as its text', () => {
    const p = entryPayload('https://live.example', ticker, answer(), 3, 1, 'en');
    expect(p).toMatchObject({ title: 'Can I vote without my card?', body: 'Yes: bring your ID card.', kind: 'answer' });
  });

  it('quotes the question as escaped text, naming the asker only when they agreed', () => {
    expect(questionHtml({ id: 'q', body: '<b>Who</b> counts?', askedBy: null }, 'en')).toBe(
      '<blockquote class="lt-question" aria-label="Reader question"><p>&#60;b&#62;Who&#60;/b&#62; counts?</p><footer>— A reader asks</footer></blockquote>',
    );
    expect(questionHtml({ id: 'q', body: 'Wer zählt?', askedBy: 'Greta' }, 'de')).toContain('— Greta fragt');
  });
});
