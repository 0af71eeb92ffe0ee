import type { RequestHandler } from 'express';
import { ChangesQuery } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { AppError, parseInput } from '../errors';
import { changesBody } from '../realtime/changelog';
import { tickerIdParam } from './params';

/** `GET …/changes?since=N` for one kind of a ticker's streams (`ticker` or `chat`). */
export function changesRoute(ctx: Pick<AppContext, 'changeLog'>, kind: 'ticker' | 'chat'): RequestHandler {
  return async (req, res) => {
    const id = tickerIdParam(req.params.id);
    const { since } = parseInput(ChangesQuery, req.query, 'query');
    const got = await ctx.changeLog.since(`${kind}:${id}`, since);
    if (!got) throw new AppError('not_found', `no ticker ${id}`);
    res.json(changesBody(got));
  };
}
