import { z } from 'zod';

/** ISO 8601 UTC timestamp as sent on the wire. */
export const IsoDate = z.iso.datetime({ offset: true });

/** A ticker id: lowercase slug, 1–80 chars. */
export const Slug = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single dashes');

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

export const Order = z.enum(['newest', 'oldest']);
export type Order = z.infer<typeof Order>;

export const Locale = z.enum(['de', 'en', 'ru']);
export type Locale = z.infer<typeof Locale>;

export const HttpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048);

/** Query for any cursor-paged list. `limit` 1–100, default 20. */
export const PageQuery = z.strictObject({
  order: Order.default('newest'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const Author = z.object({ id: z.string(), displayName: z.string() });
export type Author = z.infer<typeof Author>;

/** Strips C0/C1 controls (except \n and \t) and bidi overrides/isolates. */
export function stripControls(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '');
}

/**
 * Characters that show nothing or only blank space: format and default-ignorable code points,
 * combining marks on their own, spaces of every kind, and blanks that render as empty glyphs
 * (Braille pattern blank, Hangul fillers).
 */
const BLANK = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}\p{Z}\s\u2800\u115F\u1160\u3164\uFFA0]/gu;

/** Whether a text shows anything at all (a message of zero-width spaces does not). */
export function hasVisibleText(text: string): boolean {
  return text.replace(BLANK, '').length > 0;
}

export const Rev = z.number().int().min(0);
