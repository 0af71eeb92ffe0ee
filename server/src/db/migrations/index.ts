import type { Migration } from 'kysely';
import * as m001 from './001_core';

/** Every migration in order; names sort as they run. */
export const migrations: Record<string, Migration> = {
  '001_core': m001,
};
