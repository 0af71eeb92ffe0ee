import type { Config } from './config';
import type { Database, Db, DialectName } from './db/database';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { ChangeLog } from './realtime/changelog';
import type { ChangePublisher } from './realtime/publisher';
import type { ActorResolver } from './auth/resolve';

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
}
