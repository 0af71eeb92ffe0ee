import { z } from 'zod';
import { Author, Id, IsoDate, Slug, hasVisibleText, stripControls } from './common';

/** Code points a message may have after cleaning. */
export const MAX_MESSAGE_LENGTH = 500;

/**
 * Chat text: plain text (never rendered as HTML), control and bidi-override characters removed,
 * trimmed, 1–500 code points. Counted in code points so an emoji counts once.
 */
export const MessageText = z
  .string()
  .max(MAX_MESSAGE_LENGTH * 4, `at most ${MAX_MESSAGE_LENGTH} characters`)
  .transform((v) => stripControls(v.normalize('NFC')).trim())
  .pipe(
    z
      .string()
      .min(1, 'the message is empty')
      .refine(hasVisibleText, 'the message is empty (only invisible characters)')
      .refine((v) => [...v].length <= MAX_MESSAGE_LENGTH, `at most ${MAX_MESSAGE_LENGTH} characters`),
  );

export const MessageStatus = z.enum(['visible', 'pending', 'rejected', 'deleted']);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const Message = z.object({
  id: z.string(),
  tickerId: z.string(),
  /** Position in the chat: the chat stream revision at which it became visible (0 while held). */
  seq: z.number().int(),
  rev: z.number().int(),
  author: Author,
  body: z.string(),
  replyTo: z.string().nullable(),
  status: MessageStatus,
  pinned: z.boolean(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  deletedAt: IsoDate.nullable(),
  /** Only on the moderation stream: why it was held. */
  holdReason: z.enum(['premoderation', 'watch_word']).nullable().optional(),
});
export type Message = z.infer<typeof Message>;

/** A unique key per message chosen by the sender: a retry with the same one never posts twice. */
export const ClientId = z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -');

export const ChatSendCmd = z.strictObject({
  tickerId: Slug,
  body: MessageText,
  replyTo: Id.optional(),
  clientId: ClientId,
});
export type ChatSendCmd = z.infer<typeof ChatSendCmd>;

export const PostMessageBody = ChatSendCmd.omit({ tickerId: true });

export const EditMessageBody = z.strictObject({ body: MessageText });

export const MessageList = z.object({
  items: z.array(Message),
  pinned: z.array(Message),
  nextCursor: z.string().nullable(),
});
export type MessageList = z.infer<typeof MessageList>;

export const ReportBody = z.strictObject({
  reason: z.enum(['spam', 'abuse', 'hate', 'misinformation', 'other']),
  note: z.string().max(500).transform((v) => stripControls(v).trim()).optional(),
});

export const Report = z.object({
  id: z.string(),
  messageId: z.string(),
  tickerId: z.string(),
  reporter: Author,
  reason: z.string(),
  note: z.string().nullable(),
  createdAt: IsoDate,
  resolvedAt: IsoDate.nullable(),
  resolution: z.enum(['dismissed', 'deleted']).nullable(),
  rev: z.number().int(),
});
export type Report = z.infer<typeof Report>;

export const ResolveReportBody = z.strictObject({ action: z.enum(['dismiss', 'delete']) });

const Words = z.array(z.string().trim().min(1).max(60).transform((w) => w.toLowerCase())).max(500);

/** Room settings; editors and moderators change them. Banned words reject, watch words hold. */
export const ChatSettings = z.object({
  mode: z.enum(['open', 'premoderated', 'closed']),
  slowModeSeconds: z.number().int().min(0).max(3600),
  /** Per user, across nodes: `burst` messages per 10 s and `perMinute` sustained. */
  rateLimit: z.object({ burst: z.number().int().min(1).max(1000), perMinute: z.number().int().min(1).max(6000) }),
  /** The same text by the same user within this many seconds is refused (0 = off). */
  duplicateWindowSeconds: z.number().int().min(0).max(86_400),
  bannedWords: Words,
  watchWords: Words,
  pinnedMessageId: z.string().nullable(),
});
export type ChatSettings = z.infer<typeof ChatSettings>;

export const PatchChatSettingsBody = z
  .strictObject({
    mode: ChatSettings.shape.mode.optional(),
    slowModeSeconds: ChatSettings.shape.slowModeSeconds.optional(),
    rateLimit: ChatSettings.shape.rateLimit.optional(),
    duplicateWindowSeconds: ChatSettings.shape.duplicateWindowSeconds.optional(),
    bannedWords: Words.optional(),
    watchWords: Words.optional(),
    pinnedMessageId: Id.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

/** `tickerId`: the room the moderator acted from (a message there); the action goes into its log. */
export const MuteBody = z.strictObject({
  minutes: z.number().int().min(1).max(60 * 24 * 365),
  reason: z.string().max(300).optional(),
  tickerId: Slug.optional(),
});
export const BanBody = z.strictObject({ reason: z.string().max(300).optional(), tickerId: Slug.optional() });

export const ModerationAction = z.object({
  id: z.string(),
  tickerId: z.string().nullable(),
  actor: Author,
  action: z.string(),
  targetType: z.enum(['message', 'user', 'report', 'room']),
  targetId: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
  createdAt: IsoDate,
});
export type ModerationAction = z.infer<typeof ModerationAction>;
