import type { RequestHandler } from 'express';
import { ChangesQuery } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { AppError, parseInput } from '../errors';
import { changesBody } from '../realtime/changelog';
import { tickerIdParam } from './params';
import { notModified } from './conditional';

/** `GET …/changes?since=N` for one kind of a ticker's streams (`ticker` or `chat`). */
export function changesRoute(ctx: Pick<AppContext, 'changeLog'>, kind: 'ticker' | 'chat'): RequestHandler {
  return async (req, res) => {
    const id = tickerIdParam(req.params.id);
    const { since, epoch } = parseInput(ChangesQuery, req.query, 'query');
    const stream = `${kind}:${id}`;
    const pos = await ctx.changeLog.position(stream);
    if (!pos) throw new AppError('not_found', `no ticker ${id}`);
    // The answer is fixed by the question and the stream's head: a poller whose stream did not
    // move gets a 304 without the changes being read at all.
    if (notModified(req, res, `W/"${pos.epoch}.${pos.rev}.${since ?? ''}.${epoch ?? ''}"`, 'no-cache')) return;
    if (since === undefined) {
      res.json({ rev: pos.rev, epoch: pos.epoch, changes: [] });
      return;
    }
    const got = await ctx.changeLog.since(stream, since, epoch, undefined, pos);
    if (!got) throw new AppError('not_found', `no ticker ${id}`);
    res.locals.readBytes = got.bytes;
    res.json(changesBody(got));
  };
}
