import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database';
import { OPS_ACTOR } from './actor';
import type { Actor } from './actor';
import { actorForToken } from './sessions';

/** Turns a bearer token into an actor; undefined when the token means nothing. */
export interface ActorResolver {
  fromToken(token: string): Promise<Actor | undefined>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The ops key (ADMIN_API_KEY, compared in constant time), then sessions and API tokens. */
export function actorResolver(db: Db, opsKey: string | undefined): ActorResolver {
  const keyDigest = opsKey ? digest(opsKey) : undefined;
  return {
    async fromToken(token) {
      if (keyDigest && timingSafeEqual(digest(token), keyDigest)) return OPS_ACTOR;
      return actorForToken(db, token);
    },
  };
}
