import { createRequire } from 'node:module';
import pino from 'pino';
import type { Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/**
 * The root logger; modules take `logger.child({ module })`. JSON lines for log collectors; in a
 * terminal (stdout is a TTY, or LOG_FORMAT=pretty) human-readable lines instead.
 */
export function createLogger(level: string, format: 'json' | 'pretty' | 'auto' = 'auto'): Logger {
  const options = { level, base: { app: 'liveticker' }, timestamp: pino.stdTimeFunctions.isoTime };
  const human = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (!human) return pino(options);
  // Loaded only for a terminal (about 10 MB of a process's memory that a JSON log never needs);
  // synchronously, as the logger is made before anything else.
  const pretty = createRequire(__filename)('pino-pretty') as typeof PinoPretty;
  // In-process and synchronous: no worker thread, and nothing lost when the process exits.
  return pino(options, pretty({ colorize: process.stdout.isTTY === true, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' }));
}
