import { pollInputOf, previewPoll } from '../../client-sdk/src/console/composer-poll';
import type { Poll } from '@liveticker/schemas';

/** The console's poll form's pure parts (the form itself is tested in Chromium: test/browser/console-polls.test.ts). */
describe('the console composer poll', () => {
  const stored: Poll = {
    question: 'Who won?',
    options: [
      { id: 'a', label: 'Anna' },
      { id: 'b', label: 'Ben' },
    ],
    closesAt: '2026-12-07T20:00:17.250Z',
    resultsMode: 'after-vote',
    allowAnonymous: true,
    closed: false,
    closedAt: null,
    results: { total: 3, counts: { a: 1, b: 2 } },
  };

  it('writes a stored poll as the API takes one, without what readers get (state, counts)', () => {
    expect(pollInputOf(stored)).toEqual({
      question: 'Who won?',
      options: [
        { id: 'a', label: 'Anna' },
        { id: 'b', label: 'Ben' },
      ],
      closesAt: '2026-12-07T20:00:17.250Z',
      results: 'after-vote',
      allowAnonymous: true,
    });
    expect(pollInputOf(undefined)).toBeUndefined();
  });

  it('previews a poll being written as an open one without votes, and round-trips through pollInputOf', () => {
    const input = pollInputOf(stored)!;
    const preview = previewPoll(input);
    expect(preview).toMatchObject({ closed: false, closedAt: null, resultsMode: 'after-vote' });
    expect(preview.results).toBeUndefined();
    expect(pollInputOf(preview)).toEqual(input);
  });
});
