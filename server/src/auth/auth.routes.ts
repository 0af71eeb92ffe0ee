import { Router } from 'express';
import type { Response } from 'express';
import type { AppContext } from '../context';
import { idParam } from '../http/params';
import { SESSION_COOKIE } from '../http/actor';
import { limitKey } from '../http/client-ip';
import {
  changePassword,
  confirmPasswordReset,
  login,
  logout,
  register,
  requestPasswordReset,
  resendVerification,
  verifyEmail,
} from './auth.service';
import type { LoginResult } from './auth.service';
import { createFirstAdmin } from './bootstrap';
import { createUser, createApiToken, listApiTokens, listUsers, me, patchMe, patchUser, revokeApiToken } from './users.service';

function setSessionCookie(ctx: AppContext, res: Response, result: LoginResult): void {
  res.cookie(SESSION_COOKIE, result.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.publicUrl.startsWith('https:'),
    path: '/',
    expires: result.expiresAt ? new Date(result.expiresAt) : undefined,
  });
}

export function authRouter(ctx: AppContext): Router {
  const r = Router();
  const ip = (req: { ip?: string }) => limitKey(req.ip);

  r.post('/auth/register', async (req, res) => {
    res.status(202).json(await register(ctx, req.body, ip(req)));
  });
  r.post('/auth/verify', async (req, res) => {
    res.json({ verified: true, user: await verifyEmail(ctx, req.body, req.actor) });
  });
  r.post('/auth/resend-verification', async (req, res) => {
    res.status(202).json(await resendVerification(ctx, req.body));
  });
  r.post('/auth/login', async (req, res) => {
    const result = await login(ctx, req.body, ip(req));
    setSessionCookie(ctx, res, result);
    res.json(result);
  });
  // The ops key's one browser use: it makes the first admin and is swapped for that account's session.
  r.post('/auth/first-admin', async (req, res) => {
    const result = await createFirstAdmin(ctx, req.actor, req.body);
    setSessionCookie(ctx, res, result);
    res.status(201).json(result);
  });
  r.post('/auth/logout', async (req, res) => {
    await logout(ctx, req.actor);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });
  r.post('/auth/password-reset', async (req, res) => {
    res.status(202).json(await requestPasswordReset(ctx, req.body, ip(req)));
  });
  r.post('/auth/password-reset/confirm', async (req, res) => {
    res.json(await confirmPasswordReset(ctx, req.body));
  });
  r.post('/auth/password', async (req, res) => {
    const result = await changePassword(ctx, req.actor, req.body);
    setSessionCookie(ctx, res, result);
    res.json(result);
  });

  r.get('/me', async (req, res) => {
    res.json(await me(ctx, req.actor));
  });
  r.patch('/me', async (req, res) => {
    res.json(await patchMe(ctx, req.actor, req.body));
  });
  r.get('/me/tokens', async (req, res) => {
    res.json(await listApiTokens(ctx, req.actor));
  });
  r.post('/me/tokens', async (req, res) => {
    res.status(201).json(await createApiToken(ctx, req.actor, req.body));
  });
  r.delete('/me/tokens/:id', async (req, res) => {
    await revokeApiToken(ctx, req.actor, idParam(req.params.id, 'token'));
    res.status(204).end();
  });

  r.post('/users', async (req, res) => {
    res.status(201).json(await createUser(ctx, req.actor, req.body));
  });
  r.get('/users', async (req, res) => {
    res.json(await listUsers(ctx, req.actor, req.query));
  });
  r.patch('/users/:id', async (req, res) => {
    res.json(await patchUser(ctx, req.actor, idParam(req.params.id, 'user'), req.body));
  });
  return r;
}
