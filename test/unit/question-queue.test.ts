import type { Question } from '@liveticker/schemas';
import { queueOrder } from '../../client-sdk/src/console/questions';

const q = (id: string, votes: number, createdAt: string, status: Question['status'] = 'open'): Question => ({
  id,
  tickerId: 'night',
  body: `Question ${id}?`,
  status,
  votes,
  createdAt,
  updatedAt: createdAt,
  answeredEntryId: null,
  rev: 1,
});

describe("the desk's question queue order", () => {
  const all = [q('a', 2, '2026-12-07T18:00:00.000Z'), q('b', 5, '2026-12-07T18:01:00.000Z'), q('c', 2, '2026-12-07T18:02:00.000Z'), q('d', 9, '2026-12-07T18:03:00.000Z', 'answered')];

  it('top: most votes first, ties newest first; answered and dismissed questions are not in the queue', () => {
    expect(queueOrder(all, 'top').map((x) => x.id)).toEqual(['b', 'c', 'a']);
  });

  it('new: newest first whatever the votes', () => {
    expect(queueOrder(all, 'new').map((x) => x.id)).toEqual(['c', 'b', 'a']);
  });
});
