import { randomBytes } from 'node:crypto';

/**
 * The id of a new row (entry, message, user, report, webhook, media file …): 96 random bits,
 * base64url, 16 characters. Unguessable, so an id in a URL names a thing without revealing how
 * many there are or letting anyone walk them. Every domain makes its ids here.
 * (Its first character is never '-', so 96 bits less a sixty-fourth.)
 */
export function newId(): string {
  // Never one that starts with '-': a command line (the console CLI, a shell's tools) would read
  // it as an option. One id in 64 is drawn again.
  for (;;) {
    const id = randomBytes(12).toString('base64url');
    if (id[0] !== '-') return id;
  }
}
