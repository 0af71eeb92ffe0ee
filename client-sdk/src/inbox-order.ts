import type { InboxItem, Message } from '@liveticker/schemas';

/**
 * The pure decisions behind the reader's "Chats": where a chat goes in the list, which copy of an
 * item is the newer one, and which message of a chat the reader has not seen yet. No DOM, no I/O.
 */

/** Whether `a` comes before `b` in the inbox: newest activity first, ties by ticker id (as the server pages them). */
export function inboxBefore(a: Pick<InboxItem, 'activeAt' | 'tickerId'>, b: Pick<InboxItem, 'activeAt' | 'tickerId'>): boolean {
  // Stryker disable next-line EqualityOperator: equal times never get here
  if (a.activeAt !== b.activeAt) return a.activeAt > b.activeAt;
  // Stryker disable next-line EqualityOperator: a chat is never compared with itself (placeItem takes it out first)
  return a.tickerId > b.tickerId;
}

/** What placing an item did: where it was (-1: new) and where it is now (-1: not placed). */
export interface Placed {
  items: InboxItem[];
  from: number;
  to: number;
}

/**
 * Puts a newer copy of a chat where its activity belongs. `complete` says the list holds every
 * chat (no further page): otherwise an item that would go after the last loaded one is left to
 * the page that will bring it, so the list never shows a chat out of its place.
 */
export function placeItem(items: readonly InboxItem[], item: InboxItem, complete: boolean): Placed {
  const from = items.findIndex((i) => i.tickerId === item.tickerId);
  const rest = items.filter((i) => i.tickerId !== item.tickerId);
  let to = rest.findIndex((i) => inboxBefore(item, i));
  if (to < 0) {
    if (!complete && from < 0) return { items: [...items], from, to: -1 };
    to = rest.length;
  }
  rest.splice(to, 0, item);
  return { items: rest, from, to };
}

/**
 * The list with the next page after it. A chat already listed is not listed twice: its activity
 * time comes from the node that stored its last message, and a node whose clock is behind can
 * make a chat fall back into the next page's range.
 */
export function appendPage(items: readonly InboxItem[], page: readonly InboxItem[]): InboxItem[] {
  const known = new Set(items.map((i) => i.tickerId));
  return [...items, ...page.filter((i) => !known.has(i.tickerId))];
}

/** The list without a chat (the reader left it). */
export function removeItem(items: readonly InboxItem[], tickerId: string): { items: InboxItem[]; index: number } {
  const index = items.findIndex((i) => i.tickerId === tickerId);
  return { items: items.filter((i) => i.tickerId !== tickerId), index };
}

/**
 * Whether an answer read apart from the stream (a `PUT …/read` reply) is older than the copy the
 * list holds: a chat's head (`rev`) and the read position only ever grow, so a copy behind in
 * either was overtaken by a change the stream already brought.
 */
export function isOlder(incoming: Pick<InboxItem, 'rev' | 'lastReadRev'>, known: Pick<InboxItem, 'rev' | 'lastReadRev'> | undefined): boolean {
  if (!known) return false;
  return incoming.rev < known.rev || incoming.lastReadRev < known.lastReadRev;
}

/**
 * The item as the reader will see it once read up to `rev`: nothing unread when that reaches the
 * chat's head (shown at once, before the server's answer); unchanged otherwise.
 */
export function readUpTo(item: InboxItem, rev: number): InboxItem {
  if (rev < item.rev || rev <= item.lastReadRev) return item;
  return { ...item, lastReadRev: rev, unread: 0, repliesToMe: 0 };
}

/**
 * A chat's item from the stream, over the copy the list holds. A change committed before the
 * reader's latest `PUT …/read` (still on its way) knows an older read position: the read position
 * stays where the reader took it, with nothing unread when it reaches the change's head.
 */
export function mergeItem(incoming: InboxItem, known: InboxItem | undefined): InboxItem {
  if (!known || incoming.lastReadRev >= known.lastReadRev) return incoming;
  const read = { ...incoming, lastReadRev: known.lastReadRev };
  return known.lastReadRev >= incoming.rev ? { ...read, unread: 0, repliesToMe: 0 } : read;
}

/**
 * The first message the reader has not read: the oldest visible one by someone else after their
 * read position (`lastReadRev`, a revision of the chat's stream; a message's `seq` is the revision
 * at which it became visible). Undefined when there is none.
 */
export function firstUnread(messages: readonly Message[], lastReadRev: number, meId: string | undefined): Message | undefined {
  let first: Message | undefined;
  for (const m of messages) {
    if (m.seq <= lastReadRev || m.deletedAt || m.status !== 'visible' || m.author.id === meId) continue;
    // Stryker disable next-line EqualityOperator: two visible messages never share a seq
    if (!first || m.seq < first.seq) first = m;
  }
  return first;
}

/** Whether a message is new to the reader (after their read position, by someone else). */
export function isUnread(m: Message, lastReadRev: number | undefined, meId: string | undefined): boolean {
  // Stryker disable next-line ConditionalExpression: for the types; `seq > undefined` is false anyway
  return lastReadRev !== undefined && m.seq > lastReadRev && m.author.id !== meId && !m.deletedAt;
}

/**
 * The ids of the reader's own messages among those loaded: a message whose `replyTo` is one of
 * them answers the reader.
 */
export function ownIds(messages: readonly Message[], meId: string | undefined): Set<string> {
  return new Set(meId ? messages.filter((m) => m.author.id === meId).map((m) => m.id) : []);
}

/** Whether a message answers the reader: a reply to one of their messages, by someone else. */
export function answersMe(m: Message, own: ReadonlySet<string>, meId: string | undefined): boolean {
  // Stryker disable next-line ConditionalExpression: for the types; no id is null
  return m.replyTo !== null && own.has(m.replyTo) && m.author.id !== meId && !m.deletedAt;
}
