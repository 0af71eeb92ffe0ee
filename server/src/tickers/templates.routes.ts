import { Router } from 'express';
import type { AppContext } from '../context';
import { idParam, tickerIdParam } from '../http/params';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, listTickerTemplates, patchTemplate } from './templates.service';

/** Entry templates (editors): a ticker's own and the newsroom-wide ones. Never cached: the desk's alone. */
export function templatesRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/tickers/:id/templates', async (req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await listTickerTemplates(ctx, req.actor, tickerIdParam(req.params.id)));
  });
  r.get('/templates', async (req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await listTemplates(ctx, req.actor, req.query));
  });
  r.post('/templates', async (req, res) => {
    res.status(201).json(await createTemplate(ctx, req.actor, req.body));
  });
  r.get('/templates/:id', async (req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await getTemplate(ctx, req.actor, idParam(req.params.id, 'template')));
  });
  r.patch('/templates/:id', async (req, res) => {
    res.json(await patchTemplate(ctx, req.actor, idParam(req.params.id, 'template'), req.body));
  });
  r.delete('/templates/:id', async (req, res) => {
    await deleteTemplate(ctx, req.actor, idParam(req.params.id, 'template'));
    res.status(204).end();
  });
  return r;
}
