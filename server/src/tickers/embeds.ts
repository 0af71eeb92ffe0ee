import type { Embed, EmbedInput } from '@liveticker/schemas';
import { recogniseEmbedUrl } from '@liveticker/schemas';
import { AppError } from '../errors';

/** What an embed URL is (see `recogniseEmbedUrl`); a refused one is a 400 naming `embed.url`. */
export function recogniseEmbed(raw: string): Omit<Embed, 'url' | 'caption' | 'credit'> {
  const r = recogniseEmbedUrl(raw);
  if ('error' in r) throw new AppError('validation_failed', 'invalid entry', [{ path: 'embed.url', message: r.error }]);
  return r;
}

/** The embed as stored: what the editor sent, with what it was recognised as. */
export function storedEmbed(input: EmbedInput): Embed {
  return { ...recogniseEmbed(input.url), url: input.url, ...(input.caption ? { caption: input.caption } : {}), ...(input.credit ? { credit: input.credit } : {}) };
}
