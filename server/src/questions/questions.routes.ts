import { Router } from 'express';
import type { AppContext } from '../context';
import { idParam, tickerIdParam } from '../http/params';
import { limitKey } from '../http/client-ip';
import { answerQuestion, askQuestion, dismissQuestion, listMyQuestions, listTickerQuestions, removeUpvote, upvote } from './questions.service';

export function questionsRouter(ctx: AppContext): Router {
  const r = Router();
  const questionId = (v: unknown) => idParam(v, 'question');
  const privately = (res: { setHeader(name: string, value: string): unknown }) => res.setHeader('Cache-Control', 'private, no-store');

  r.post('/tickers/:id/questions', async (req, res) => {
    const out = await askQuestion(ctx, req.actor, tickerIdParam(req.params.id), req.body, limitKey(req.ip));
    // A retry with the same clientId answers the first question with 200.
    res.status(out.created ? 201 : 200).json(out.question);
  });
  r.get('/tickers/:id/questions', async (req, res) => {
    privately(res);
    res.json(await listTickerQuestions(ctx, req.actor, tickerIdParam(req.params.id), req.query));
  });
  r.get('/me/questions', async (req, res) => {
    privately(res);
    res.json(await listMyQuestions(ctx, req.actor, req.query));
  });
  r.post('/questions/:id/votes', async (req, res) => {
    const out = await upvote(ctx, req.actor, questionId(req.params.id));
    // Counted now: 201; the reader had voted already: a no-op, 200.
    res.status(out.counted ? 201 : 200).json(out.question);
  });
  r.delete('/questions/:id/votes', async (req, res) => {
    res.json(await removeUpvote(ctx, req.actor, questionId(req.params.id)));
  });
  r.post('/questions/:id/answer', async (req, res) => {
    res.status(201).json(await answerQuestion(ctx, req.actor, questionId(req.params.id), req.body));
  });
  r.post('/questions/:id/dismiss', async (req, res) => {
    res.json(await dismissQuestion(ctx, req.actor, questionId(req.params.id), req.body));
  });
  return r;
}
