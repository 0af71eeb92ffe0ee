import type { ColumnType } from 'kysely';
/** Times are ISO 8601 UTC strings and booleans 0/1 in both dialects, so rows read the same. */
export interface StreamsTable {
  name: string;
  rev: number;
  /** Names this stream's history (see migration 004). */
  epoch: string;
}

export interface TickersTable {
  id: string;
  title: string;
  description: string;
  status: string;
  locale: string;
  coverage_start: string | null;
  coverage_end: string | null;
  chat_mode: string;
  slow_mode_seconds: number;
  /** Entries pinned at once (1–10). */
  max_pinned: number;
  /** 0/1: a picture must name its credit before it goes out. */
  require_image_credit: number;
  /** 0/1: readers see the open questions to the desk and upvote them (migration 022). */
  questions_public?: number;
  rev: number;
  created_at: string;
  updated_at: string;
}

export interface EntriesTable {
  id: string;
  ticker_id: string;
  seq: number;
  rev: number;
  kind: string;
  title: string | null;
  body: string;
  /** JSON text */
  image: string | null;
  /** JSON text */
  teaser: string | null;
  /** JSON text: the embed as recognised (`Embed`); null without one (and for a tombstone). */
  embed?: string | null;
  pinned: number;
  /** When it was last pinned (null when not pinned). */
  pinned_at: string | null;
  author_id: string;
  author_name: string;
  published_at: string;
  updated_at: string;
  version: number;
  deleted_at: string | null;
  /** draft | scheduled | published */
  status: string;
  publish_at: string | null;
  /** What search finds the entry by: title and text as words (tickers/search.ts); '' for a tombstone. */
  search_text: string;
  /** A poll entry's poll as written (JSON `PollInput`); null otherwise (and for a tombstone). */
  poll?: string | null;
  /** An answer entry's question (JSON `EntryQuestion`); null otherwise (and for a tombstone). */
  question?: string | null;
  /** Its planned close, for the sweep's index. */
  poll_closes_at?: string | null;
  /** When it closed (its time passed, or an editor closed it); null while open. */
  poll_closed_at?: string | null;
  /** The counts last published on the stream (JSON `PollResults`). */
  poll_results?: string | null;
  /** When the counts were last published (the one-a-second claim across nodes). */
  poll_results_at?: string | null;
}

export interface PollVotesTable {
  entry_id: string;
  /** `u:<user id>` (logged-in reader) or `d:<device id>` (anonymous, by the signed cookie). */
  voter: string;
  option_id: string;
  /** 0/1: cast by a logged-in reader. */
  member: number;
  voted_at: string;
}

