import { z } from 'zod';
import type { StreamName as WireStreamName } from './wire';
import { ErrorCode } from './errors';
import { Entry } from './entries';
import { Ticker } from './tickers';
import type { Message, Report } from './chat';
import type { InboxItem } from './inbox';
import type { Question } from './questions';
import type { Card } from './cards';
import { Id, Slug } from './common';
import type { Role } from './auth';

/**
 * `ticker:<id>` carries entries and ticker meta; `chat:<id>` carries messages; `mod:<id>` the
 * moderators' queue; `user:<userId>` one reader's inbox (only that reader may follow it);
 * `questions:<id>` the desk's questions; `questions-public:<id>` the open questions readers see.
 */
export const StreamName = z
  .string()
  .max(100)
  .regex(
    /^(?:(ticker|chat|mod|questions|questions-public):[a-z0-9]+(?:-[a-z0-9]+)*|user:[A-Za-z0-9_-]{1,64})$/,
    'a stream is ticker:<id>, chat:<id>, mod:<id>, questions:<id>, questions-public:<id> or user:<userId>',
  );
export type StreamName = WireStreamName;
export { chatStream, modStream, publicQuestionsStream, questionsStream, tickerStream, tickerStreams, userStream } from './wire';

export type StreamKind = 'ticker' | 'chat' | 'mod' | 'user' | 'questions' | 'questions-public';

/** A stream's kind and the id it belongs to (`tickerId`: the ticker's, or for `user:` the user's). */
export function parseStream(stream: string): { kind: StreamKind; tickerId: string } {
  const at = stream.indexOf(':');
  return { kind: stream.slice(0, at) as StreamKind, tickerId: stream.slice(at + 1) };
}

export const CHANGE_TYPES = [
  'entry.created',
  'entry.updated',
  'entry.deleted',
  'ticker.updated',
  'message.created',
  'message.updated',
  'message.deleted',
  'report.created',
  'report.resolved',
  'inbox.updated',
  'inbox.removed',
  'question.created',
  'question.updated',
  'question.removed',
  'card.updated',
  'card.deleted',
] as const;
export const ChangeType = z.enum(CHANGE_TYPES);
export type ChangeType = z.infer<typeof ChangeType>;

export interface EntryChange {
  rev: number;
  type: 'entry.created' | 'entry.updated' | 'entry.deleted';
  data: Entry;
}
export interface TickerChange {
  rev: number;
  type: 'ticker.updated';
  data: Ticker;
}
/** A chat message as it now stands (on `mod:` streams with the moderators' fields). */
export interface MessageChange {
  rev: number;
  type: 'message.created' | 'message.updated' | 'message.deleted';
  data: Message;
}
/** A report on `mod:<id>`; a new one carries the message it is about. */
export interface ReportChange {
  rev: number;
  type: 'report.created' | 'report.resolved';
  data: Report & { message?: Message };
}
/**
 * A chat of a reader's inbox on `user:<id>`: `inbox.updated` carries the item as `GET /me/chats`
 * shows it; `inbox.removed` says the reader left it (`{id, tickerId}`, both the ticker's id).
 */
export type InboxChange = { rev: number; type: 'inbox.updated'; data: InboxItem } | { rev: number; type: 'inbox.removed'; data: { id: string; tickerId: string } };
/**
 * A question on `questions:<id>` (the desk's view, votes coalesced to one change a second per
 * question) or `questions-public:<id>` (the readers' view); `question.removed` (public stream
 * only, `{id, tickerId}`) says it is no longer open, without saying whether it was answered or dismissed.
 */
export type QuestionChange =
  | { rev: number; type: 'question.created' | 'question.updated'; data: Question }
  | { rev: number; type: 'question.removed'; data: { id: string; tickerId: string } };
/**
 * A card on `ticker:<id>` as it now stands (`card.deleted`: its tombstone, `deletedAt` set). A
 * card's changes are coalesced: at most two a second per card, the last state always sent.
 */
