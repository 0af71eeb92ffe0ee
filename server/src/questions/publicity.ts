import { publicQuestionsStream, questionsStream } from '@liveticker/schemas';
import type { Write } from '../db/commit';
import { questionView } from './question-view';
import { listOpen, setPublicRev } from './questions.repo';

/**
 * A ticker's questions became public or private, in the commit that changes the ticker: each open
 * question enters the readers' stream (`question.created`) or leaves it (`question.removed`), so
 * a reader following it needs no reload. The desk's stream lock first, as every question write
 * takes them (questions, then readers', then the rows).
 */
export async function questionsPublicityChanged(w: Write, tickerId: string, nowPublic: boolean): Promise<void> {
  await w.lock(questionsStream(tickerId));
  const stream = publicQuestionsStream(tickerId);
  for (const row of await listOpen(w.trx, tickerId)) {
    const rev = await w.rev(stream);
    await setPublicRev(w.trx, row.id, rev);
    if (nowPublic) w.record(stream, { rev, type: 'question.created', data: questionView({ ...row, public_rev: rev }, 'reader') });
    else w.record(stream, { rev, type: 'question.removed', data: { id: row.id, tickerId } });
  }
}
