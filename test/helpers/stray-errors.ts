/**
 * Every test file runs with this (jest `setupFilesAfterEnv`): an error thrown in a callback
 * nobody awaits (a socket handler, a timer) or a promise rejected with no handler fails the
 * test it happened in, instead of vanishing or failing some later test at random.
 */
const stray: unknown[] = [];
const collect = (err: unknown) => void stray.push(err);
process.on('unhandledRejection', collect);
process.on('uncaughtException', collect);

function check(when: string): void {
  if (stray.length === 0) return;
  const errors = stray.splice(0);
  throw new Error(`${errors.length} unhandled error(s) ${when}:\n${errors.map((e) => (e instanceof Error ? e.stack : String(e))).join('\n')}`);
}

afterEach(() => check('during this test'));
afterAll(async () => {
  // Teardown (closing pools, dropping databases) is where stray errors liked to hide.
  await new Promise((r) => setImmediate(r));
  process.off('unhandledRejection', collect);
  process.off('uncaughtException', collect);
  check('during teardown');
});
