import type { Config } from './config';
import type { Database, Db, DialectName } from './db/database';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { ChangeLog } from './realtime/changelog';
import type { ChangePublisher } from './realtime/publisher';
import type { ActorResolver } from './auth/resolve';
import type { Limiters } from './auth/limits';
import type { Mailer } from './mail/mailer';
import type { Cluster, Redis } from 'ioredis';
import type { MediaStore } from './media/store';
import type { VapidKeys } from './push/vapid';

/** Everything the routes, socket handlers and services of one server use. */
export interface AppContext {
  config: Config;
  logger: Logger;
  database: Database;
  db: Db;
  dialect: DialectName;
  metrics: Metrics;
  changeLog: ChangeLog;
  publisher: ChangePublisher;
  actors: ActorResolver;
  mailer: Mailer;
  limiters: Limiters;
  /** Present when REDIS_URL is set. */
  redis?: Redis | Cluster;
  /** Whether a browser Origin may use cookies and sockets here. */
  originAllowed(origin: string): boolean;
  /**
   * Ends live sockets of a user on every node (ban, logout, password change): all of them, or
   * those of the given sessions. The sessions must already be revoked in the database.
   */
  endSessions(userId: string, sessionIds: string[] | undefined, reason: string): void;
  /**
   * A user's rights changed (verified, role): every node re-checks that user's open sockets,
   * which carry on with the new rights without reconnecting.
   */
  sessionsChanged(userId: string): void;
  /** Where uploaded images are kept. */
  media: MediaStore;
  /** Webhook endpoints were registered or changed: look for due deliveries now. */
  webhooksChanged(): void;
  /** Web Push: the VAPID pair every node signs with; `changed` says a follow was made (look for due pushes now). */
  push: { keys(): Promise<VapidKeys>; changed(): void };
}
