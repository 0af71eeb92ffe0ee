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
 * `questions-public:<id>`: the open questions changed after `since` as readers see them, and
 * `question.removed` for those no longer open — or for every one while the ticker's questions
 * are not public (their text never comes from the database then).
 */
export const publicQuestionChanges: ChangeSource = async (db, tickerId, since, head, limit) => {
  const shown = (await questionsPublic(db, tickerId)) === true;
  const rows = await changedSince(db, tickerId, 'public_rev', since, head, limit);
  return rows.map(
    (r): Change =>
      shown && r.status === 'open'
        ? { rev: r.public_rev, type: 'question.updated', data: questionView(r, 'reader') }
        : { rev: r.public_rev, type: 'question.removed', data: { id: r.id, tickerId: r.ticker_id } },
  );
};
