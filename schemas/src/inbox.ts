import { z } from 'zod';
import { Message } from './chat';
import { Rev } from './common';
import { TickerStatus } from './tickers';

/**
 * One chat of a reader's inbox ("Chats"), as `GET /me/chats` lists it and `inbox.updated` on
 * `user:<id>` carries it. `rev` is the head of the chat's stream (`chat:<tickerId>`);
 * `lastReadRev` the reader's read position in it. `unread`: visible messages by others after
 * `lastReadRev`; `repliesToMe`: those of them that reply to one of the reader's messages, not
 * counting replies from muted or banned users; messages by users the reader blocked never count.
 */
export const InboxItem = z.object({
  /** The ticker's id again: every change's `data` has an `id` naming the item it is about. */
  id: z.string(),
  tickerId: z.string(),
  title: z.string(),
  status: TickerStatus,
  /** The chat's newest visible message, or null when it has none. */
  lastMessage: Message.nullable(),
  unread: z.number().int().min(0),
  repliesToMe: z.number().int().min(0),
  lastReadRev: Rev,
  rev: Rev,
  /** When the chat last had a message (or the reader joined it): the inbox's order, newest first. */
  activeAt: z.string(),
  /** How many of the reader's questions to the desk in this ticker were answered (absent: none). */
  questionsAnswered: z.number().int().min(1).optional(),
});
export type InboxItem = z.infer<typeof InboxItem>;

export const InboxList = z.object({ items: z.array(InboxItem), nextCursor: z.string().nullable() });
export type InboxList = z.infer<typeof InboxList>;

/** `GET /me/chats`: newest activity first, `limit` 1–100 (default 20). */
export const InboxQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type InboxQuery = z.infer<typeof InboxQuery>;

/** `PUT /me/chats/:tickerId/read`: read up to this revision of the chat stream (never backwards). */
export const MarkReadBody = z.strictObject({ rev: Rev });
export type MarkReadBody = z.infer<typeof MarkReadBody>;

/** A user the reader blocked (`GET /me/blocks`): their messages count nowhere in the reader's inbox. */
export const Block = z.object({ userId: z.string(), displayName: z.string(), createdAt: z.string() });
export type Block = z.infer<typeof Block>;
export const BlockList = z.object({ items: z.array(Block) });
export type BlockList = z.infer<typeof BlockList>;

