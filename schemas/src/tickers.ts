import { z } from 'zod';
import { IsoDate, Locale, Slug } from './common';

export const TickerStatus = z.enum(['scheduled', 'live', 'ended']);
export type TickerStatus = z.infer<typeof TickerStatus>;

export const ChatMode = z.enum(['open', 'premoderated', 'closed']);
export type ChatMode = z.infer<typeof ChatMode>;

const Title = z.string().trim().min(1).max(200);
/** How many entries a ticker pins at once; pinning one more unpins the one pinned longest ago. */
export const MaxPinned = z.number().int().min(1).max(10);
const Description = z.string().trim().max(2000);

export const Ticker = z.object({
  id: Slug,
  title: z.string(),
  description: z.string(),
  status: TickerStatus,
  locale: Locale,
  coverageStart: IsoDate.nullable(),
  coverageEnd: IsoDate.nullable(),
  chat: z.object({
    mode: ChatMode,
    /** Seconds a user waits between two messages; 0 is off. */
    slowModeSeconds: z.number().int().min(0).max(3600),
  }),
  maxPinned: MaxPinned,
  /** An entry's picture must name its credit before it is published or scheduled. */
  requireImageCredit: z.boolean(),
  /** Questions to the desk: `public` lets readers see the open ones and upvote them. */
  questions: z.object({ public: z.boolean() }),
  rev: z.number().int(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  /**
   * `false` only where the newsroom turned reader analytics off (`ANALYTICS=off`): the widget
   * then sends no beacon. Said by `GET /tickers/:id` and a rendered page's state, not by changes.
   */
  analytics: z.literal(false).optional(),
});
export type Ticker = z.infer<typeof Ticker>;

export const ChatSettingsInput = z.strictObject({
  mode: ChatMode.optional(),
  slowModeSeconds: z.number().int().min(0).max(3600).optional(),
});

export const CreateTickerBody = z.strictObject({
  id: Slug.optional(),
  title: Title,
  description: Description.default(''),
  status: TickerStatus.default('scheduled'),
  locale: Locale.default('de'),
  coverageStart: IsoDate.nullable().optional(),
  coverageEnd: IsoDate.nullable().optional(),
  chat: ChatSettingsInput.optional(),
  maxPinned: MaxPinned.default(1),
  requireImageCredit: z.boolean().default(false),
});
export type CreateTickerBody = z.infer<typeof CreateTickerBody>;

export const PatchTickerBody = z
  .strictObject({
    title: Title.optional(),
    description: Description.optional(),
    status: TickerStatus.optional(),
    locale: Locale.optional(),
    coverageStart: IsoDate.nullable().optional(),
    coverageEnd: IsoDate.nullable().optional(),
    chat: ChatSettingsInput.optional(),
    maxPinned: MaxPinned.optional(),
    requireImageCredit: z.boolean().optional(),
    questions: z.strictObject({ public: z.boolean() }).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export type PatchTickerBody = z.infer<typeof PatchTickerBody>;

export const TickerList = z.object({ items: z.array(Ticker), nextCursor: z.string().nullable() });
