import type { Config } from '../config';
import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { newVapidPair } from './keys';
import { keepVapid } from './push.repo';

export interface VapidKeys {
  /** base64url: an uncompressed P-256 point, as `PushManager.subscribe({applicationServerKey})` wants it. */
  publicKey: string;
  privateKey: string;
  /** mailto: or https: — who the push services may contact about this sender. */
  subject: string;
}

/**
 * The VAPID pair every node signs with: the configured one, else the one in the database, made by
 * the first node that started without one (the row's insert is first-writer-wins, so two nodes
 * starting at once end up with the same pair).
 */
export async function loadVapid(db: Db, config: Pick<Config, 'push'>, logger: Logger): Promise<VapidKeys> {
  const subject = config.push.subject;
  if (config.push.vapid) return { ...config.push.vapid, subject };
  const made = newVapidPair();
  const kept = await keepVapid(db, { public_key: made.publicKey, private_key: made.privateKey }, new Date().toISOString());
  if (kept.public_key === made.publicKey) {
    logger.info({ publicKey: kept.public_key }, 'made a VAPID key pair for Web Push and kept it in the database (set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY to use your own)');
  }
  return { publicKey: kept.public_key, privateKey: kept.private_key, subject };
}
