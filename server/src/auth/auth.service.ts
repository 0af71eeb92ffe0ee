import {
  ChangePasswordBody,
  EmailBody,
  LoginBody,
  RegisterBody,
  ResetConfirmBody,
  VerifyBody,
} from '@liveticker/schemas';
import type { Locale, User } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { UsersTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { mailFor } from '../mail/templates';
import type { Actor } from './actor';
import { consumeEmailToken, issueEmailToken, peekEmailToken } from './email-tokens';
import { checkReaderName } from './names';
import { checkReturnTo } from './return-to';
import { hashPassword, needsRehash, verifyPassword } from './passwords';
import { createSession, revokeSessions } from './sessions';
import { findUserByEmail, findUserById, insertUser, markEmailVerified, toUser, updateUser } from './users.repo';

export type AuthCtx = Pick<AppContext, 'db' | 'config' | 'logger' | 'mailer' | 'limiters' | 'endSessions' | 'sessionsChanged'>;

export interface LoginResult {
  token: string;
  expiresAt: string | null;
  user: User;
}

const dummyHashes = new Map<number, Promise<string>>();
/**
 * A hash to verify against when the account does not exist, so both paths cost the same.
 * Made once per cost setting; `createServer` warms it up so the first such login is not faster.
 */
export function dummyHash(ctx: Pick<AuthCtx, 'config'>): Promise<string> {
  const { logN } = ctx.config.scrypt;
  let hash = dummyHashes.get(logN);
  if (!hash) dummyHashes.set(logN, (hash = hashPassword('not-a-real-password', ctx.config.scrypt)));
  return hash;
}

/** Mails go out after the answer, so SMTP latency never tells whether an address exists. */
function sendLater(ctx: AuthCtx, make: () => Promise<Parameters<AppContext['mailer']['send']>[0] | undefined>): void {
  void make()
    .then((mail) => mail && ctx.mailer.send(mail))
    .catch((err: unknown) => ctx.logger.error({ err, module: 'auth' }, 'sending mail failed'));
}

/** The page a mail opens: in the reader's language, with the way back to the article they came from. */
function link(ctx: AuthCtx, page: string, token: string, lang: string, returnTo?: string): string {
  const q = new URLSearchParams({ token, lang });
  if (returnTo) q.set('return', returnTo);
  return `${ctx.config.publicUrl}/${page}?${q}`;
}

const PAGES = { verify: 'verify-email', reset: 'reset-password' } as const;

/** Mails a fresh verification or reset link to the account of `email`, if it has one and `wanted` agrees. */
function mailTokenLater(ctx: AuthCtx, email: string, purpose: 'verify' | 'reset', wanted: (user: UsersTable) => boolean, returnTo?: string): void {
  sendLater(ctx, async () => {
    const user = await findUserByEmail(ctx.db, email);
    if (!user || !wanted(user)) return undefined;
    const token = await issueEmailToken(ctx.db, user.id, user.email, purpose);
    return mailFor(purpose, user.locale as Locale, user.email, user.display_name, link(ctx, PAGES[purpose], token, user.locale, returnTo));
  });
}

/** The same answer for a new and an existing address. */
function registered(email: string) {
  return { email, message: `Registration successful! Please click the link in the e-mail sent to ${email}` };
}

export async function register(ctx: AuthCtx, body: unknown, ip: string) {
  const input = parseInput(RegisterBody, body, 'registration');
  const returnTo = checkReturnTo(ctx.config, input.returnTo);
  await ctx.limiters.consume('registerIp', ip);
  await checkReaderName(ctx.db, input.displayName);
  const passwordHash = await hashPassword(input.password, ctx.config.scrypt);
  const existing = await findUserByEmail(ctx.db, input.email);
  if (existing) {
    // Tell the owner instead of the caller; at most a few such mails per hour.
    sendLater(ctx, async () => {
      await ctx.limiters.consume('alreadyRegisteredAddress', existing.email);
      const token = await issueEmailToken(ctx.db, existing.id, existing.email, 'reset');
      return mailFor('already-registered', existing.locale as Locale, existing.email, existing.display_name, link(ctx, 'reset-password', token, existing.locale, returnTo));
    });
    return registered(input.email);
  }
  let id: string;
  try {
    ({ id } = await insertUser(ctx.db, { email: input.email, displayName: input.displayName, role: 'reader', locale: input.locale, passwordHash, verified: false }));
  } catch (err) {
    // A concurrent registration of the same address won the unique index: same answer.
    if (await findUserByEmail(ctx.db, input.email)) return registered(input.email);
    throw err;
  }
  sendLater(ctx, async () => {
    const token = await issueEmailToken(ctx.db, id, input.email, 'verify');
    return mailFor('verify', input.locale, input.email, input.displayName, link(ctx, 'verify-email', token, input.locale, returnTo));
  });
  return registered(input.email);
}

/**
 * Confirms an address with the mailed token and the password chosen at registration (or from a
 * session of the account): the mailbox and the account must be in the same hands. Someone who
 * registers another person's address cannot get it confirmed by that person's click, since the
 * owner does not know the stranger's password (the page offers a password reset instead).
 * Sessions made before the confirmation end, except the one sending it.
 */
export async function verifyEmail(ctx: AuthCtx, body: unknown, actor?: Actor): Promise<User> {
  const { token, password } = parseInput(VerifyBody, body, 'confirmation');
  const { userId } = await peekEmailToken(ctx.db, token, 'verify');
  if (actor?.id !== userId) {
    if (password === undefined) {
      throw new AppError('validation_failed', 'enter the password you chose when registering', [{ path: 'password', message: 'required to confirm the address' }]);
    }
    // Counted before the check, like a login: the link is no password oracle.
    await ctx.limiters.consume('passwordChange', `verify:${userId}`);
    const user = await findUserById(ctx.db, userId);
    if (!user || !(await verifyPassword(password, user.password_hash))) {
      throw new AppError('invalid_credentials', 'this is not the password this account was registered with');
    }
  }
  await consumeEmailToken(ctx.db, token, 'verify');
  if (await markEmailVerified(ctx.db, userId, new Date().toISOString())) {
    const keep = actor?.id === userId ? actor.sessionId : undefined;
    const ended = await revokeSessions(ctx.db, userId, { exceptId: keep });
    if (ended.length) ctx.endSessions(userId, ended, 'verified_elsewhere');
  }
  // An open socket of this user's own session may post now, without a reload.
  ctx.sessionsChanged(userId);
  return toUser((await findUserById(ctx.db, userId))!);
}

export async function resendVerification(ctx: AuthCtx, body: unknown) {
  const { email, returnTo } = parseInput(EmailBody, body, 'address');
  checkReturnTo(ctx.config, returnTo);
  await ctx.limiters.consume('resendAddress', email);
  mailTokenLater(ctx, email, 'verify', (user) => !user.email_verified_at, returnTo);
  return { email, message: `If the address needs confirming, a new link was sent to ${email}` };
}

/**
 * Logs in. Failures count per address, per account-and-address pair, and per account; only the
 * first two block outright, so a wrong password typed for an editor from elsewhere never keeps
 * the editor out. The account-wide count closes the account to unknown addresses only, after a
 * guessing run far beyond any human's (see LIMITS).
 */
export async function login(ctx: AuthCtx, body: unknown, ip: string): Promise<LoginResult> {
  const input = parseInput(LoginBody, body, 'login');
  const pair = `${input.email}|${ip}`;
  // Every attempt is counted before its password is checked, so a burst of parallel guesses is
  // limited like a sequence of them; a successful login gives its count back.
  await ctx.limiters.consume('loginIp', ip);
  try {
    await ctx.limiters.consume('loginPair', pair);
    if ((await ctx.limiters.exhausted('loginAccount', input.email)) && !(await ctx.limiters.seen('loginKnown', pair))) {
      await ctx.limiters.check('loginAccount', input.email);
    }
  } catch (err) {
    await ctx.limiters.reward('loginIp', ip).catch(() => undefined);
    throw err;
  }
  await ctx.limiters.consume('loginAccount', input.email).catch(() => undefined);
  const user = await findUserByEmail(ctx.db, input.email);
  const ok = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash(ctx)));
  if (!user || !ok) throw new AppError('invalid_credentials', 'the e-mail address or the password is wrong');
  if (user.banned_at) throw new AppError('banned', 'this account is banned');
  await ctx.limiters.reward('loginIp', ip).catch(() => undefined);
  await ctx.limiters.reward('loginAccount', input.email).catch(() => undefined);
  await ctx.limiters.reset('loginPair', pair);
  // Known from now on, for the next 14 days (a new window from this login).
  await ctx.limiters.reset('loginKnown', pair).catch(() => undefined);
  await ctx.limiters.consume('loginKnown', pair).catch(() => undefined);
  if (needsRehash(user.password_hash, ctx.config.scrypt)) {
    const rehashed = await hashPassword(input.password, ctx.config.scrypt);
    await updateUser(ctx.db, user.id, { password_hash: rehashed });
  }
  const session = await createSession(ctx.db, user.id, { kind: 'session', ttlMs: ctx.config.sessionTtlMs });
  return { token: session.token, expiresAt: session.expiresAt, user: toUser(user) };
}

