import type { Change } from '@liveticker/schemas';
import type { ChangeSource } from '../realtime/changelog';
import { questionView } from './question-view';
import { changedSince, questionsPublic } from './questions.repo';

/** `questions:<id>`: the desk's questions changed after `since`, each once, as they stand now. */
export const deskQuestionChanges: ChangeSource = async (db, tickerId, since, head, limit) => {
  const rows = await changedSince(db, tickerId, 'rev', since, head, limit);
  return rows.map((r): Change => ({ rev: r.rev, type: r.rev === r.seq ? 'question.created' : 'question.updated', data: questionView(r, 'desk') }));
};

/**
 * `questions-public:<id>`: while the ticker's questions are public, the open ones changed after
 * `since` as readers see them, and `question.removed` for those no longer open; nothing while
 * they are not public (the positions skipped are no gap: a catch-up may skip revisions).
 */
export const publicQuestionChanges: ChangeSource = async (db, tickerId, since, head, limit) => {
  if ((await questionsPublic(db, tickerId)) !== true) return [];
  const rows = await changedSince(db, tickerId, 'public_rev', since, head, limit);
  return rows.map(
    (r): Change =>
      r.status === 'open'
        ? { rev: r.public_rev, type: 'question.updated', data: questionView(r, 'reader') }
        : { rev: r.public_rev, type: 'question.removed', data: { id: r.id, tickerId: r.ticker_id } },
  );
};
