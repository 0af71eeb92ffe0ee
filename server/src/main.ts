import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './config';
import type { Config } from './config';
import { createDeps } from './deps';
import { createServer } from './server';
import { seedDemo } from './seed';
import { bootstrapAdmin } from './auth/bootstrap';

/**
 * Without ADMIN_API_KEY the server keeps one in `ops-key` beside the SQLite file (./data by
 * default, the volume in a container), or in ./data with PostgreSQL — created once, mode 0600 —
 * so the embedded defaults give the console a stable key.
 */
function ensureOpsKey(config: Config): { key: string; file?: string } {
  if (config.adminApiKey) return { key: config.adminApiKey };
  const url = config.databaseUrl;
  const sqliteFile = /^postgres(ql)?:\/\//i.test(url) ? undefined : url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\//, '') : url;
  const dir = sqliteFile && sqliteFile !== ':memory:' ? path.dirname(path.resolve(sqliteFile)) : path.resolve('data');
  const file = path.join(dir, 'ops-key');
  if (fs.existsSync(file)) return { key: fs.readFileSync(file, 'utf8').trim(), file };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`liveticker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const ops = ensureOpsKey(config);
  config = { ...config, adminApiKey: ops.key };
  const deps = await createDeps(config);
  const log = deps.logger.child({ module: 'main' });
  const server = await createServer(deps);
  await bootstrapAdmin(server.ctx);
  if (config.seedDemo) await seedDemo(server.ctx);
  if (!config.smtpUrl) log.warn('SMTP_URL is not set: dev mode, e-mail links are written to this log instead of being sent');
  const addr = await server.listen();
  log.info(
    {
      url: config.publicUrl,
      port: addr.port,
      database: deps.database.dialect,
      bus: deps.redis ? 'redis' : 'in-process',
      opsKeyFile: ops.file,
    },
    [
      `liveticker listening on ${config.publicUrl}`,
      `  widgets: ${config.publicUrl}/widgets/live.html?ticker=demo`,
      `  console: ${config.publicUrl}/console.html`,
      `  API:     ${config.publicUrl}/api/v1/openapi.json`,
    ].join('\n'),
  );
  if (ops.file) log.warn({ file: ops.file }, 'ADMIN_API_KEY is not set: using the ops key stored in this file');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal: the operator wants it gone now.
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    log.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down gracefully');
    // The deadline holds for the whole stop, closing bus and database included.
    const hard = setTimeout(() => {
      log.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2000);
    hard.unref();
    try {
      await server.shutdown(config.shutdownTimeoutMs);
      await deps.close();
    } catch (err) {
      log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
    log.info({ ms: Date.now() - started }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`liveticker: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
