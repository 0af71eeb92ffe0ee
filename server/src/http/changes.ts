import type { RequestHandler } from 'express';
import { ChangesQuery } from '@liveticker/schemas';
import type { AppContext } from '../context';
import { AppError, parseInput } from '../errors';
import { changesBody } from '../realtime/changelog';
import { tickerIdParam } from './params';
import { notModified } from './conditional';

/** Serialized catch-up answers kept, bytes in all (each answer is at most ~1 MB). */
const ANSWER_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Recent answers by question and head. An answer is fixed by the stream, `since`, the epoch and
 * the head it was read at (nothing at or below a head changes while the head stays), so the same
 * question at the same head — a crowd of readers catching up after a restart, or one address
 * asking for the whole history again and again — is read and serialized once.
 */
class AnswerCache {
  private readonly answers = new Map<string, { json: string; bytes: number }>();
  private size = 0;

  get(key: string) {
    const hit = this.answers.get(key);
    if (hit) {
      this.answers.delete(key);
      this.answers.set(key, hit);
    }
    return hit;
  }

  /** Answers being read: a crowd asking the same question at once waits for the one read. */
  readonly reading = new Map<string, Promise<{ json: string; bytes: number }>>();

  set(key: string, answer: { json: string; bytes: number }): void {
    if (answer.json.length > ANSWER_CACHE_BYTES / 4) return;
    const old = this.answers.get(key);
    if (old) {
      this.answers.delete(key);
      this.size -= old.json.length;
    }
    this.answers.set(key, answer);
    this.size += answer.json.length;
    for (const [k, v] of this.answers) {
      if (this.size <= ANSWER_CACHE_BYTES) break;
      this.answers.delete(k);
      this.size -= v.json.length;
    }
  }
}

/** `GET …/changes?since=N` for one kind of a ticker's streams (`ticker` or `chat`). */
export function changesRoute(ctx: Pick<AppContext, 'changeLog'>, kind: 'ticker' | 'chat'): RequestHandler {
  const cache = new AnswerCache();
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
    const key = `${stream}\n${pos.epoch}\n${pos.rev}\n${since}\n${epoch ?? ''}`;
    let answer = cache.get(key);
    if (!answer) {
      let reading = cache.reading.get(key);
      if (!reading) {
        reading = (async () => {
          const got = await ctx.changeLog.since(stream, since, epoch, undefined, pos);
          if (!got) throw new AppError('not_found', `no ticker ${id}`);
          return { json: JSON.stringify(changesBody(got)), bytes: got.bytes ?? 0 };
        })();
        cache.reading.set(key, reading);
        reading.then((a) => cache.set(key, a), () => undefined).finally(() => cache.reading.delete(key));
      }
      answer = await reading;
    }
    // Charged to the asker's read budget as if it had been read for them.
    res.locals.readBytes = answer.bytes;
    res.type('json').send(answer.json);
  };
}
