import type { Question } from '@liveticker/schemas';
import type { QuestionsTable } from '../db/tables';

/** Who looks at a question: the desk sees everything, its asker their own, other readers the public view. */
export type Viewer = 'desk' | 'asker' | 'reader';

/**
 * A question as `viewer` may see it: the asker's account (`author`) only for the desk; whether
 * their name goes with the answer and why it was dismissed only for the desk and the asker.
 */
export function questionView(row: QuestionsTable, viewer: Viewer, voted?: boolean): Question {
  return {
    id: row.id,
    tickerId: row.ticker_id,
    body: row.body,
    status: row.status as Question['status'],
    votes: row.votes,
    ...(viewer === 'desk' && { author: { id: row.author_id, displayName: row.author_name } }),
    ...(viewer !== 'reader' && { showName: row.show_name === 1, dismissReason: row.dismiss_reason }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    answeredEntryId: row.answered_entry_id,
    ...(voted !== undefined && { voted }),
    rev: row.rev,
  };
}
