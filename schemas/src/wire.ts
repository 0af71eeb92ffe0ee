// Wire constants without zod, so the browser SDK can import them without bundling the schemas.

/** Socket.IO event names, once for server and SDK. */
export const SOCKET_EVENTS = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  chatSend: 'chat:send',
  changes: 'changes',
  presence: 'presence',
  /** Server → client before it cuts the socket off (ban, logout, password change). */
  sessionEnded: 'session:ended',
  /**
   * Server → client when the node is going away (deploy, restart): the client reconnects, to this
   * node once it is back or to another behind the load balancer, and resumes from its positions.
   */
  serverShutdown: 'server:shutdown',
  /** Client → server: an editor opens a ticker's desk and is listed there until leave or disconnect. */
  deskJoin: 'desk:join',
  /** Client → server: which entry the editor is editing now (null: none). */
  deskEditing: 'desk:editing',
  /** Client → server: the editor closes the desk. */
  deskLeave: 'desk:leave',
  /** Server → the sockets at a ticker's desk: the editors there, whenever the list changed. */
  deskPresence: 'desk:presence',
} as const;

/**
 * A stream's name: `ticker:<id>` (entries, ticker meta), `chat:<id>` (messages), `mod:<id>`
 * (moderators), `user:<userId>` (a reader's inbox, for that reader only).
 */
export type StreamName = `ticker:${string}` | `chat:${string}` | `mod:${string}` | `user:${string}` | `questions:${string}` | `questions-public:${string}`;

/** The stream of a ticker's entries and meta. */
export const tickerStream = (tickerId: string): StreamName => `ticker:${tickerId}`;
/** The stream of a ticker's chat room (visible messages). */
export const chatStream = (tickerId: string): StreamName => `chat:${tickerId}`;
/** The moderators' stream of a ticker's room (held messages, reports). */
export const modStream = (tickerId: string): StreamName => `mod:${tickerId}`;
/** A reader's own stream: their inbox's changes (`inbox.updated`, `inbox.removed`). */
export const userStream = (userId: string): StreamName => `user:${userId}`;
/** The desk's stream of a ticker's questions (editors, moderators): every question, its votes coalesced. */
export const questionsStream = (tickerId: string): StreamName => `questions:${tickerId}`;
/** The readers' stream of a ticker's open questions and their votes; carries changes only while its questions are public. */
export const publicQuestionsStream = (tickerId: string): StreamName => `questions-public:${tickerId}`;
/** Every stream a ticker owns, in the order writers lock them (ticker, chat, mod). */
export const tickerStreams = (tickerId: string): StreamName[] => [tickerStream(tickerId), chatStream(tickerId), modStream(tickerId)];

/** Longest text of a manual push ("Breaking: …"), characters: about what a notification's body shows. */
export const MANUAL_PUSH_MAX = 200;

// Embeds: providers, frames and the consent placeholder's words (the widget's, the rendered page's).
export * from './embed-frames';
export * from './embed-url';

/** The kinds of card a ticker holds (issue 25; their schemas in cards.ts). */
export const CARD_TYPES = ['score', 'results', 'table'] as const;
/** Where a match stands, on a score card. */
export const SCORE_STATUSES = ['scheduled', 'live', 'halftime', 'ended'] as const;
