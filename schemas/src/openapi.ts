import { z } from 'zod';
import { ErrorBody } from './errors';
import { CreateEntryBody, Entry, EntryList, KeyEventList, PatchEntryBody, RestoreEntryBody } from './entries';
import { ChangesResponse } from './events';
import { Poll, PollInput, PollResults, VoteBody, VoteState } from './polls';
import { AnswerQuestionBody, AnsweredQuestion, AskQuestionBody, DismissQuestionBody, EntryQuestion, Question, QuestionList } from './questions';
import { Embed, EmbedInput } from './embeds';
import { CardList, CardSchema, PutCardBody } from './cards';
import { CreateEntryTemplateBody, EntryTemplate, EntryTemplateList, PatchEntryTemplateBody } from './templates';
import { CreateTickerBody, PatchTickerBody, Ticker, TickerList } from './tickers';
import {
  ChangePasswordBody,
  CreateApiTokenBody,
  CreateUserBody,
  CreatedApiToken,
  EmailBody,
  FirstAdminBody,
  LoginBody,
  LoginResponse,
  PatchMeBody,
  PatchUserBody,
  RegisterBody,
  RegisterResponse,
  ResetConfirmBody,
  TokenBody,
  VerifyBody,
  User,
  ModeratedUser,
} from './auth';
import {
  BanBody,
  ChatSendCmd,
  ChatSettings,
  EditMessageBody,
  Message,
  MessageList,
  MuteBody,
  PatchChatSettingsBody,
  PostMessageBody,
  Report,
  ReportBody,
  ResolveReportBody,
} from './chat';
import { DeskEditingCmd, DeskJoinCmd, DeskLeaveCmd, SubscribeCmd, UnsubscribeCmd } from './events';
import { CreatedFollow, Follow, FollowBody, FollowList, FollowerCount, ManualPush, ManualPushBody, PatchFollowBody, PushPayload, PushPublicKey } from './push';
import { BlockList, InboxItem, InboxList, MarkReadBody } from './inbox';
import { AnalyticsBatch, AnalyticsOverview, AnalyticsReport } from './analytics';
import { CreateWebhookBody, CreatedWebhook, PatchWebhookBody, ReplayWebhookBody, Webhook, WebhookDeliveryList, WebhookList } from './webhooks';

/** Schemas by name, as emitted to JSON Schema files and OpenAPI components. */
export const NAMED_SCHEMAS: Record<string, z.ZodType> = {
  Ticker,
  TickerList,
  CreateTickerBody,
  PatchTickerBody,
  Entry,
  EntryList,
  KeyEventList,
  CreateEntryBody,
  PatchEntryBody,
  RestoreEntryBody,
  Embed,
  EmbedInput,
  Poll,
  PollInput,
  PollResults,
  VoteBody,
  VoteState,
  Question,
  QuestionList,
  AskQuestionBody,
  AnswerQuestionBody,
  AnsweredQuestion,
  DismissQuestionBody,
  EntryQuestion,
  EntryTemplate,
  EntryTemplateList,
  CreateEntryTemplateBody,
  PatchEntryTemplateBody,
  ChangesResponse,
  ErrorBody,
  RegisterBody,
  RegisterResponse,
  TokenBody,
  VerifyBody,
  EmailBody,
  LoginBody,
  LoginResponse,
  FirstAdminBody,
  ResetConfirmBody,
  ChangePasswordBody,
  User,
  ModeratedUser,
  PatchMeBody,
  CreateUserBody,
  PatchUserBody,
  CreateApiTokenBody,
  CreatedApiToken,
  Message,
  MessageList,
  PostMessageBody,
  EditMessageBody,
  ReportBody,
  Report,
  ResolveReportBody,
  ChatSettings,
  PatchChatSettingsBody,
  MuteBody,
  BanBody,
  Webhook,
  WebhookList,
  CreateWebhookBody,
  CreatedWebhook,
  PatchWebhookBody,
  WebhookDeliveryList,
  ReplayWebhookBody,
  PushPublicKey,
  FollowBody,
  PatchFollowBody,
  Follow,
  CreatedFollow,
  FollowList,
  PushPayload,
  FollowerCount,
  ManualPushBody,
  ManualPush,
  InboxItem,
  InboxList,
  BlockList,
  AnalyticsBatch,
  AnalyticsReport,
  AnalyticsOverview,
  MarkReadBody,
  PutCardBody,
  Card: CardSchema,
  CardList,
  // Socket.IO commands (not REST; emitted as JSON Schema for client authors).
  SubscribeCmd,
  UnsubscribeCmd,
  ChatSendCmd,
  DeskJoinCmd,
  DeskEditingCmd,
  DeskLeaveCmd,
};

