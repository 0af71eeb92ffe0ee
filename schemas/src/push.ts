import { z } from 'zod';
import { Id, IsoDate, Locale, Rev, Slug } from './common';

/** What a follow is told about: every published entry (bursts summed up), or key events only. */
export const FollowTopics = z.enum(['all', 'key-events']);
export type FollowTopics = z.infer<typeof FollowTopics>;

/** base64url without padding, as `PushSubscription.toJSON()` gives the keys. */
const B64Url = z.string().max(200).regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

/**
 * A browser's push subscription (`PushSubscription.toJSON()`). The endpoint's address, the key's
 * curve point and the auth secret's length are checked by the server beyond this shape.
 */
export const PushSubscriptionBody = z.object({
  endpoint: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).max(2048),
  /** When the browser will end it, ms since the epoch (null: no end known). */
  expirationTime: z.number().min(0).max(8.64e15).nullable().optional(),
  keys: z.object({ p256dh: B64Url, auth: B64Url }),
});

export const FollowBody = z.strictObject({
  subscription: PushSubscriptionBody,
  topics: FollowTopics.default('all'),
  /** The language of the notifications; absent: the ticker's. */
  lang: Locale.optional(),
});
export type FollowBody = z.infer<typeof FollowBody>;

export const PatchFollowBody = z
  .strictObject({
    topics: FollowTopics.optional(),
    lang: Locale.nullable().optional(),
    /** A renewed subscription of the same device (`pushsubscriptionchange`). */
    subscription: PushSubscriptionBody.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export type PatchFollowBody = z.infer<typeof PatchFollowBody>;

export const Follow = z.object({
  id: Id,
  tickerId: Slug,
  topics: FollowTopics,
  lang: Locale.nullable(),
  createdAt: IsoDate,
  lastPushedAt: IsoDate.nullable(),
});
export type Follow = z.infer<typeof Follow>;

/** The answer to following: the secret (`Authorization: Follower <secret>`) is shown this once. */
export const CreatedFollow = z.object({ id: Id, secret: z.string(), topics: FollowTopics });
export type CreatedFollow = z.infer<typeof CreatedFollow>;

export const FollowList = z.object({ items: z.array(Follow) });
export type FollowList = z.infer<typeof FollowList>;

/** The VAPID public key, base64url (an uncompressed P-256 point), as `PushManager.subscribe` wants it. */
export const PushPublicKey = z.object({ publicKey: z.string() });
export type PushPublicKey = z.infer<typeof PushPublicKey>;

/** What a push message carries (encrypted for the device; the service worker shows it). */
export const PushPayload = z.object({
  tickerId: Slug,
  entryId: Id,
  rev: Rev,
  /** The notification's title: the entry's, or "5 new updates in <ticker>" for a burst. */
  title: z.string(),
  /** Plain text, at most 200 characters. */
  body: z.string().max(200),
  /** The ticker page at the entry (`#entry-<id>`). */
  url: z.string(),
  kind: z.string(),
  image: z.string().optional(),
  /** Entries this push stands for (1, or a burst's count); the payload names the latest. */
  count: z.number().int().min(1),
});
export type PushPayload = z.infer<typeof PushPayload>;
