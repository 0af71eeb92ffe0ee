import { EMBED_PROVIDERS, EMBED_WORDS, embedCompany, embedFrame } from '@liveticker/schemas';
import type { Embed } from '@liveticker/schemas';

const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The caption and credit under an embed, as under a picture. */
function caption(e: Embed): string {
  if (!e.caption && !e.credit) return '';
  return `<figcaption>${esc(e.caption ?? '')}${e.credit ? ` <span class="lt-credit">${esc(e.credit)}</span>` : ''}</figcaption>`;
}

/**
 * An embed in server HTML (the rendered page, the fragment): never anything of the provider's,
 * only the placeholder a reader without JavaScript can act on — the provider, what loading it
 * would send to whom, and the post's URL as a plain link. Where the SDK runs, the widget takes
 * the page over and offers "Show" there. A video's placeholder keeps the player's shape.
 */
export function embedHtml(e: Embed, lang: string): string {
  const w = EMBED_WORDS[lang as keyof typeof EMBED_WORDS] ?? EMBED_WORDS.en;
  const link = `<a class="lt-embed-url" href="${esc(e.canonical)}" rel="noopener nofollow">${esc(e.canonical)}</a>`;
  if (e.provider === 'link') return `<figure class="lt-embed lt-embed-link" data-provider="link"><p>${link}</p>${caption(e)}</figure>`;
  const name = EMBED_PROVIDERS[e.provider].name;
  const frame = embedFrame(e);
  const shape = frame?.ratio ? ` style="aspect-ratio:${frame.ratio.toFixed(4)}${frame.ratio < 1 ? ";max-width:21rem" : ""}"` : '';
  return `<figure class="lt-embed" data-provider="${esc(e.provider)}" aria-label="${esc(w.label(name))}"><div class="lt-embed-gate"${shape}><p class="lt-embed-name"><strong>${esc(name)}</strong></p><p>${esc(w.notice(name, embedCompany(e)))}</p><p>${link}</p><p class="lt-embed-hint">${esc(w.noScript)}</p></div>${caption(e)}</figure>`;
}

/** An embed in a feed: the provider and the link (a feed reader never loads anything of theirs). */
export function embedFeedHtml(e: Embed): string {
  const name = e.provider === 'link' ? '' : `${EMBED_PROVIDERS[e.provider].name}: `;
  const words = [e.caption, e.credit].filter(Boolean).map((s) => esc(s!)).join(' · ');
  return `<p>${esc(name)}<a href="${esc(e.canonical)}">${esc(e.canonical)}</a>${words ? `<br>${words}` : ''}</p>`;
}