export async function logout(ctx: AuthCtx, actor: Actor | undefined): Promise<void> {
  if (!actor?.sessionId) return;
  await revokeSessions(ctx.db, actor.id, { id: actor.sessionId });
  ctx.endSessions(actor.id, [actor.sessionId], 'logout');
}

export async function requestPasswordReset(ctx: AuthCtx, body: unknown, ip: string) {
  const { email, returnTo } = parseInput(EmailBody, body, 'address');
  checkReturnTo(ctx.config, returnTo);
  await ctx.limiters.consume('resetIp', ip);
  await ctx.limiters.consume('resetAddress', email);
  mailTokenLater(ctx, email, 'reset', (user) => !user.banned_at, returnTo);
  return { email, message: `If an account uses ${email}, a link to reset its password was sent there` };
}

async function setPassword(ctx: AuthCtx, userId: string, password: string, extra: { verify?: boolean } = {}): Promise<void> {
  const hash = await hashPassword(password, ctx.config.scrypt);
  const now = new Date().toISOString();
  await updateUser(ctx.db, userId, { password_hash: hash, updated_at: now, ...(extra.verify ? { email_verified_at: now } : {}) });
  // A new password ends every session and API token: whoever knew the old one is out.
  const ended = await revokeSessions(ctx.db, userId);
  ctx.endSessions(userId, ended, 'password_changed');
}