export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'delete' | 'put';
  path: string;
  summary: string;
  body?: string;
  response?: string;
  /** A response that is not JSON (a feed): its media type. */
  mediaType?: string;
  status?: number;
  auth?: boolean;
  query?: string[];
}

export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/tickers', summary: 'List tickers, newest first', response: 'TickerList', query: ['limit', 'cursor', 'status'] },
  { method: 'post', path: '/tickers', summary: 'Create a ticker (editor)', body: 'CreateTickerBody', response: 'Ticker', status: 201, auth: true },
  { method: 'get', path: '/tickers/{id}', summary: 'One ticker', response: 'Ticker' },
  { method: 'patch', path: '/tickers/{id}', summary: 'Change a ticker (editor)', body: 'PatchTickerBody', response: 'Ticker', auth: true },
  { method: 'get', path: '/tickers/{id}/entries', summary: 'Published entries, cursor-paged, pinned apart; with status=draft|scheduled the desk\'s unpublished ones (editor)', response: 'EntryList', query: ['order', 'limit', 'cursor', 'status', 'q'] },
  { method: 'get', path: '/tickers/{id}/key-events', summary: 'Key events (kind key-event), newest first, for a jump box', response: 'KeyEventList', query: ['limit'] },
  { method: 'get', path: '/tickers/{id}/entries/{entryId}/history', summary: 'Every saved version of an entry, with who saved it (editor)', auth: true },
  { method: 'post', path: '/tickers/{id}/entries/{entryId}/restore', summary: 'Save an old version again as a new one (editor)', body: 'RestoreEntryBody', response: 'Entry', auth: true },
  { method: 'post', path: '/tickers/{id}/entries', summary: 'Post an entry (editor); an `embed.url` is recognised as a provider\'s post or video (YouTube, Vimeo, X, Instagram, TikTok, Bluesky, Mastodon, Threads, Facebook, Spotify, SoundCloud) or kept as a link, and a URL that is not http(s) is a 400 naming embed.url', body: 'CreateEntryBody', response: 'Entry', status: 201, auth: true },
  { method: 'get', path: '/tickers/{id}/entries/{entryId}', summary: 'One entry', response: 'Entry' },
  { method: 'patch', path: '/tickers/{id}/entries/{entryId}', summary: 'Edit an entry; a stale version is a 409 (editor)', body: 'PatchEntryBody', response: 'Entry', auth: true },
  { method: 'delete', path: '/tickers/{id}/entries/{entryId}', summary: 'Delete an entry, leaving a tombstone (editor)', response: 'Entry', auth: true },
  {
    method: 'post',
    path: '/tickers/{id}/entries/{entryId}/votes',
    summary:
      'Vote in a poll: a verified reader, or (allowAnonymous) a device by its signed lt_device cookie, set here; again changes the vote. The counts come back when the reader may see them. 409 poll_closed, 400 naming optionId, 429 vote_limit_reached (per address), 404 for a deleted, draft or non-poll entry',
    body: 'VoteBody',
    response: 'VoteState',
  },
  { method: 'get', path: '/tickers/{id}/entries/{entryId}/votes', summary: "The reader's own vote in a poll (by login or device cookie), and the counts when they may see them (private, never cached)", response: 'VoteState' },
  { method: 'post', path: '/tickers/{id}/entries/{entryId}/close', summary: 'Close a poll now: every reader gets the final counts (editor); 409 poll_closed when it was closed', response: 'Entry', auth: true },
  {
    method: 'put',
    path: '/tickers/{id}/cards/{cardId}',
    summary:
      "Put a card (score, results, table) under an id the writer chooses: an editor, or an editor's API token limited to the cards scope (a data feed). 201 when new, 200 after. With version: 409 conflict (currentVersion) unless it is the card's (an editor's form); without: the last write wins (a feed). Bounds: rows and events ≤ 50, texts ≤ 80 characters; a bad value is a 400 naming its field. Readers get card.updated on ticker:<id>, at most twice a second per card, the last state always",
    body: 'PutCardBody',
    response: 'Card',
    auth: true,
  },
  { method: 'get', path: '/tickers/{id}/cards', summary: "The ticker's cards as they now stand, pinned first (never cached)", response: 'CardList' },
  { method: 'delete', path: '/tickers/{id}/cards/{cardId}', summary: 'Delete a card (editor or a cards token): the tombstone; readers get card.deleted', response: 'Card', auth: true },
  {
    method: 'post',
    path: '/tickers/{id}/questions',
    summary:
      "Ask the desk (a verified reader): plain text, 3–500 characters; showName lets the answer name the asker (never their address). 201; the same clientId again answers the first question with 200. The chat's rules: 403 room_closed, muted; 422 message_rejected (banned_word, duplicate: the same text within 10 minutes); 429 rate_limited (3 per reader, 10 per address in 10 minutes); 401 login_required, 403 email_not_verified",
    body: 'AskQuestionBody',
    response: 'Question',
    status: 201,
    auth: true,
  },
  {
    method: 'get',
    path: '/tickers/{id}/questions',
    summary:
      "The desk (editors, moderators): every question with its author, by status, newest first (order=new) or most votes first (order=top). Anyone else: only while the ticker's questions are public (PATCH /tickers/{id} {questions: {public: true}}), the open ones without their author (403 forbidden otherwise); a logged-in reader sees `voted`. Live over Socket.IO (subscribe): the desk follows `questions:<id>` (question.created|updated with the author and the count, at most one update a second per question; anyone else `forbidden`); anyone follows `questions-public:<id>`, which while the questions are public carries the open ones as readers see them (question.created|updated) and question.removed {id, tickerId} when one is answered, dismissed or the questions are made private",
    response: 'QuestionList',
    query: ['status', 'order', 'limit', 'cursor'],
  },
  { method: 'get', path: '/me/questions', summary: "The reader's own questions, newest first, with their state (answered: answeredEntryId; dismissed: dismissReason); ticker= narrows to one ticker", response: 'QuestionList', query: ['ticker', 'limit', 'cursor'], auth: true },
  {
    method: 'post',
    path: '/questions/{id}/votes',
    summary: "Upvote a public, open question (a verified reader, once: the database keeps one vote per reader on every node): 201 when counted, 200 when the reader had voted already (no-op). 403 own_question, 409 question_not_open, 404 for a question the reader cannot see. The streams get the count within about a second",
    response: 'Question',
    status: 201,
    auth: true,
  },
  { method: 'delete', path: '/questions/{id}/votes', summary: "Take the reader's upvote back (none: a no-op, 200)", response: 'Question', auth: true },
  {
    method: 'post',
    path: '/questions/{id}/answer',
    summary:
      'Answer a question (editor): publishes an entry of kind answer carrying the question (its text; the asker\'s display name only with showName) through the entry write path, and marks the question answered; the asker gets inbox.updated on user:<id> when the chat is in their inbox. 409 question_not_open when answered or dismissed already',
    body: 'AnswerQuestionBody',
    response: 'AnsweredQuestion',
    status: 201,
    auth: true,
  },
  { method: 'post', path: '/questions/{id}/dismiss', summary: 'Dismiss a question (editors, moderators): only the asker learns it (their list, with the reason); readers of a public ticker see it leave (question.removed). 409 question_not_open', body: 'DismissQuestionBody', response: 'Question', auth: true },
  { method: 'get', path: '/tickers/{id}/templates', summary: "Entry templates a ticker's desk can use: its own and the newsroom-wide ones, by name (editor)", response: 'EntryTemplateList', auth: true },
  { method: 'get', path: '/templates', summary: "Newsroom-wide entry templates, or with ticker= that ticker's own, by name (editor)", response: 'EntryTemplateList', query: ['ticker'], auth: true },
  { method: 'post', path: '/templates', summary: 'Create an entry template, newsroom-wide or (tickerId) for one ticker; the body is sanitized as an entry body (editor)', body: 'CreateEntryTemplateBody', response: 'EntryTemplate', status: 201, auth: true },
  { method: 'get', path: '/templates/{id}', summary: 'One entry template (editor)', response: 'EntryTemplate', auth: true },
  { method: 'patch', path: '/templates/{id}', summary: 'Change an entry template; a stale version is a 409 (editor)', body: 'PatchEntryTemplateBody', response: 'EntryTemplate', auth: true },
  { method: 'delete', path: '/templates/{id}', summary: 'Delete an entry template (editor)', status: 204, auth: true },
  { method: 'get', path: '/tickers/{id}/changes', summary: 'Changes of the ticker stream after a revision', response: 'ChangesResponse', query: ['since', 'epoch'] },
  { method: 'get', path: '/tickers/{id}/feed.rss', summary: 'RSS 2.0 feed of the newest 50 entries (ETag = stream head; If-None-Match → 304)', mediaType: 'application/rss+xml' },
  { method: 'get', path: '/tickers/{id}/feed.atom', summary: 'Atom feed of the newest 50 entries (ETag = stream head; If-None-Match → 304)', mediaType: 'application/atom+xml' },
  { method: 'get', path: '/tickers/{id}/html', summary: 'The ticker rendered on the server: a page with LiveBlogPosting JSON-LD, feed and oEmbed links, and an older-entries link (no JavaScript needed)', mediaType: 'text/html', query: ['order', 'cursor'] },
  { method: 'get', path: '/tickers/{id}/fragment', summary: 'The same as an HTML fragment for a CMS to include on the server', mediaType: 'text/html', query: ['order', 'cursor'] },
  { method: 'get', path: '/oembed', summary: 'oEmbed (JSON, type rich) for a ticker page URL of this server', query: ['url', 'format', 'maxwidth', 'maxheight'], mediaType: 'application/json' },
  { method: 'get', path: '/tickers/{id}/feed.json', summary: 'JSON Feed 1.1 of the newest 50 entries (ETag = stream head; If-None-Match → 304)', mediaType: 'application/feed+json' },
  { method: 'post', path: '/auth/register', summary: 'Register; the same answer for new and existing addresses', body: 'RegisterBody', response: 'RegisterResponse', status: 202 },
  { method: 'post', path: '/auth/verify', summary: 'Confirm an e-mail address with the mailed token and the password (or a session of the account)', body: 'VerifyBody' },
  { method: 'post', path: '/auth/resend-verification', summary: 'Mail a new verification link', body: 'EmailBody', status: 202 },
  { method: 'post', path: '/auth/login', summary: 'Log in: a session token and the lt_session cookie', body: 'LoginBody', response: 'LoginResponse' },
  {
    method: 'post',
    path: '/auth/first-admin',
    summary: 'A fresh install: the ops key (Bearer) makes the first admin and gets a 1-hour session of it; refused (409) once any admin exists',
    body: 'FirstAdminBody',
    response: 'LoginResponse',
    status: 201,
    auth: true,
  },
  { method: 'post', path: '/auth/logout', summary: 'End this session and its sockets', status: 204, auth: true },
  { method: 'post', path: '/auth/password-reset', summary: 'Mail a reset link (always the same answer)', body: 'EmailBody', status: 202 },
  { method: 'post', path: '/auth/password-reset/confirm', summary: 'Set a new password with the mailed token', body: 'ResetConfirmBody' },
  { method: 'post', path: '/auth/password', summary: 'Change the password; ends every session, returns a new one', body: 'ChangePasswordBody', response: 'LoginResponse', auth: true },
  { method: 'get', path: '/me', summary: 'The logged-in user', response: 'User', auth: true },
  { method: 'patch', path: '/me', summary: 'Change display name or language', body: 'PatchMeBody', response: 'User', auth: true },
  { method: 'get', path: '/me/tokens', summary: 'Personal API tokens (without their secret)', auth: true },
  { method: 'post', path: '/me/tokens', summary: 'Create a personal API token; shown once (editor, moderator, admin)', body: 'CreateApiTokenBody', response: 'CreatedApiToken', status: 201, auth: true },
  { method: 'delete', path: '/me/tokens/{id}', summary: 'Revoke a personal API token', status: 204, auth: true },
  { method: 'get', path: '/me/chats', summary: "The reader's chats, newest activity first, with unread counts and replies to them", query: ['limit', 'cursor'], response: 'InboxList', auth: true },
  { method: 'put', path: '/me/chats/{tickerId}/read', summary: 'Mark a chat read up to a revision of its stream (never backwards; beyond the head is a 400)', body: 'MarkReadBody', response: 'InboxItem', auth: true },
  { method: 'delete', path: '/me/chats/{tickerId}', summary: 'Leave a chat: gone from the inbox until the reader writes there again', status: 204, auth: true },
  { method: 'post', path: '/analytics/events', summary: "A batch of a reader's events from the widget (text/plain or JSON, at most 200 events and 64 KB; counted once per batchId; no cookie, no address kept)", body: 'AnalyticsBatch', status: 204 },
  { method: 'get', path: '/tickers/{id}/analytics', summary: "A ticker's reach: readers online, page views, unique readers, entries, sources, push (editor; CSV with Accept: text/csv)", query: ['from', 'to', 'bucket'], response: 'AnalyticsReport', auth: true },
  { method: 'get', path: '/analytics', summary: "The newsroom's tickers side by side over a range (editor)", query: ['from', 'to'], response: 'AnalyticsOverview', auth: true },
  { method: 'get', path: '/me/blocks', summary: 'The users the reader blocked', response: 'BlockList', auth: true },
  { method: 'put', path: '/me/blocks/{userId}', summary: "Block a reader: their messages no longer count in the reader's inbox (idempotent; staff cannot be blocked)", status: 204, auth: true },
  { method: 'delete', path: '/me/blocks/{userId}', summary: 'Unblock a user (idempotent)', status: 204, auth: true },
  { method: 'get', path: '/users', summary: 'Users, searched by part of the address or name (admin)', query: ['limit', 'cursor', 'role', 'q'], auth: true },
  { method: 'post', path: '/users', summary: 'Create a verified user with a role (admin)', body: 'CreateUserBody', response: 'User', status: 201, auth: true },
  { method: 'patch', path: '/users/{id}', summary: 'Change role, ban, mute (admin)', body: 'PatchUserBody', response: 'User', auth: true },
  { method: 'post', path: '/users/{id}/mute', summary: 'Mute a user for some minutes (moderator)', body: 'MuteBody', response: 'ModeratedUser', auth: true },
  { method: 'post', path: '/users/{id}/ban', summary: 'Ban a user; their sockets are cut off (moderator)', body: 'BanBody', response: 'ModeratedUser', auth: true },
  { method: 'get', path: '/tickers/{id}/messages', summary: 'Chat messages and tombstones, cursor-paged, pinned apart', response: 'MessageList', query: ['order', 'limit', 'cursor'] },
  { method: 'post', path: '/tickers/{id}/messages', summary: 'Post a chat message (verified user); idempotent by clientId', body: 'PostMessageBody', response: 'Message', status: 201, auth: true },
  { method: 'get', path: '/tickers/{id}/messages/changes', summary: 'Changes of the chat stream after a revision', response: 'ChangesResponse', query: ['since', 'epoch'] },
  { method: 'delete', path: '/messages/{id}', summary: 'Delete a message (its author or a moderator)', response: 'Message', auth: true },
  { method: 'patch', path: '/messages/{id}', summary: 'Edit a message (moderator)', body: 'EditMessageBody', response: 'Message', auth: true },
  { method: 'post', path: '/messages/{id}/approve', summary: 'Approve a held message (moderator)', response: 'Message', auth: true },
  { method: 'post', path: '/messages/{id}/reject', summary: 'Reject a held message (moderator)', response: 'Message', auth: true },
  { method: 'post', path: '/messages/{id}/reports', summary: 'Report a message (verified user)', body: 'ReportBody', response: 'Report', status: 201, auth: true },
  { method: 'post', path: '/reports/{id}/resolve', summary: 'Dismiss a report or delete its message (moderator)', body: 'ResolveReportBody', response: 'Report', auth: true },
  { method: 'get', path: '/tickers/{id}/moderation/queue', summary: 'Held messages and open reports (moderator)', auth: true },
  { method: 'get', path: '/tickers/{id}/moderation/log', summary: 'Who did what, when (moderator)', auth: true },
  { method: 'get', path: '/tickers/{id}/chat-settings', summary: 'Room settings (editor, moderator)', response: 'ChatSettings', auth: true },
  { method: 'get', path: '/webhooks', summary: 'Webhook endpoints (admin)', response: 'WebhookList', auth: true },
  { method: 'post', path: '/webhooks', summary: 'Register an endpoint; its signing secret is shown this once (admin)', body: 'CreateWebhookBody', response: 'CreatedWebhook', status: 201, auth: true },
  { method: 'get', path: '/webhooks/{id}', summary: 'One endpoint and its delivery state (admin)', response: 'Webhook', auth: true },
  { method: 'patch', path: '/webhooks/{id}', summary: 'Change an endpoint, or turn it on again (admin)', body: 'PatchWebhookBody', response: 'Webhook', auth: true },
  { method: 'delete', path: '/webhooks/{id}', summary: 'Remove an endpoint (admin)', status: 204, auth: true },
  { method: 'get', path: '/webhooks/{id}/deliveries', summary: 'Delivery attempts, newest first (admin)', response: 'WebhookDeliveryList', query: ['limit', 'cursor'], auth: true },
  { method: 'post', path: '/webhooks/{id}/replay', summary: 'Deliver again from a revision (admin)', body: 'ReplayWebhookBody', response: 'Webhook', status: 202, auth: true },
  { method: 'get', path: '/push/public-key', summary: "The server's VAPID public key (base64url), for PushManager.subscribe" , response: 'PushPublicKey' },
  { method: 'post', path: '/tickers/{id}/followers', summary: 'Follow a ticker with Web Push (no account needed); the secret is shown this once; the same endpoint again updates its follow (200)', body: 'FollowBody', response: 'CreatedFollow', status: 201 },
  { method: 'patch', path: '/followers/{id}', summary: 'Change a follow (Authorization: Follower <secret>, or the session of the reader who made it)', body: 'PatchFollowBody', response: 'Follow' },
  { method: 'delete', path: '/followers/{id}', summary: 'End a follow (Authorization: Follower <secret>, or the session of the reader who made it)', status: 204 },
  { method: 'get', path: '/me/follows', summary: "The logged-in reader's follows", response: 'FollowList', auth: true },
  { method: 'get', path: '/tickers/{id}/followers/count', summary: 'How many devices follow a ticker, by topics (editor)', response: 'FollowerCount', auth: true },
  { method: 'post', path: '/tickers/{id}/pushes', summary: 'Send a manual push ("Breaking: …") once to every follow of a ticker, both topics, Urgency high (editor; a few per ticker every 10 min); the same clientId again makes no second push (200)', body: 'ManualPushBody', response: 'ManualPush', status: 201, auth: true },
  { method: 'patch', path: '/tickers/{id}/chat-settings', summary: 'Change room settings (editor, moderator)', body: 'PatchChatSettingsBody', response: 'ChatSettings', auth: true },
];

export function toJsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** The OpenAPI 3.1 document of the REST API. */
export function openApiDocument(serverUrl = '/api/v1'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [
      ...[...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...(r.query ?? []).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
    ];
    const op: Record<string, unknown> = {
      summary: r.summary,
      parameters: params,
      responses: {
        [String(r.status ?? 200)]: {
          description: 'OK',
          content: r.response
            ? { 'application/json': { schema: { $ref: `#/components/schemas/${r.response}` } } }
            : r.mediaType
              ? { [r.mediaType]: { schema: { type: 'string' } } }
              : undefined,
        },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } },
      },
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.body}` } } } };
    if (r.auth) op.security = [{ bearer: [] }, { cookie: [] }];
    (paths[r.path] ??= {})[r.method] = op;
  }
  const schemas = Object.fromEntries(Object.entries(NAMED_SCHEMAS).map(([name, s]) => [name, toJsonSchema(s)]));
  return {
    openapi: '3.1.0',
    info: { title: 'liveticker', version: '1.0.0', description: 'Live newsticker and chat API' },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'lt_session' },
      },
    },
  };
}