export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  /** `nameKey(display_name)`: the name as impersonation checks compare it. */
  name_key: string | null;
  role: string;
  locale: string;
  password_hash: string;
  email_verified_at: string | null;
  muted_until: string | null;
  banned_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface EmailTokensTable {
  token_hash: string;
  user_id: string;
  purpose: 'verify' | 'reset';
  email: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  kind: 'session' | 'api';
  name: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  /** What an API token is limited to, comma-separated (`cards`); null: not limited (migration 025). */
  scopes: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ChatSettingsTable {
  ticker_id: string;
  rate_burst: number;
  rate_per_minute: number;
  duplicate_window_seconds: number;
  /** JSON array of lower-case words */
  banned_words: string;
  watch_words: string;
}

export interface MessagesTable {
  id: string;
  ticker_id: string;
  seq: number;
  rev: number;
  mod_rev: number;
  author_id: string;
  author_name: string;
  body: string;
  reply_to: string | null;
  /** The author of the message `reply_to` names (migration 017). */
  reply_to_author: string | null;
  status: 'visible' | 'pending' | 'rejected' | 'deleted';
  hold_reason: 'premoderation' | 'watch_word' | null;
  pinned: number;
  client_id: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface ReportsTable {
  id: string;
  message_id: string;
  ticker_id: string;
  reporter_id: string;
  reporter_name: string;
  reason: string;
  note: string | null;
  mod_rev: number;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: 'dismissed' | 'deleted' | null;
}

export interface ModerationLogTable {
  id: string;
  ticker_id: string | null;
  actor_id: string;
  actor_name: string;
  action: string;
  target_type: 'message' | 'user' | 'report' | 'room';
  target_id: string;
  details: string | null;
  created_at: string;
}

export interface WebhooksTable {
  id: string;
  url: string;
  /** JSON array of event types */
  events: string;
  ticker_id: string | null;
  description: string;
  secret: string;
  active: number;
  disabled_reason: string | null;
  failing_since: string | null;
  next_attempt_at: string | null;
  attempts: number;
  lease_owner: string | null;
  lease_until: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookCursorsTable {
  webhook_id: string;
  stream: string;
  epoch: string;
  rev: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  /** Order of the log (ms clock and counter): newest first by it. */
  seq: number;
  message_id: string;
  type: string;
  stream: string;
  rev: number;
  attempt: number;
  status: number | null;
  ok: number;
  error: string | null;
  duration_ms: number;
  created_at: string;
}

export interface MediaTable {
  id: string;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  /** JSON: [{width, height, key, bytes}] */
  variants: string;
  created_by: string;
  created_at: string;
}

export interface EntryVersionsTable {
  entry_id: string;
  ticker_id: string;
  version: number;
  /** JSON: the Entry as it was saved */
  data: string;
  /** Who saved it; null for the scheduler. */
  by_id: string | null;
  by_name: string | null;
  created_at: string;
}

export interface EntryTemplatesTable {
  id: string;
  /** null: newsroom-wide */
  ticker_id: string | null;
  name: string;
  /** `templateNameKey(name)`: unique within the scope. */
  name_key: string;
  kind: string;
  title: string | null;
  /** Sanitized as an entry body. */
  body: string;
  version: number;
  created_by_id: string;
  created_by_name: string;
  created_at: string;
  updated_at: string;
}

/** The server's VAPID key pair when none is configured (one row, id 1; migration 016). */
export interface PushVapidTable {
  id: number;
  /** base64url: an uncompressed P-256 point (65 bytes) and a 32-byte scalar. */
  public_key: string;
  private_key: string;
  created_at: string;
}

/** A device following a ticker with Web Push (see migration 016). */
export interface PushFollowsTable {
  id: string;
  ticker_id: string;
  endpoint: string;
  /** base64url: the device's P-256 key and its 16-byte auth secret. */
  p256dh: string;
  auth: string;
  expires_at: string | null;
  /** all | key-events */
  topics: string;
  lang: string | null;
  /** SHA-256 (hex) of the secret shown once. */
  secret_hash: string;
  user_id: string | null;
  created_at: string;
  updated_at: string;
  /** The ticker stream's revision up to which this follow has been served. */
  pushed_rev: number;
  last_pushed_at: string | null;
  /** Entries waiting for its next push (a burst), as the deliverer last counted them. */
  pending: number;
  failing_since: string | null;
  attempts: number;
  next_attempt_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  /** The manual push of its ticker up to which it has been served (migration 018). */
  manual_seq: number;
}

/** How far the push deliverer has read a followed ticker's stream (see migration 016). */
export interface PushStreamsTable {
  ticker_id: string;
  epoch: string;
  rev: number;
  head_rev: number;
  head_key_rev: number;
  lease_owner: string | null;
  lease_until: string | null;
  /** The newest manual push of the ticker (migration 018). */
  head_manual: number;
}

/** A manual push ("Breaking: …") an editor sent to a ticker's follows (migration 018). */
export interface PushManualTable {
  id: string;
  ticker_id: string;
  /** 1, 2, … per ticker. */
  seq: number;
  /** The ticker stream's revision when it was sent. */
  rev: number;
  text: string;
  author_id: string;
  /** The console's key for it: the same again makes no second push. */
  client_id: string | null;
  created_at: string;
}

/** An entry published in a followed ticker, at the revision it was published with. */
export interface PushEntriesTable {
  ticker_id: string;
  entry_id: string;
  rev: number;
  kind: string;
  published_at: string;
}

/** A reader's place in a chat of their inbox (migration 017). */
export interface ChatMembersTable {
  user_id: string;
  ticker_id: string;
  /** Read up to this revision of `chat:<ticker_id>`; never moves back. */
  last_read_rev: number;
  /** 1 while the chat is in the inbox; 0 once left (until the reader writes there again). */
  active: number;
  /** The revision of `user:<user_id>` at which this item last changed. */
  rev: number;
  /** The chat position (message `seq`) the item last published reflects. */
  notified_rev: number;
  joined_at: string;
  /** When the item was last sent on `user:<user_id>` (migration 026); null: never. */
  notified_at?: string | null;
  /** A change came within a second of that: the sweep sends the item once this time has passed. */
  due_at?: string | null;
}

/** Per ticker and minute (or day): what readers did (migration 021). */
export interface AnalyticsCounts {
  page_views: number;
  push_views: number;
  entry_views: number;
  link_clicks: number;
  teaser_clicks: number;
  embed_consents: number;
  follows_started: number;
  follows_stopped: number;
  poll_votes: number;
  questions: number;
  dropped: number;
  /** Pushes sent to the ticker's followers (migration 024). */
  push_sent: number;
  /** The most readers online seen in the minute (or day). */
  readers_online: number;
}

/** Columns the database fills with their default (0) when an insert leaves them out. */
type Defaulted<T> = { [K in keyof T]: ColumnType<T[K], T[K] | undefined, T[K]> };

export interface Tables {
  analytics_salts: { day: string; salt: string };
  analytics_batches: { batch_id: string; at: string };
  analytics_minutes: Defaulted<AnalyticsCounts> & { ticker_id: string; minute: string };
  analytics_days: Defaulted<AnalyticsCounts & { unique_readers: number }> & { ticker_id: string; day: string };
  analytics_entries: { ticker_id: string; entry_id: string; minute: string; views: number; seconds: number; link_clicks: number; teaser_clicks: number };
  analytics_uniques: { ticker_id: string; hour: string; hash: string };
  analytics_sources: { ticker_id: string; day: string; host: string; page_views: number };
  analytics_entry_days: { ticker_id: string; entry_id: string; day: string; views: number; seconds: number; link_clicks: number; teaser_clicks: number };
  analytics_hours: { ticker_id: string; hour: string; unique_readers: number };
  push_vapid: PushVapidTable;
  push_follows: PushFollowsTable;
  push_streams: PushStreamsTable;
  push_entries: PushEntriesTable;
  push_manual: PushManualTable;
  chat_members: ChatMembersTable;
  inbox_dirty: { ticker_id: string; seq: number };
  /** A reader (`user_id`) blocked `blocked_id`: see migration 020. */
  user_blocks: { user_id: string; blocked_id: string; created_at: string };
  entry_templates: EntryTemplatesTable;
  entry_versions: EntryVersionsTable;
  media: MediaTable;
  webhooks: WebhooksTable;
  webhook_cursors: WebhookCursorsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  chat_settings: ChatSettingsTable;
  messages: MessagesTable;
  reports: ReportsTable;
  moderation_log: ModerationLogTable;
  users: UsersTable;
  health_probe: { node: string; at: string; pad: string };
  email_tokens: EmailTokensTable;
  sessions: SessionsTable;
  streams: StreamsTable;
  tickers: TickersTable;
  entries: EntriesTable;
  poll_votes: PollVotesTable;
  poll_dirty: { entry_id: string; ticker_id: string };
  questions: QuestionsTable;
  question_votes: { question_id: string; user_id: string; voted_at: string };
  cards: CardsTable;
}

/** A card of a ticker (migration 025). */
export interface CardsTable {
  ticker_id: string;
  id: string;
  /** score | results | table */
  type: string;
  /** The card's data as JSON. */
  data: string;
  version: number;
  pinned: number;
  entry_id: string | null;
  /** Revision of `ticker:<id>` its last published change took (0: never published yet). */
  rev: number;
  /** 1: the row holds a state the stream has not carried yet. */
  dirty: number;
  published_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** A question to the desk (migration 022). */
export interface QuestionsTable {
  id: string;
  ticker_id: string;
  /** Revision of `questions:<ticker>` it was asked at. */
  seq: number;
  /** Revision of `questions:<ticker>` at its last change. */
  rev: number;
  /** Revision of `questions-public:<ticker>` at its last change there; 0: never shown to readers. */
  public_rev: number;
  author_id: string;
  author_name: string;
  show_name: number;
  body: string;
  /** The text's skeleton: duplicates are refused by it. */
  body_key: string;
  /** open | answered | dismissed */
  status: string;
  votes: number;
  /** 1: the streams do not show the count yet. */
  votes_dirty: number;
  votes_published_at: string | null;
  answered_entry_id: string | null;
  dismiss_reason: string | null;
  client_id: string;
  created_at: string;
  updated_at: string;
}
