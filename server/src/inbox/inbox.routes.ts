import { Router } from 'express';
import type { AppContext } from '../context';
import { tickerIdParam } from '../http/params';
import { idParam } from '../http/params';
import { block, listBlocks, unblock } from './blocks.service';
import { leaveChat, listInbox, markRead } from './inbox.service';

/**
 * The reader's "Chats": `GET /me/chats`, `PUT /me/chats/:tickerId/read`, `DELETE /me/chats/:tickerId`;
 * and the users they blocked: `GET /me/blocks`, `PUT|DELETE /me/blocks/:userId`.
 */
export function inboxRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/me/chats', async (req, res) => {
    res.json(await listInbox(ctx, req.actor, req.query));
  });
  r.put('/me/chats/:tickerId/read', async (req, res) => {
    res.json(await markRead(ctx, req.actor, tickerIdParam(req.params.tickerId), req.body));
  });
  r.delete('/me/chats/:tickerId', async (req, res) => {
    await leaveChat(ctx, req.actor, tickerIdParam(req.params.tickerId));
    res.status(204).end();
  });
  r.get('/me/blocks', async (req, res) => {
    res.json(await listBlocks(ctx, req.actor));
  });
  r.put('/me/blocks/:userId', async (req, res) => {
    await block(ctx, req.actor, idParam(req.params.userId, 'user'));
    res.status(204).end();
  });
  r.delete('/me/blocks/:userId', async (req, res) => {
    await unblock(ctx, req.actor, idParam(req.params.userId, 'user'));
    res.status(204).end();
  });
  return r;
}
