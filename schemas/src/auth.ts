import { z } from 'zod';
import { HttpUrl, IsoDate, Locale } from './common';

/** Lower-cased, trimmed, NFC; one account per address. */
export const Email = z
  .string()
  .trim()
  .max(254)
  .transform((v) => v.normalize('NFC').toLowerCase())
  .pipe(z.email({ message: 'not a valid e-mail address' }));

/** 8–128 characters; never trimmed (spaces are allowed and count). */
export const Password = z.string().min(8, 'at least 8 characters').max(128, 'at most 128 characters');

// Control characters, bidi overrides/isolates, zero-width and other invisible formatting.
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/;

export const DisplayName = z
  .string()
  .transform((v) => v.normalize('NFC').trim().replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(2, 'at least 2 characters')
      .max(40, 'at most 40 characters')
      .refine((v) => !INVISIBLE.test(v), 'no control, invisible or text-direction characters'),
  );

export const Role = z.enum(['reader', 'editor', 'moderator', 'admin']);
export type Role = z.infer<typeof Role>;

/**
 * The article page the reader came from: the mailed page links back to it. Only pages of this
 * server or of a `CORS_ORIGINS` site are taken (a mail of ours never leads elsewhere).
 */
export const ReturnTo = HttpUrl;

export const RegisterBody = z.strictObject({
  email: Email,
  password: Password,
  displayName: DisplayName,
  locale: Locale.default('de'),
  returnTo: ReturnTo.optional(),
});
export const RegisterResponse = z.object({ email: z.string(), message: z.string() });

export const TokenBody = z.strictObject({ token: z.string().min(20).max(200) });

/**
 * Confirming an address: the mailed token, and the password chosen at registration unless the
 * request carries a session of that account. Both together prove that whoever registered also
 * holds the mailbox: an address registered by someone else cannot be confirmed by its owner's
 * click for an account whose password a stranger chose.
 */
export const VerifyBody = z.strictObject({ token: z.string().min(20).max(200), password: z.string().min(1).max(128).optional() });
export const EmailBody = z.strictObject({ email: Email, returnTo: ReturnTo.optional() });
export const LoginBody = z.strictObject({ email: Email, password: z.string().min(1).max(128) });
export const ResetConfirmBody = z.strictObject({ token: z.string().min(20).max(200), password: Password });
export const ChangePasswordBody = z.strictObject({ currentPassword: z.string().min(1).max(128), newPassword: Password });
/**
 * A fresh install's first admin, made with the ops key (`POST /auth/first-admin`): the console
 * exchanges the key once for this account's session and never keeps the key.
 */
export const FirstAdminBody = z.strictObject({ email: Email, displayName: DisplayName, password: Password });

export const User = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: Role,
  locale: Locale,
  emailVerifiedAt: IsoDate.nullable(),
  mutedUntil: IsoDate.nullable(),
  bannedAt: IsoDate.nullable(),
  createdAt: IsoDate,
});
export type User = z.infer<typeof User>;

/**
 * What a moderator learns of a user they muted or banned: the public profile (the name and role
 * chat readers see beside a message) and the moderation state just set. Never the address: author
 * ids are in every public message, so an answer with one would let a moderator collect readers'
 * addresses by muting them in turn. Only admins see addresses (`GET /users`).
 */
export const ModeratedUser = User.pick({ id: true, displayName: true, role: true, mutedUntil: true, bannedAt: true });
export type ModeratedUser = z.infer<typeof ModeratedUser>;

export const LoginResponse = z.object({ token: z.string(), expiresAt: IsoDate, user: User });

export const PatchMeBody = z
  .strictObject({ displayName: DisplayName.optional(), locale: Locale.optional() })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

/** Admin changes to a user. `mutedUntil` null unmutes; `banned` false lifts a ban. */
export const PatchUserBody = z
  .strictObject({
    role: Role.optional(),
    banned: z.boolean().optional(),
    mutedUntil: IsoDate.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

/**
 * What an API token may be limited to. `cards`: only the card routes of tickers
 * (`GET|PUT|DELETE /tickers/:id/cards…`), for a data feed; refused everywhere else, sockets too.
 */
export const TOKEN_SCOPES = ['cards'] as const;
export const TokenScope = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof TokenScope>;

export const CreateApiTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  /** Days until it expires; absent = until revoked. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
  /** Absent or empty: the owner's rights everywhere. */
  scopes: z.array(TokenScope).max(TOKEN_SCOPES.length).refine((s) => new Set(s).size === s.length, 'each scope once').optional(),
});
export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: IsoDate,
  expiresAt: IsoDate.nullable(),
  lastUsedAt: IsoDate.nullable(),
  /** Empty: not limited. */
  scopes: z.array(TokenScope),
});
export const CreatedApiToken = ApiToken.extend({ token: z.string() });

/** Admin: create a user directly (moderators, editors), verified. */
export const CreateUserBody = z.strictObject({
  email: Email,
  password: Password,
  displayName: DisplayName,
  role: Role.default('reader'),
});
