import type { ModerationAction } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { newId } from '../db/ids';

/** Records a moderation action (who, when, what) in the caller's transaction. */
export async function logAction(
  db: Db | Trx,
  actor: Actor,
  what: { tickerId: string | null; action: string; targetType: ModerationAction['targetType']; targetId: string; details?: object },
): Promise<void> {
  await db
    .insertInto('moderation_log')
    .values({
      id: newId(),
      ticker_id: what.tickerId,
      actor_id: actor.id,
      actor_name: actor.displayName,
      action: what.action,
      target_type: what.targetType,
      target_id: what.targetId,
      details: what.details ? JSON.stringify(what.details) : null,
      created_at: new Date().toISOString(),
    })
    .execute();
}

export async function listActions(db: Db, tickerId: string, limit: number): Promise<ModerationAction[]> {
  const rows = await db
    .selectFrom('moderation_log')
    .selectAll()
    .where('ticker_id', '=', tickerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    tickerId: r.ticker_id,
    actor: { id: r.actor_id, displayName: r.actor_name },
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
    createdAt: r.created_at,
  }));
}
