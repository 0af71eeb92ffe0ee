import { Router } from 'express';
import type { Request, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import type { AppContext } from '../context';
import { idParam, tickerIdParam } from '../http/params';
import { limitKey } from '../http/client-ip';
import { castVote, closePoll, myVote } from './polls.service';
import { DEVICE_COOKIE, deviceSecret, deviceSigner } from './device';
import type { DeviceSigner } from './device';

/** A device cookie lasts a year (a reader's browser keeps its vote that long). */
const DEVICE_COOKIE_MS = 365 * 24 * 3600_000;

export function pollsRouter(ctx: AppContext): Router {
  const r = Router();
  let signer: Promise<DeviceSigner> | undefined;
  const devices = () =>
    (signer ??= ctx.push.keys().then((keys) => deviceSigner(deviceSecret(ctx.config.polls.deviceSecret, keys.privateKey))));
  const deviceOf = async (req: Request) => (await devices()).verify(parseCookies(req.get('cookie') ?? '')[DEVICE_COOKIE]);
  const setDevice = async (res: Response, id: string) => {
    // First-party, HttpOnly (no script reads it), only sent to the API; Lax: never on another site's form post.
    res.cookie(DEVICE_COOKIE, (await devices()).sign(id), {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.config.publicUrl.startsWith('https:'),
      path: '/api/v1/tickers',
      maxAge: DEVICE_COOKIE_MS,
    });
  };

  r.post('/tickers/:id/entries/:entryId/votes', async (req, res) => {
    const tickerId = tickerIdParam(req.params.id);
    const entryId = idParam(req.params.entryId, 'entry');
    const out = await castVote(ctx, tickerId, entryId, req.body, { actor: req.actor, deviceId: await deviceOf(req), ipKey: limitKey(req.ip) });
    if (out.newDevice) await setDevice(res, out.newDevice);
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(out.state);
  });
  r.get('/tickers/:id/entries/:entryId/votes', async (req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await myVote(ctx, tickerIdParam(req.params.id), idParam(req.params.entryId, 'entry'), { actor: req.actor, deviceId: await deviceOf(req) }));
  });
  r.post('/tickers/:id/entries/:entryId/close', async (req, res) => {
    res.json(await closePoll(ctx, req.actor, tickerIdParam(req.params.id), idParam(req.params.entryId, 'entry')));
  });
  return r;
}
