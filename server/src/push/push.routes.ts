import { Router } from 'express';
import type { AppContext } from '../context';
import { limitKey } from '../http/client-ip';
import { idParam, tickerIdParam } from '../http/params';
import { follow, followerSecret, myFollows, patchFollow, unfollow } from './push.service';
import { followerCount, sendManualPush } from './manual.service';

/** Web Push: the server's public key, following a ticker from a device, and ending it; the console's follower count and manual push. */
export function pushRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/push/public-key', async (_req, res) => {
    res.json({ publicKey: (await ctx.push.keys()).publicKey });
  });
  r.post('/tickers/:id/followers', async (req, res) => {
    const made = await follow(ctx, req.actor, tickerIdParam(req.params.id), req.body, limitKey(req.ip));
    res.status(made.created ? 201 : 200).json(made.follow);
  });
  // The console: how many follow, and a manual push to all of them (editors).
  r.get('/tickers/:id/followers/count', async (req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await followerCount(ctx, req.actor, tickerIdParam(req.params.id)));
  });
  r.post('/tickers/:id/pushes', async (req, res) => {
    const made = await sendManualPush(ctx, req.actor, tickerIdParam(req.params.id), req.body);
    res.status(made.created ? 201 : 200).json(made.push);
  });
  r.patch('/followers/:id', async (req, res) => {
    res.json(await patchFollow(ctx, req.actor, idParam(req.params.id, 'follow'), followerSecret(req.get('authorization')), req.body));
  });
  r.delete('/followers/:id', async (req, res) => {
    await unfollow(ctx, req.actor, idParam(req.params.id, 'follow'), followerSecret(req.get('authorization')));
    res.status(204).end();
  });
  r.get('/me/follows', async (req, res) => {
    res.json(await myFollows(ctx, req.actor));
  });
  return r;
}
