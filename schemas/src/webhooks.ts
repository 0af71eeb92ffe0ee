import { z } from 'zod';
import { HttpUrl, Id, IsoDate, Slug } from './common';

/** What a webhook endpoint can be told about: the change types of the ticker and chat streams. */
export const WEBHOOK_EVENTS = ['entry.created', 'entry.updated', 'entry.deleted', 'ticker.updated', 'message.created', 'message.updated', 'message.deleted'] as const;
export const WebhookEvent = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

const Events = z.array(WebhookEvent).min(1).max(WEBHOOK_EVENTS.length).refine((e) => new Set(e).size === e.length, 'each event once');
/** Where deliveries go: http(s), no user name or password in it. */
const EndpointUrl = HttpUrl.refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'a webhook URL may not carry a user name or password');

export const CreateWebhookBody = z.strictObject({
  url: EndpointUrl,
  events: Events,
  /** Only this ticker's events; absent: every ticker's, also those made later. */
  tickerId: Slug.optional(),
  description: z.string().trim().max(200).optional(),
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const PatchWebhookBody = z
  .strictObject({
    url: EndpointUrl.optional(),
    events: Events.optional(),
    description: z.string().trim().max(200).optional(),
    /** `true` turns a disabled endpoint on again (its failures are forgotten, deliveries resume where they stopped). */
    active: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export type PatchWebhookBody = z.infer<typeof PatchWebhookBody>;

export const Webhook = z.object({
  id: Id,
  url: z.string(),
  events: z.array(WebhookEvent),
  tickerId: z.string().nullable(),
  description: z.string(),
  active: z.boolean(),
  /** Why it was turned off (after 24 h of failed deliveries), or null. */
  disabledReason: z.string().nullable(),
  /** Since when deliveries fail (null while they succeed), and when the next try is due. */
  failingSince: IsoDate.nullable(),
  nextAttemptAt: IsoDate.nullable(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type Webhook = z.infer<typeof Webhook>;

/** The answer to creating one: the only time its signing secret is shown. */
export const CreatedWebhook = Webhook.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

export const WebhookList = z.object({ items: z.array(Webhook) });
export type WebhookList = z.infer<typeof WebhookList>;

export const WebhookDelivery = z.object({
  id: z.string(),
  /** The `webhook-id` sent: the same for every attempt at one event (receivers dedupe by it). */
  messageId: z.string(),
  type: z.string(),
  stream: z.string(),
  rev: z.number().int(),
  attempt: z.number().int(),
  /** The endpoint's HTTP status, or null when no answer came (refused, timed out, blocked). */
  status: z.number().int().nullable(),
  ok: z.boolean(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  createdAt: IsoDate,
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryList = z.object({ items: z.array(WebhookDelivery), nextCursor: z.string().nullable() });
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryList>;
export const WebhookDeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(100).optional(),
});

/** Deliver again from a revision of one kind of stream: one ticker's, or every ticker's the endpoint follows. */
export const ReplayWebhookBody = z.strictObject({
  since: z.number().int().min(0),
  /** Which of a ticker's streams: its entries and meta (`ticker`) or its chat (`chat`); revisions count per stream. */
  stream: z.enum(['ticker', 'chat']).default('ticker'),
  tickerId: Slug.optional(),
});
export type ReplayWebhookBody = z.infer<typeof ReplayWebhookBody>;

/** What is POSTed (Standard Webhooks: `{type, timestamp, data}`); `data` is the changed resource as it now stands. */
export interface WebhookPayload {
  type: WebhookEvent;
  timestamp: string;
  data: Record<string, unknown> & { rev: number };
}
