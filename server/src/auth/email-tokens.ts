import type { Db } from '../db/database';
import { AppError } from '../errors';
import { LIMITS } from './limits';
import { newToken, tokenHash } from './tokens';

export const VERIFY_TTL_MS = 24 * 3600_000;
export const RESET_TTL_MS = 3600_000;

/**
 * Live tokens an account keeps per purpose: the newest 12, older ones stop working. A new link
 * must not void the owner's earlier one (anyone can ask for another reset, or register the address
 * again, which mails a reset link too): in any hour, a reset link's lifetime, the throttles let at
 * most 2 × (3 reset mails + 3 "already registered" mails) be made for one address (their windows
 * are fixed, so two of each may fall into one hour), so a stranger's requests can never push out
 * a reset link that still works. Verification links (24 h) are made at most 3 an hour, so pushing
 * one out takes a stranger hours of resends. The cap keeps what a script can pile up bounded.
 */
export const LIVE_TOKENS_PER_PURPOSE = 2 * (LIMITS.resetAddress.points + LIMITS.alreadyRegisteredAddress.points);

/**
 * A single-use token bound to the address it is mailed to. Earlier unused tokens of the same
 * purpose keep working, up to `LIVE_TOKENS_PER_PURPOSE` of the newest; using any of them ends
 * the others (`consumeEmailToken`). Returns the token; only its SHA-256 is stored.
 */
export async function issueEmailToken(db: Db, userId: string, email: string, purpose: 'verify' | 'reset'): Promise<string> {
  const token = newToken('ltv_');
  await db.transaction().execute(async (trx) => {
    const now = new Date();
    const live = await trx
      .selectFrom('email_tokens')
      .select(['token_hash', 'created_at'])
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .orderBy('created_at', 'desc')
      .orderBy('token_hash', 'desc')
      .execute();
    // Strictly after the newest, so which tokens are the newest is clear even within one millisecond.
    const created = new Date(Math.max(now.getTime(), live.length ? Date.parse(live[0].created_at) + 1 : 0));
    await trx
      .insertInto('email_tokens')
      .values({
        token_hash: tokenHash(token),
        user_id: userId,
        purpose,
        email,
        expires_at: new Date(created.getTime() + (purpose === 'verify' ? VERIFY_TTL_MS : RESET_TTL_MS)).toISOString(),
        used_at: null,
        created_at: created.toISOString(),
      })
      .execute();
    // Two issues at once (PostgreSQL) may each miss the other's row and leave one token more.
    const beyond = live.slice(LIVE_TOKENS_PER_PURPOSE - 1).map((r) => r.token_hash);
    if (beyond.length) {
      await trx.updateTable('email_tokens').set({ used_at: now.toISOString() }).where('token_hash', 'in', beyond).where('used_at', 'is', null).execute();
    }
  });
  return token;
}

/** Checks a token without using it up: its user and address, or `invalid_token`. */
export async function peekEmailToken(db: Db, token: string, purpose: 'verify' | 'reset'): Promise<{ userId: string; email: string }> {
  const row = await db
    .selectFrom('email_tokens')
    .innerJoin('users', 'users.id', 'email_tokens.user_id')
    .select(['email_tokens.user_id', 'email_tokens.email', 'email_tokens.expires_at', 'email_tokens.used_at', 'users.email as current_email'])
    .where('email_tokens.token_hash', '=', tokenHash(token))
    .where('email_tokens.purpose', '=', purpose)
    .executeTakeFirst();
  if (!row || row.used_at || row.expires_at <= new Date().toISOString() || row.email !== row.current_email) {
    throw new AppError('invalid_token', 'the link is invalid, used or expired; ask for a new one');
  }
  return { userId: row.user_id, email: row.email };
}

/**
 * Uses a token up: valid only if unused, unexpired, of this purpose and still for the user's
 * current address. The same statement ends every other live token of the user and purpose (a
 * used reset link leaves no sibling that resets the password again), and it is conditional on
 * each row being unused, so of two links used at once only one succeeds.
 */
export async function consumeEmailToken(db: Db, token: string, purpose: 'verify' | 'reset'): Promise<{ userId: string; email: string }> {
  const hash = tokenHash(token);
  const row = await peekEmailToken(db, token, purpose);
  const ended = await db
    .updateTable('email_tokens')
    .set({ used_at: new Date().toISOString() })
    .where('user_id', '=', row.userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .returning('token_hash')
    .execute();
  if (!ended.some((r) => r.token_hash === hash)) throw new AppError('invalid_token', 'the link is invalid, used or expired; ask for a new one');
  return row;
}
