import type { Entry, PushPayload, Ticker } from '@liveticker/schemas';
import type { PushManualTable } from '../db/tables';
import { textOf, tickerPageUrl } from '../tickers/entry-text';
import { summaryTitle } from './texts';

/** Longest text of a notification, characters. */
const BODY_MAX = 200;
/** Longest title of a notification, characters. */
const TITLE_MAX = 120;

/** A text cut to `max` characters at a word, with an ellipsis when cut. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - 1);
  const at = head.lastIndexOf(' ');
  return `${(at > max / 2 ? head.slice(0, at) : head).trimEnd()}…`;
}

/**
 * The push for the entries a follow has not been told of: the newest (`entry`, at `rev`), and
 * for a burst of `count` a summary title in the follower's language.
 */
export function entryPayload(publicUrl: string, ticker: Ticker, entry: Entry, rev: number, count: number, lang: string): PushPayload {
  const text = textOf(entry.body);
  // An answer without a headline is announced by the question it answers.
  const single = entry.title ?? entry.question?.body ?? ticker.title;
  return {
    tickerId: ticker.id,
    entryId: entry.id,
    rev,
    title: cut(count > 1 ? summaryTitle(lang, count, ticker.title) : single, TITLE_MAX),
    // An entry that is only a post or video of another site: its caption, else the title.
    body: cut(count > 1 ? (entry.title ?? text) : text || entry.embed?.caption || single, BODY_MAX),
    url: `${tickerPageUrl(publicUrl, ticker.id)}#entry-${entry.id}`,
    kind: entry.kind,
    ...(entry.image?.url ? { image: entry.image.url } : {}),
    count,
  };
}

/** An editor's manual push: the ticker's title, the text, the ticker page; `kind: manual`, its id as `entryId`. */
export function manualPayload(publicUrl: string, ticker: Ticker, push: PushManualTable): PushPayload {
  return {
    tickerId: ticker.id,
    entryId: push.id,
    rev: Number(push.rev),
    title: cut(ticker.title, TITLE_MAX),
    body: cut(push.text, BODY_MAX),
    url: tickerPageUrl(publicUrl, ticker.id),
    kind: 'manual',
    count: 1,
  };
}
