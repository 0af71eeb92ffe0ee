import type { Db } from '../db/database';
import { AppError } from '../errors';
import { newToken, tokenHash } from './tokens';

export const VERIFY_TTL_MS = 24 * 3600_000;
export const RESET_TTL_MS = 3600_000;

/**
 * A single-use token bound to the address it is mailed to; earlier unused tokens of the same
 * purpose stop working. Returns the token; only its SHA-256 is stored.
 */
export async function issueEmailToken(db: Db, userId: string, email: string, purpose: 'verify' | 'reset'): Promise<string> {
  const token = newToken('ltv_');
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('email_tokens')
      .set({ used_at: now.toISOString() })
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
    await trx
      .insertInto('email_tokens')
      .values({
        token_hash: tokenHash(token),
        user_id: userId,
        purpose,
        email,
        expires_at: new Date(now.getTime() + (purpose === 'verify' ? VERIFY_TTL_MS : RESET_TTL_MS)).toISOString(),
        used_at: null,
        created_at: now.toISOString(),
      })
      .execute();
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
 * current address. Marking it used is conditional, so two racing uses cannot both succeed.
 */
export async function consumeEmailToken(db: Db, token: string, purpose: 'verify' | 'reset'): Promise<{ userId: string; email: string }> {
  const invalid = new AppError('invalid_token', 'the link is invalid, used or expired; ask for a new one');
  const hash = tokenHash(token);
  const row = await peekEmailToken(db, token, purpose);
  const used = await db
    .updateTable('email_tokens')
    .set({ used_at: new Date().toISOString() })
    .where('token_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw invalid;
  return row;
}
