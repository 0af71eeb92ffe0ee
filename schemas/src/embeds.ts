import { z } from 'zod';
import { HttpUrl } from './common';

/**
 * Where an embedded post or player comes from. The server tells it from the URL alone (no request
 * to the provider); `link` is anything else, shown as a plain link card (nothing third-party loads).
 */
export const EmbedProvider = z.enum(['youtube', 'vimeo', 'x', 'instagram', 'tiktok', 'bluesky', 'mastodon', 'threads', 'facebook', 'spotify', 'soundcloud', 'link']);
export type EmbedProvider = z.infer<typeof EmbedProvider>;

/** What an editor sends: the post's address, and words as for a picture. */
export const EmbedInput = z.strictObject({
  url: HttpUrl,
  caption: z.string().trim().max(500).optional(),
  credit: z.string().trim().max(200).optional(),
});
export type EmbedInput = z.infer<typeof EmbedInput>;

/**
 * An embed as stored and sent: the provider recognised, the provider's own id of the post (for
 * Bluesky `actor/rkey`, for Spotify `type/id`, for SoundCloud `user/track`; the host name's part
 * is in `canonical`), the URL as the editor gave it and its canonical form (the address shown and
 * linked to; a Mastodon post's instance is its host).
 */
export const Embed = z.object({
  provider: EmbedProvider,
  url: z.string(),
  id: z.string(),
  canonical: z.string(),
  caption: z.string().optional(),
  credit: z.string().optional(),
});
export type Embed = z.infer<typeof Embed>;
