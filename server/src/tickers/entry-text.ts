import type { Entry } from '@liveticker/schemas';

/** The entry's text without markup (for a title and a summary); the HTML went through the allowlist. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A headline for an entry: its title, else its first sentence. */
export function headline(e: Entry): string {
  if (e.title) return e.title;
  if (e.poll && !textOf(e.body)) return e.poll.question;
  // An answer's headline is the reader's question it answers.
  if (e.question) return e.question.body.length > 160 ? `${e.question.body.slice(0, 159)}…` : e.question.body;
  if (e.embed && !textOf(e.body)) return e.embed.caption || e.embed.canonical;
  const text = textOf(e.body);
  const sentence = /^.{1,160}?[.!?](\s|$)/.exec(text)?.[0].trim() ?? text.slice(0, 160);
  return sentence || e.kind;
}

/** Where a ticker's server-rendered page lives: the URL search engines and feeds point at. */
export function tickerPageUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/api/v1/tickers/${encodeURIComponent(id)}/html`;
}
