import { Router } from 'express';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { idParam, tickerIdParam } from '../http/params';
import { changesRoute } from '../http/changes';
import { deleteMessage, editMessage, listMessagesPage, sendMessage } from './chat.service';
import {
  approveMessage,
  banUser,
  moderationLog,
  moderationQueue,
  muteUser,
  rejectMessage,
  reportMessage,
  resolveReport,
} from './moderation.service';
import { getChatSettings, patchChatSettings } from './settings';

export function chatRouter(ctx: AppContext): Router {
  const r = Router();
  const msgId = (v: unknown) => idParam(v, 'message');

  r.get('/tickers/:id/messages', async (req, res) => {
    res.json(await listMessagesPage(ctx, tickerIdParam(req.params.id), req.query));
  });
  r.post('/tickers/:id/messages', async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('validation_failed', 'the body must be a JSON object');
    res.status(201).json(await sendMessage(ctx, req.actor, { ...body, tickerId: tickerIdParam(req.params.id) }));
  });
  r.get('/tickers/:id/messages/changes', changesRoute(ctx, 'chat'));
  r.delete('/messages/:id', async (req, res) => {
    res.json(await deleteMessage(ctx, req.actor, msgId(req.params.id)));
  });
  r.patch('/messages/:id', async (req, res) => {
    res.json(await editMessage(ctx, req.actor, msgId(req.params.id), req.body));
  });
  r.post('/messages/:id/approve', async (req, res) => {
    res.json(await approveMessage(ctx, req.actor, msgId(req.params.id)));
  });
  r.post('/messages/:id/reject', async (req, res) => {
    res.json(await rejectMessage(ctx, req.actor, msgId(req.params.id)));
  });
  r.post('/messages/:id/reports', async (req, res) => {
    res.status(201).json(await reportMessage(ctx, req.actor, msgId(req.params.id), req.body));
  });
  r.post('/reports/:id/resolve', async (req, res) => {
    res.json(await resolveReport(ctx, req.actor, idParam(req.params.id, 'report'), req.body));
  });

  r.get('/tickers/:id/moderation/queue', async (req, res) => {
    res.json(await moderationQueue(ctx, req.actor, tickerIdParam(req.params.id)));
  });
  r.get('/tickers/:id/moderation/log', async (req, res) => {
    res.json(await moderationLog(ctx, req.actor, tickerIdParam(req.params.id)));
  });
  r.get('/tickers/:id/chat-settings', async (req, res) => {
    res.json(await getChatSettings(ctx, req.actor, tickerIdParam(req.params.id)));
  });
  r.patch('/tickers/:id/chat-settings', async (req, res) => {
    res.json(await patchChatSettings(ctx, req.actor, tickerIdParam(req.params.id), req.body));
  });

  r.post('/users/:id/mute', async (req, res) => {
    res.json(await muteUser(ctx, req.actor, idParam(req.params.id, 'user'), req.body));
  });
  r.post('/users/:id/ban', async (req, res) => {
    res.json(await banUser(ctx, req.actor, idParam(req.params.id, 'user'), req.body));
  });
  return r;
}
