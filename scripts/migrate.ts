// Applies pending migrations to DATABASE_URL (the server also does this on start).
import { loadConfig } from '@liveticker/server';
import { migrate, openDatabase } from '../server/src/db/database';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config.databaseUrl);
  try {
    const applied = await migrate(database.db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await database.close();
  }
}
main().catch((err: unknown) => {
  process.stderr.write(`migrate failed: ${String(err)}\n`);
  process.exit(1);
});
