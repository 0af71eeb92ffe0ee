import { newId } from '../../server/src/db/ids';

describe('newId', () => {
  it('makes 16 base64url characters, never starting with "-" (a command line would take it for an option)', () => {
    // Without the redraw, one id in 64 starts with '-': among 10,000 some always do.
    const ids = Array.from({ length: 10_000 }, newId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{15}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
