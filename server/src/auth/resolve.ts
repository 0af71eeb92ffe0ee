import { createHash, timingSafeEqual } from 'node:crypto';
import { OPS_ACTOR } from './actor';
import type { Actor } from './actor';

/** Turns a bearer token into an actor; undefined when the token means nothing. */
export interface ActorResolver {
  fromToken(token: string): Promise<Actor | undefined>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Accepts the ops key (ADMIN_API_KEY), compared in constant time. */
export function opsKeyResolver(opsKey: string | undefined, next?: ActorResolver): ActorResolver {
  const keyDigest = opsKey ? digest(opsKey) : undefined;
  return {
    async fromToken(token) {
      if (keyDigest && timingSafeEqual(digest(token), keyDigest)) return OPS_ACTOR;
      return next?.fromToken(token);
    },
  };
}
