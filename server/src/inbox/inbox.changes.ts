import type { Change } from '@liveticker/schemas';
import type { ChangeSource } from '../realtime/changelog';
import { chatActivity, membersChangedSince } from './inbox.repo';
import { buildItems } from './inbox.service';

/**
 * `user:<id>`: the reader's chats whose item changed after `since`, once each, as they stand now
 * (`inbox.updated`), or `inbox.removed` for a chat the reader left.
 */
export const inboxChanges: ChangeSource = async (db, userId, since, head, limit) => {
  const rows = await membersChangedSince(db, userId, since, head, limit);
  const active = rows.filter((r) => r.active);
  const withActivity = await Promise.all(active.map(async (r) => ({ ...r, active_at: (await chatActivity(db, r.ticker_id)) ?? r.joined_at })));
  const items = new Map((await buildItems(db, userId, withActivity)).map((item) => [item.tickerId, item]));
  return rows.map((r): Change => {
    const item = r.active ? items.get(r.ticker_id) : undefined;
    return item ? { rev: r.rev, type: 'inbox.updated', data: item } : { rev: r.rev, type: 'inbox.removed', data: { id: r.ticker_id, tickerId: r.ticker_id } };
  });
};
