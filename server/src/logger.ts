import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** The root logger; modules take `logger.child({ module })`. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'liveticker' }, timestamp: pino.stdTimeFunctions.isoTime });
}
