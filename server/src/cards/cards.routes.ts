import { CardId } from '@liveticker/schemas';
import { Router } from 'express';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { tickerIdParam } from '../http/params';
import { deleteCard, listCards, putCard } from './cards.service';

/** A card id that fails the schema cannot name a card: 404 (a PUT: 400 naming it). */
function cardIdParam(value: unknown, writing: boolean): string {
  const r = CardId.safeParse(value);
  if (r.success) return r.data;
  if (writing) throw new AppError('validation_failed', 'invalid card', [{ path: 'cardId', message: r.error.issues[0]?.message ?? 'not a card id' }]);
  throw new AppError('not_found', 'no such card');
}

/** The card routes: the only ones an API token limited to `cards` reaches (auth/scopes.ts). */
export function cardsRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/tickers/:id/cards', async (req, res) => {
    // A card changes up to twice a second and its row ahead of the stream: never cached.
    res.setHeader('Cache-Control', 'no-cache');
    res.json(await listCards(ctx, tickerIdParam(req.params.id)));
  });
  r.put('/tickers/:id/cards/:cardId', async (req, res) => {
    const out = await putCard(ctx, req.actor, tickerIdParam(req.params.id), cardIdParam(req.params.cardId, true), req.body);
    res.status(out.created ? 201 : 200).json(out.card);
  });
  r.delete('/tickers/:id/cards/:cardId', async (req, res) => {
    res.json(await deleteCard(ctx, req.actor, tickerIdParam(req.params.id), cardIdParam(req.params.cardId, false)));
  });
  return r;
}