export async function confirmPasswordReset(ctx: AuthCtx, body: unknown): Promise<{ ok: true }> {
  const input = parseInput(ResetConfirmBody, body, 'reset');
  const { userId } = await consumeEmailToken(ctx.db, input.token, 'reset');
  // The mailed link proves control of the address, so it also counts as verification.
  const user = await findUserById(ctx.db, userId);
  await setPassword(ctx, userId, input.password, { verify: !user?.email_verified_at });
  return { ok: true };
}

export async function changePassword(ctx: AuthCtx, actor: Actor | undefined, body: unknown): Promise<LoginResult> {
  if (!actor?.sessionId) throw new AppError('login_required', 'log in to change your password');
  const input = parseInput(ChangePasswordBody, body, 'password change');
  // A stolen reader session must not turn into a password oracle (nor load every core with
  // scrypt): counted before the check, so parallel guesses count too.
  await ctx.limiters.consume('passwordChange', actor.id);
  const user = await findUserById(ctx.db, actor.id);
  if (!user || !(await verifyPassword(input.currentPassword, user.password_hash))) {
    throw new AppError('invalid_credentials', 'the current password is wrong');
  }
  await ctx.limiters.reset('passwordChange', actor.id);
  await setPassword(ctx, user.id, input.newPassword);
  const session = await createSession(ctx.db, user.id, { kind: 'session', ttlMs: ctx.config.sessionTtlMs });
  return { token: session.token, expiresAt: session.expiresAt, user: toUser(user) };
}
