import { randomBytes } from 'node:crypto';

/**
 * The id of a new row (entry, message, user, report, webhook, media file …): 96 random bits,
 * base64url, 16 characters. Unguessable, so an id in a URL names a thing without revealing how
 * many there are or letting anyone walk them. Every domain makes its ids here.
 */
export function newId(): string {
  return randomBytes(12).toString('base64url');
}
