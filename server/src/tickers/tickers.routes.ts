import { Router } from 'express';
import { tickerStream } from '@liveticker/schemas';
import type { Request, Response } from 'express';
import { isDeskMember } from '../auth/actor';
import type { AppContext } from '../context';
import { idParam, tickerIdParam } from '../http/params';
import { changesRoute } from '../http/changes';
import { createEntry, deleteEntry, entryHistory, getEntry, listEntriesPage, listKeyEventsOf, patchEntry, restoreEntry } from './entries.service';
import { createTicker, getTicker, listTickersPage, patchTicker } from './tickers.service';
import { feedRoute } from './feeds';
import { notModified } from '../http/conditional';
import { limitKey } from '../http/client-ip';
import { SEARCH_READ_COST, readBudget } from '../http/read-budget';
import { searchCost } from './search';
import { fragmentRoute, htmlRoute, oembedRoute } from './rendered';

export function tickersRouter(ctx: AppContext): Router {
  const r = Router();
  const budget = readBudget(ctx);

  /**
   * Public reads of a ticker are fixed by its stream's head and the question: an `ETag` from
   * both, and 304 for a client (or a CDN) that holds that version. `no-cache`, not a max-age:
   * the SDK pairs a page with the stream's head, and a page older than the head it resumes from
   * would lose the entries between them.
   */
  const unchanged = async (req: Request, res: Response, kind: string): Promise<boolean> => {
    // Drafts and scheduled entries, and the live counts of polls, change without moving the
    // stream: what the desk (editors, moderators) reads is never answered from the head (nor
    // kept by a cache: it is theirs alone).
    if (isDeskMember(req.actor)) {
      res.setHeader('Cache-Control', 'private, no-store');
      return false;
    }
    const pos = await ctx.changeLog.position(tickerStream(tickerIdParam(req.params.id)));
    if (!pos) return false; // the handler answers 404
    const question = encodeURIComponent(req.originalUrl.split('?')[1] ?? '');
    return notModified(req, res, `W/"${kind}.${pos.epoch}.${pos.rev}.${question}"`, 'no-cache');
  };

  r.get('/tickers', async (req, res) => {
    res.json(await listTickersPage(ctx, req.query));
  });
  r.post('/tickers', async (req, res) => {
    res.status(201).json(await createTicker(ctx, req.actor, req.body));
  });
  r.get('/tickers/:id', async (req, res) => {
    // The analytics flag below is in the tag: a copy kept from before ANALYTICS changed is not reused.
    if (await unchanged(req, res, ctx.config.analytics.enabled ? 'ticker' : 'ticker.quiet')) return;
    const ticker = await getTicker(ctx, tickerIdParam(req.params.id));
    // The widget learns here that the newsroom counts no reach (it then sends no beacon).
    res.json(ctx.config.analytics.enabled ? ticker : { ...ticker, analytics: false });
  });
  r.patch('/tickers/:id', async (req, res) => {
    res.json(await patchTicker(ctx, req.actor, tickerIdParam(req.params.id), req.body));
  });

  r.get('/tickers/:id/entries', async (req, res) => {
    if (await unchanged(req, res, 'entries')) return;
    // A search costs SEARCH_READ_COST in all, more for a question of many words (the read itself
    // paid 1), before it runs: an address with too little left is refused without the index asked.
    if (req.query.q !== undefined && budget.counts(req.actor)) await budget.spend(limitKey(req.ip), searchCost(req.query.q, SEARCH_READ_COST) - 1);
    res.json(await listEntriesPage(ctx, tickerIdParam(req.params.id), req.query, req.actor));
  });
  r.get('/tickers/:id/key-events', async (req, res) => {
    if (await unchanged(req, res, 'key-events')) return;
    res.json(await listKeyEventsOf(ctx, tickerIdParam(req.params.id), req.query));
  });
  r.post('/tickers/:id/entries', async (req, res) => {
    res.status(201).json(await createEntry(ctx, req.actor, tickerIdParam(req.params.id), req.body));
  });
  r.get('/tickers/:id/entries/:entryId', async (req, res) => {
    if (await unchanged(req, res, `entry.${encodeURIComponent(req.params.entryId)}`)) return;
    res.json(await getEntry(ctx, tickerIdParam(req.params.id), idParam(req.params.entryId, 'entry'), req.actor));
  });
  r.patch('/tickers/:id/entries/:entryId', async (req, res) => {
    const entry = await patchEntry(ctx, req.actor, tickerIdParam(req.params.id), idParam(req.params.entryId, 'entry'), req.body);
    res.json(entry);
  });
  r.get('/tickers/:id/entries/:entryId/history', async (req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await entryHistory(ctx, req.actor, tickerIdParam(req.params.id), idParam(req.params.entryId, 'entry')));
  });
  r.post('/tickers/:id/entries/:entryId/restore', async (req, res) => {
    res.json(await restoreEntry(ctx, req.actor, tickerIdParam(req.params.id), idParam(req.params.entryId, 'entry'), req.body));
  });
  r.delete('/tickers/:id/entries/:entryId', async (req, res) => {
    res.json(await deleteEntry(ctx, req.actor, tickerIdParam(req.params.id), idParam(req.params.entryId, 'entry')));
  });

  r.get('/tickers/:id/changes', changesRoute(ctx, 'ticker'));
  r.get('/tickers/:id/feed.rss', feedRoute(ctx, 'rss'));
  r.get('/tickers/:id/feed.atom', feedRoute(ctx, 'atom'));
  r.get('/tickers/:id/feed.json', feedRoute(ctx, 'json'));
  r.get('/tickers/:id/html', htmlRoute(ctx));
  r.get('/tickers/:id/fragment', fragmentRoute(ctx));
  r.get('/oembed', oembedRoute(ctx));

  return r;
}
