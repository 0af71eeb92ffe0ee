import { z } from 'zod';
import { Id, IsoDate, Locale, Rev, Slug } from './common';
import { MANUAL_PUSH_MAX } from './wire';

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
  /** The entry's kind; `manual` for an editor's manual push (its `entryId` is the push's id, `url` the ticker page). */
  kind: z.string(),
  image: z.string().optional(),
  /** Entries this push stands for (1, or a burst's count); the payload names the latest. */
  count: z.number().int().min(1),
});
export type PushPayload = z.infer<typeof PushPayload>;

/** How many devices follow a ticker, by what they are told about. */
export const FollowerCount = z.object({
  total: z.number().int().min(0),
  all: z.number().int().min(0),
  keyEvents: z.number().int().min(0),
});
export type FollowerCount = z.infer<typeof FollowerCount>;

export { MANUAL_PUSH_MAX } from './wire';

/**
 * A manual push ("Breaking: …") to every follow of a ticker, whatever its topics: plain text
 * (no markup, no line breaks). `clientId`, the console's key for this push: sent again (a retry,
 * a double click), it makes no second push.
 */
export const ManualPushBody = z.strictObject({
  text: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MANUAL_PUSH_MAX)
    .refine((s) => !/[\u0000-\u001f\u007f<>]/.test(s), 'plain text on one line (no control characters, no < or >)'),
  clientId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -').optional(),
});
export type ManualPushBody = z.infer<typeof ManualPushBody>;

/** A manual push as it was recorded: sent once to each of `followers` (the follows when it was made). */
export const ManualPush = z.object({
  id: Id,
  tickerId: Slug,
  text: z.string(),
  /** The ticker stream's revision when it was sent (its payload's `rev`). */
  rev: Rev,
  createdAt: IsoDate,
  followers: FollowerCount,
});
export type ManualPush = z.infer<typeof ManualPush>;
