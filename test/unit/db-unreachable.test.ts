import { isDatabaseUnreachable } from '../../server/src/db/health';
import { toWireError } from '../../server/src/errors';

describe('a database that cannot be reached', () => {
  it('is told by the connection errors and SQLSTATEs that mean "away for now", not by a query that failed', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '08006', '08001', '57P01', '57P03']) expect(isDatabaseUnreachable({ code })).toBe(true);
    expect(isDatabaseUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['23505', '40001', '42P01', 'SQLITE_BUSY', 'SQLITE_CONSTRAINT_UNIQUE', undefined]) expect(isDatabaseUnreachable({ code, message: 'some query failed' })).toBe(false);
    expect(isDatabaseUnreachable(undefined)).toBe(false);
  });

  it('answers 503 unavailable (try again), not a 500', () => {
    expect(toWireError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } }, internal: false });
    expect(toWireError(new Error('a bug'))).toMatchObject({ status: 500, internal: true });
  });
});