export interface CardChange {
  rev: number;
  type: 'card.updated' | 'card.deleted';
  data: Card;
}
/** One change of a stream: `type` says what `data` is. */
export type Change = EntryChange | TickerChange | MessageChange | ReportChange | InboxChange | QuestionChange | CardChange;

export const ChangeSchema = z.object({ rev: z.number().int(), type: ChangeType, data: z.record(z.string(), z.unknown()) });

/**
 * A batch of changes. As docs/DESIGN.md says: `since` and `rev` say the
 * batch is complete from `since` (exclusive) to `rev` (inclusive), so a client holding
 * `lastRev >= since` applies it; `lastRev < since` is a gap. Catch-up batches may skip revisions
 * because a row keeps only the rev of its last change.
 */
export interface ChangesEvent {
  stream: string;
  since: number;
  rev: number;
  changes: Change[];
}

/** A stream's history identity: a position `(epoch, rev)` only continues within one epoch. */
export const Epoch = z.string().regex(/^[0-9a-f]{1,32}$/, 'an epoch is the hex string a catch-up answer gave');

export const ChangesResponse = z.object({
  rev: z.number().int(),
  epoch: z.string(),
  changes: z.array(ChangeSchema),
  more: z.literal(true).optional(),
  reset: z.literal(true).optional(),
});
/**
 * A catch-up answer: the changes after the asked position up to `rev`. `more`: ask again from
 * `rev`. `reset`: the asked position is not in this stream's history (another epoch, or ahead of
 * the head, e.g. after a restore): drop what you hold and load afresh from `rev`.
 */
export interface ChangesResponse {
  rev: number;
  epoch: string;
  changes: Change[];
  more?: true;
  reset?: true;
}

/** `since` absent: only the head (where to start following). */
export const ChangesQuery = z.strictObject({ since: z.coerce.number().int().min(0).optional(), epoch: Epoch.optional() });

// ---- socket commands (client → server), always acknowledged ----

export const SubscribeCmd = z.strictObject({ stream: StreamName, since: z.number().int().min(0).optional(), epoch: Epoch.optional() });
export type SubscribeCmd = z.infer<typeof SubscribeCmd>;
export const UnsubscribeCmd = z.strictObject({ stream: StreamName });
export type UnsubscribeCmd = z.infer<typeof UnsubscribeCmd>;

export interface AckError {
  ok: false;
  error: { code: ErrorCode; message: string; details?: unknown };
}
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;
export type SubscribeAck = Ack<ChangesResponse>;

export interface PresenceEvent {
  stream: string;
  readers: number;
}

// ---- the editors' desk: who works on a ticker now, and on which entry ----

/**
 * Join a ticker's desk (editors). Acked `{ok: true}`; the joining socket then always gets a
 * `desk:presence` with the editors there now (the list never rides in the ack, which may leave
 * after a newer event).
 */
export const DeskJoinCmd = z.strictObject({ tickerId: Slug });
export type DeskJoinCmd = z.infer<typeof DeskJoinCmd>;
/** The entry this socket's editor is editing now; null when none. Needs a joined desk. */
export const DeskEditingCmd = z.strictObject({ tickerId: Slug, entryId: Id.nullable() });
export type DeskEditingCmd = z.infer<typeof DeskEditingCmd>;
export const DeskLeaveCmd = z.strictObject({ tickerId: Slug });
export type DeskLeaveCmd = z.infer<typeof DeskLeaveCmd>;

/**
 * One editor at a ticker's desk, once however many tabs (sockets, nodes) they have open;
 * `editing` is the entry they most recently said they edit in any of them, or null.
 */
export interface DeskEditor {
  id: string;
  displayName: string;
  role: Role;
  editing: string | null;
}

/** `desk:presence`: every editor at the desk, across all nodes. */
export interface DeskPresenceEvent {
  tickerId: string;
  editors: DeskEditor[];
}

export { SOCKET_EVENTS } from './wire';
