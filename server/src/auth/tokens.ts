import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url, with a prefix saying what it is (`lts_` session, `ltk_` API key, `ltv_` e-mail). */
export function newToken(prefix: 'lts_' | 'ltk_' | 'ltv_'): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** Only this digest is stored: a database leak yields no usable token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
