import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, OPS_KEY_MIN_LENGTH, loadConfig, usesRedis } from './config';
import type { Config } from './config';
import cluster from 'node:cluster';
import { createDeps } from './deps';
import type { Deps, WorkerOf } from './deps';
import { createServer } from './server';
import type { LivetickerServer } from './server';
import type { Logger } from './logger';
import { WorkerChannel } from './cluster/ipc';
import { runPrimary } from './cluster/primary';
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
  if (fs.existsSync(file)) {
    const key = fs.readFileSync(file, 'utf8').trim();
    // Held to ADMIN_API_KEY's rule: a key someone shortened by hand is refused, not used.
    if (key.length < OPS_KEY_MIN_LENGTH) {
      throw new ConfigError([
        `${file}: the ops key in this file has ${key.length} characters, it must have at least ${OPS_KEY_MIN_LENGTH} (as ADMIN_API_KEY must); write a longer one there, or delete the file and a new key is made`,
      ]);
    }
    return { key, file };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file };
}

/** The lines an operator looks for: where the widgets, the console and the API are. */
function banner(config: Config): string {
  return [
    `liveticker listening on ${config.publicUrl}`,
    `  widgets: ${config.publicUrl}/widgets/live.html?ticker=demo`,
    `  console: ${config.publicUrl}/console.html`,
    `  API:     ${config.publicUrl}/api/v1/openapi.json`,
  ].join('\n');
}

/** The start's warning about mail, when there is one: where mails go when they are not sent. */
function mailWarning(config: Config): string | undefined {
  if (config.smtpUrl) return config.mailTransport === 'log' ? 'MAIL_TRANSPORT=log is ignored: SMTP_URL is set, mails are sent' : undefined;
  if (config.mailLogLinks === 'none') {
    return 'MAIL_TRANSPORT=log: mails are not sent and their links are not logged, so nobody can confirm an address or reset a password by mail (set SMTP_URL to send them)';
  }
  return 'SMTP_URL is not set: dev mode, mails are not sent; verification links are written to this log, password reset links are not';
}

/** Runs a start step; a ConfigError ends the start with its lines, nothing else. */
function orExit<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`liveticker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const readConfig = (): Config => orExit(() => loadConfig());

/**
 * One-time work before serving: migrations (in createDeps), the first admin, the demo data. A lone
 * process keeps what it built and serves; the primary of WORKERS > 1 does it before forking and
 * closes it, so its workers never race each other through migrations or the seed.
 */
async function prepare(config: Config, cluster?: WorkerOf) {
  const deps = await createDeps(config, { cluster });
  const server = await createServer(deps);
  if (!cluster) {
    await bootstrapAdmin(server.ctx);
    if (config.seedDemo) await seedDemo(server.ctx);
  }
  return { deps, server };
}

async function main(): Promise<void> {
  let config = readConfig();
  const workerIndex = cluster.isWorker ? Number(process.env.LIVETICKER_WORKER) : undefined;
  if (workerIndex !== undefined) return runWorker(config, workerIndex);

  const ops = orExit(() => ensureOpsKey(config));
  config = { ...config, adminApiKey: ops.key };
  if (config.workers > 1) {
    // No metrics port for the preparing server: the workers share it once they listen.
    const { deps, server } = await prepare({ ...config, metricsPort: undefined, workers: 1 });
    const log = deps.logger.child({ module: 'main' });
    await server.close();
    await deps.close();
    const mail = mailWarning(config);
    if (mail) log.warn(mail);
    if (ops.file) log.warn({ file: ops.file }, 'ADMIN_API_KEY is not set: using the ops key stored in this file');
    runPrimary({
      config,
      logger: deps.logger,
      env: { ADMIN_API_KEY: ops.key, SEED_DEMO: 'false' },
      onListening: (port) =>
        log.info({ url: config.publicUrl, port, workers: config.workers, database: deps.database.dialect, bus: usesRedis(config) ? 'redis' : 'primary (IPC)' }, banner(config)),
    });
    return;
  }

  const { deps, server } = await prepare(config);
  const log = deps.logger.child({ module: 'main' });
  const mail = mailWarning(config);
  if (mail) log.warn(mail);
  const addr = await server.listen();
  log.info(
    { url: config.publicUrl, port: addr.port, database: deps.database.dialect, bus: deps.redis ? 'redis' : 'in-process', opsKeyFile: ops.file },
    banner(config),
  );
  if (ops.file) log.warn({ file: ops.file }, 'ADMIN_API_KEY is not set: using the ops key stored in this file');
  handleSignals(config, log, deps, server);
}

/** A worker of WORKERS > 1: serves the shared port; the primary did the one-time work. */
async function runWorker(config: Config, index: number): Promise<void> {
  const channel = new WorkerChannel();
  const { deps, server } = await prepare(config, { index, channel });
  const log = deps.logger.child({ module: 'main', worker: index });
  channel.on((msg) => {
    if (msg.t === 'workers') server.setWorkerPorts(msg.ports);
  });
  const addr = await server.listen();
  channel.send({ ch: 'lt', t: 'listening', index, nodeId: deps.nodeId, port: addr.port, privatePort: server.privatePort! });
  handleSignals(config, log, deps, server, true);
}

function handleSignals(config: Config, log: Logger, deps: Deps, server: LivetickerServer, worker = false): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping && worker) {
      // systemd's SIGTERM reaches every process of the service, the primary's follows: one stop.
      return;
    }
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
  if (worker) {
    // Ctrl-C reaches the whole process group: the primary stops the workers (with SIGTERM), so
    // a worker does not take the terminal's SIGINT as a first, or a second, signal of its own.
    process.on('SIGINT', () => undefined);
    // The primary is gone (killed hard): nobody supervises this worker any more, so it drains
    // and stops. node:cluster's own handler would exit at once: this one runs first and marks
    // the disconnect as expected, which keeps node:cluster from doing so.
    process.prependListener('disconnect', () => {
      if (cluster.worker) cluster.worker.exitedAfterDisconnect = true;
      void stop('primary gone');
    });
  } else {
    process.on('SIGINT', () => void stop('SIGINT'));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`liveticker: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
