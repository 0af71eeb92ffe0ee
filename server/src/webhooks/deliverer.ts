import { Webhook as Signer } from 'standardwebhooks';
import type { Change } from '@liveticker/schemas';
import type { WebhookPayload } from '@liveticker/schemas';
import type { Config } from '../config';
import type { Db } from '../db/database';
import type { WebhooksTable } from '../db/tables';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { ChangeLog } from '../realtime/changelog';
import { newId } from '../db/ids';
import { activeWebhooks, advanceCursor, claimWebhook, cursorsOf, findWebhook, followedStreams, insertCursors, insertDelivery, pruneDeliveries, releaseLeases, updateWebhook } from './webhooks.repo';
import { postJson } from './ssrf';
import type { PostResult } from './ssrf';

/** A length of time as an admin reads it: 24 h, 90 min, 5 s. */
function span(ms: number): string {
  if (ms >= 3600_000) return `${Math.round((ms / 3600_000) * 10) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}

/**
 * Changes read from a stream at a time, in one snapshot. An entry created in a backlog longer
 * than this and changed again before it was read may be reported as `entry.updated`.
 */
const BATCH = 1000;
/** Endpoints served at once by one node. */
const CONCURRENCY = 8;
/** Delivery log rows are kept this long. */
const LOG_DAYS = 7;
const PRUNE_EVERY_MS = 10 * 60_000;

export interface DelivererOptions {
  db: Db;
  changeLog: ChangeLog;
  config: Pick<Config, 'webhooks'>;
  logger: Logger;
  metrics: Metrics;
  nodeId: string;
}

/**
 * Delivers webhooks from the change stream. Each endpoint keeps, per stream it follows, the
 * revision it has been given (`webhook_cursors`), moved on only after the endpoint answered 2xx;
 * so nothing is lost across restarts, crashes or nodes. One node at a time serves an endpoint: it
 * holds a lease on the endpoint's row, renewed while it works and released when it stops; a node
 * that dies leaves a lease that runs out, and another node takes over from the cursors.
 *
 * Every event has one id — its stream, epoch and revision — on every attempt, on every node, so a
 * receiver that dedupes by `webhook-id` sees each event once, even in the one case it is sent
 * twice: a node that dies between the endpoint's 2xx and the cursor's write.
 *
 * A failed delivery stops the endpoint's queue (events stay in order) and retries with
 * exponential backoff; when none has succeeded for the retry window (24 h) the endpoint is
 * turned off, with the reason, until an admin turns it on again.
 */
export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private readonly serving = new Map<string, Promise<void>>();
  private ticking = false;
  private round: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private lastPrune = 0;
  private seq = 0;
  private readonly log: Logger;

  constructor(private readonly opts: DelivererOptions) {
    this.log = opts.logger.child({ module: 'webhooks' });
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.opts.config.webhooks.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Something may be due (a change was committed here, an endpoint changed): look now. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.round = this.tick()
      .catch((err: unknown) => this.log.warn({ err }, 'webhook round failed'))
      .finally(() => {
        this.ticking = false;
        if (this.again) {
          this.again = false;
          // Through the event loop: with a synchronous driver (SQLite) a round is all microtasks.
          setImmediate(() => this.wake());
        }
      });
  }

  /** Stops taking work, lets deliveries under way finish (bounded by their timeout), gives the endpoints back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // A round under way may still be claiming: the release comes after it.
    await this.round;
    await Promise.allSettled([...this.serving.values()]);
    await releaseLeases(this.opts.db, this.opts.nodeId).catch((err: unknown) => this.log.warn({ err }, 'could not release webhook leases'));
  }

  private async tick(): Promise<void> {
    const now = new Date();
    const hooks = await activeWebhooks(this.opts.db);
    for (const hook of hooks) {
      if (this.stopped || this.serving.size >= CONCURRENCY) break;
      if (this.serving.has(hook.id)) continue;
      if (hook.next_attempt_at && hook.next_attempt_at > now.toISOString()) continue;
      if (!(await this.claim(hook.id))) continue;
      // Read again under the lease: the row above may be older than a round that just ended.
      const fresh = await findWebhook(this.opts.db, hook.id);
      if (!fresh) continue;
      const run = this.serve(fresh)
        .then((moved) => {
          this.serving.delete(hook.id);
          // It sent something: more may have come meanwhile (a round with nothing to do waits for the next wake).
          if (moved) this.wake();
        })
        .catch((err: unknown) => {
          this.serving.delete(hook.id);
          this.log.warn({ err, webhook: hook.id }, 'webhook delivery round failed');
        });
      this.serving.set(hook.id, run);
    }
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      const before = new Date(Date.now() - LOG_DAYS * 86_400_000).toISOString();
      await pruneDeliveries(this.opts.db, before);
    }
  }

  /** Takes (or renews) this node's lease on an endpoint; false while another node holds it. */
  private async claim(id: string): Promise<boolean> {
    const now = new Date();
    const until = new Date(now.getTime() + this.opts.config.webhooks.leaseMs).toISOString();
    return claimWebhook(this.opts.db, id, this.opts.nodeId, now.toISOString(), until);
  }

  /**
   * Delivers what is due for one endpoint, stream by stream, until all is sent or one fails.
   * Resolves whether any position moved.
   */
  private async serve(hook: WebhooksTable): Promise<boolean> {
    let moved = false;
    const { db, changeLog } = this.opts;
    const events = new Set(JSON.parse(hook.events) as string[]);
    const cursors = new Map((await cursorsOf(db, hook.id)).map((c) => [c.stream, c]));
    let leaseAt = Date.now();
    const { leaseMs, timeoutMs } = this.opts.config.webhooks;
    // Before each event: the lease must outlast a whole delivery (its timeout) with a margin.
    const renew = async () => {
      if (leaseAt + leaseMs - Date.now() > timeoutMs + 2000) return true;
      leaseAt = Date.now();
      return this.claim(hook.id);
    };
    for (const stream of await followedStreams(db, hook)) {
      let cursor = cursors.get(stream.name);
      if (!cursor) {
        // A stream that began after the endpoint was registered: all of it is news.
        cursor = { webhook_id: hook.id, stream: stream.name, epoch: stream.epoch, rev: 0 };
        await insertCursors(db, hook.id, [{ name: stream.name, epoch: stream.epoch, rev: 0 }], { ifAbsent: true });
      }
      if (Number(cursor.rev) === stream.rev && cursor.epoch === stream.epoch) continue;
      let at = { epoch: cursor.epoch, rev: Number(cursor.rev) };
      for (;;) {
        if (this.stopped) return moved;
        const got = await changeLog.sinceInSnapshot(stream.name, at.rev, at.epoch, BATCH);
        if (!got) break;
        if (got.reset) {
          // Another history (a restored database): what it followed is gone; go on from the head.
          this.log.warn({ webhook: hook.id, stream: stream.name, from: at.rev, to: got.rev }, 'stream history changed: webhook continues from the head');
          if (!(await this.advance(hook.id, stream.name, at, (at = { epoch: got.epoch, rev: got.rev })))) return moved;
          break;
        }
        for (const change of got.changes) {
          if (this.stopped || !(await renew())) return moved;
          if (events.has(change.type) && !(await this.deliver(hook, stream.name, got.epoch, change))) return moved;
          if (!(await this.advance(hook.id, stream.name, at, (at = { epoch: got.epoch, rev: change.rev })))) return moved;
          moved = true;
        }
        if (got.rev > at.rev && !(await this.advance(hook.id, stream.name, at, (at = { epoch: got.epoch, rev: got.rev })))) return moved;
        if (!got.more) break;
      }
    }
    return moved;
  }

  /**
   * Moves the endpoint's position in a stream from `from` to `to`, only while this node holds its
   * lease and nobody moved the position meanwhile (a replay, an admin's change): false otherwise,
   * and this node stops there; the next round starts from what the database says.
   */
  private async advance(id: string, stream: string, from: { epoch: string; rev: number }, to: { epoch: string; rev: number }): Promise<boolean> {
    if (await advanceCursor(this.opts.db, id, this.opts.nodeId, stream, from, to)) return true;
    this.log.info({ webhook: id, stream }, 'webhook position moved elsewhere (replay, change, or another node): this round stops');
    return false;
  }

  /** One attempt at one event; records it and the endpoint's health. True when the endpoint took it. */
  private async deliver(hook: WebhooksTable, stream: string, epoch: string, change: Change): Promise<boolean> {
    const { db, config } = this.opts;
    const messageId = `${stream}:${epoch}:${change.rev}`;
    const data = change.data as unknown as WebhookPayload['data'] & { updatedAt?: string; createdAt?: string; deletedAt?: string | null };
    const payload: WebhookPayload = { type: change.type as WebhookPayload['type'], timestamp: data.deletedAt ?? data.updatedAt ?? data.createdAt ?? new Date().toISOString(), data };
    const body = JSON.stringify(payload);
    const sentAt = new Date();
    const headers = {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Signer(hook.secret).sign(messageId, sentAt, body),
      'user-agent': 'liveticker-webhooks/1',
    };
    const started = performance.now();
    const result: PostResult = await postJson(hook.url, body, headers, { timeoutMs: config.webhooks.timeoutMs, allowPrivate: config.webhooks.allowPrivate });
    const ok = result.error === undefined;
    this.opts.metrics.webhookDeliveries.inc({ result: ok ? 'ok' : 'failed' });
    const attempt = hook.attempts + 1;
    await insertDelivery(db, {
      id: newId(),
      webhook_id: hook.id,
      seq: Date.now() * 1000 + (this.seq++ % 1000),
      message_id: messageId,
      type: change.type,
      stream,
      rev: change.rev,
      attempt,
      status: result.status ?? null,
      ok: ok ? 1 : 0,
      error: result.error?.slice(0, 500) ?? null,
      duration_ms: Math.round(performance.now() - started),
      created_at: sentAt.toISOString(),
    });
    if (ok) {
      if (hook.attempts > 0) {
        await updateWebhook(db, hook.id, { attempts: 0, failing_since: null, next_attempt_at: null });
        hook.attempts = 0;
        hook.failing_since = null;
        hook.next_attempt_at = null;
        this.log.info({ webhook: hook.id }, 'webhook endpoint answers again');
      }
      return true;
    }
    await this.failed(hook, result.error!);
    return false;
  }

  private async failed(hook: WebhooksTable, error: string): Promise<void> {
    const { db, config } = this.opts;
    const now = new Date();
    const since = hook.failing_since ?? now.toISOString();
    const attempts = hook.attempts + 1;
    if (now.getTime() - Date.parse(since) >= config.webhooks.retryWindowMs) {
      const reason = `no delivery succeeded for ${span(config.webhooks.retryWindowMs)} (since ${since}); the last attempt: ${error}`.slice(0, 500);
      await updateWebhook(db, hook.id, { active: 0, disabled_reason: reason, attempts, failing_since: since, next_attempt_at: null, lease_owner: null, lease_until: null, updated_at: now.toISOString() });
      this.log.warn({ webhook: hook.id, url: hook.url, reason }, 'webhook endpoint turned off');
      return;
    }
    const { backoffMs, maxBackoffMs } = config.webhooks;
    const delay = Math.min(maxBackoffMs, backoffMs * 2 ** Math.min(attempts - 1, 30)) * (0.8 + Math.random() * 0.4);
    const next = new Date(now.getTime() + delay).toISOString();
    // The lease goes back: whichever node is up when the retry is due takes it.
    await updateWebhook(db, hook.id, { attempts, failing_since: since, next_attempt_at: next, lease_owner: null, lease_until: null });
    this.log.info({ webhook: hook.id, attempts, next, error }, 'webhook delivery failed: retrying later');
  }
}
