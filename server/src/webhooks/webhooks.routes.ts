import { Router } from 'express';
import type { AppContext } from '../context';
import { idParam } from '../http/params';
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, patchWebhook, replayWebhook } from './webhooks.service';

/** `/webhooks`: endpoints other systems register to be told of changes (admins only). */
export function webhooksRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/webhooks', async (req, res) => {
    res.json(await listWebhooks(ctx, req.actor));
  });
  r.post('/webhooks', async (req, res) => {
    res.status(201).json(await createWebhook(ctx, req.actor, req.body));
  });
  r.get('/webhooks/:id', async (req, res) => {
    res.json(await getWebhook(ctx, req.actor, idParam(req.params.id, 'webhook')));
  });
  r.patch('/webhooks/:id', async (req, res) => {
    res.json(await patchWebhook(ctx, req.actor, idParam(req.params.id, 'webhook'), req.body));
  });
  r.delete('/webhooks/:id', async (req, res) => {
    await deleteWebhook(ctx, req.actor, idParam(req.params.id, 'webhook'));
    res.status(204).end();
  });
  r.get('/webhooks/:id/deliveries', async (req, res) => {
    res.json(await listDeliveries(ctx, req.actor, idParam(req.params.id, 'webhook'), req.query));
  });
  r.post('/webhooks/:id/replay', async (req, res) => {
    res.status(202).json(await replayWebhook(ctx, req.actor, idParam(req.params.id, 'webhook'), req.body));
  });
  return r;
}
