import type { SelectQueryBuilder } from 'kysely';
import type { Change } from '@liveticker/schemas';
import type { Tables } from '../db/tables';
import type { ChangeSource } from '../realtime/changelog';
import { toMessage } from './messages.repo';
import { toReport } from './reports.repo';

/**
 * `chat:<id>`: every message that became visible, was edited or deleted after `since`, once,
 * in its current state. Held messages never took a chat revision, so readers never see them.
 */
export const chatChanges: ChangeSource = async (db, tickerId, since, head, limit) => {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('ticker_id', '=', tickerId)
    .where('rev', '>', since)
    .where('rev', '<=', head)
    .orderBy('rev', 'asc')
    .limit(limit)
    .execute();
  return rows.map((r): Change => ({
    rev: r.rev,
    type: r.status === 'deleted' ? 'message.deleted' : r.seq > since ? 'message.created' : 'message.updated',
    data: toMessage(r),
  }));
};

/** `mod:<id>`: held messages entering and leaving the queue, and reports, for moderators. */
export const modChanges: ChangeSource = async (db, tickerId, since, head, limit) => {
  // Rows whose moderators' revision is in (since, head], oldest first: held messages and reports alike.
  const window = <QB extends SelectQueryBuilder<Tables, 'messages', object> | SelectQueryBuilder<Tables, 'reports', object>>(qb: QB): QB =>
    (qb as SelectQueryBuilder<Tables, 'messages' | 'reports', object>).where('ticker_id', '=', tickerId).where('mod_rev', '>', since).where('mod_rev', '<=', head).orderBy('mod_rev', 'asc').limit(limit) as QB;
  const [messages, reports] = await Promise.all([db.selectFrom('messages').selectAll().$call(window).execute(), db.selectFrom('reports').selectAll().$call(window).execute()]);
  const changes: Change[] = [
    ...messages.map((m): Change => ({
      rev: m.mod_rev,
      type: m.status === 'pending' ? 'message.created' : 'message.updated',
      data: toMessage(m, { forModerators: true }),
    })),
    ...reports.map((r): Change => ({
      rev: r.mod_rev,
      type: r.resolved_at ? 'report.resolved' : 'report.created',
      data: toReport(r),
    })),
  ];
  return changes.sort((a, b) => a.rev - b.rev).slice(0, limit);
};
