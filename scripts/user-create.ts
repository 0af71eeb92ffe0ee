// npm run user:create -- --email ed@example.org --role editor [--name "Ed Itor"]
// Creates a verified user; asks for the password (hidden) or reads it from stdin when piped.
import readline from 'node:readline';
import { Command } from 'commander';
import { DisplayName, Email, Password, Role } from '@liveticker/schemas';
import { loadConfig } from '@liveticker/server';
import { migrate, openDatabase } from '../server/src/db/database';
import { createUserDirect } from '../server/src/auth/users.service';

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  let muted = false;
  out._writeToOutput = (s: string) => {
    if (!muted) out.output.write(s);
  };
  const answer = await new Promise<string>((resolve) => {
    rl.question('Password (8–128 characters): ', resolve);
    muted = true;
  });
  rl.close();
  process.stdout.write('\n');
  return answer;
}

async function main(): Promise<void> {
  const program = new Command()
    .requiredOption('--email <address>', 'e-mail address (the login)')
    .option('--role <role>', 'reader | editor | moderator | admin', 'admin')
    .option('--name <displayName>', 'display name', 'Admin')
    .parse();
  const opts = program.opts<{ email: string; role: string; name: string }>();
  const email = Email.parse(opts.email);
  const role = Role.parse(opts.role);
  const displayName = DisplayName.parse(opts.name);
  const password = Password.parse(await readPassword());
  const config = loadConfig();
  const database = await openDatabase(config.databaseUrl);
  try {
    await migrate(database.db);
    const user = await createUserDirect({ db: database.db, config }, { email, password, displayName, role });
    process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`user:create failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
