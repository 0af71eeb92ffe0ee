import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import webpush from 'web-push';
import type { Change, Entry, PushPayload, Ticker } from '@liveticker/schemas';
import type { Config } from '../config';
import type { Db } from '../db/database';
import type { PushEntriesTable, PushFollowsTable, PushStreamsTable } from '../db/tables';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { ChangeLog } from '../realtime/changelog';
import { findEntry } from '../tickers/entries.repo';
import { findTicker } from '../tickers/tickers.repo';
import { addPushesSent } from '../analytics/analytics.repo';
import { isPublicAddress, publicOnlyLookup } from '../webhooks/ssrf';
import { entryPayload, manualPayload } from './payloads';
import { loadVapid } from './vapid';
import type { VapidKeys } from './vapid';
import {
  advancePushStream,
  claimFollows,
  claimPushStream,
  dueFollowIds,
  entriesToPush,
  followsPerTicker,
  prunePushEntries,
  pushStreams,
  releasePushLeases,
  removeFollow,
  settleFollow,
  streamsBehind,
} from './push.repo';
import { lastManualSeq, nextManual } from './manual.repo';

/** Changes read from a stream at a time. */
const BATCH = 1000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** Entries are kept this long after their publication (a follow failing longer has ended). */
const KEEP_ENTRIES_MS = 8 * 24 * 3600_000;
/** How long one VAPID JWT is reused for a push service, ms (it is valid 12 h). */
const VAPID_REUSE_MS = 3600_000;

/** The RFC 8030 `Topic` of a ticker's pushes (≤ 32 URL-safe base64 characters): a device offline keeps only the latest. */
export function pushTopic(tickerId: string): string {
  return createHash('sha256').update(`ticker:${tickerId}`).digest('base64url').slice(0, 32);
}

export interface PushDelivererOptions {
  db: Db;
  changeLog: ChangeLog;
  config: Pick<Config, 'push' | 'publicUrl'>;
  logger: Logger;
  metrics: Metrics;
  nodeId: string;
}

type Outcome = 'sent' | 'skipped' | 'gone' | 'retry' | 'lost';

/**
 * Pushes published entries to the devices that follow a ticker, from the change stream (never
 * from the request that wrote the entry).
 *
 * 1. Reading: one node at a time (a lease on `push_streams`) reads a followed ticker's stream
 *    and records each newly published entry once (`push_entries`), moving the read position in
 *    the same transaction.
 * 2. Pushing: a follow is due when an entry of its topics was published after its `pushed_rev`
 *    (and, for `all`, its last push is `minIntervalMs` old); a node leases it, sends one push for
 *    everything since (the latest entry, and the count), and moves `pushed_rev` on while it still
 *    holds the lease. So each entry goes to each follow once across nodes and restarts (the one
 *    exception: a node dying between the push service's 2xx and its write).
 *
 * 404/410 ends a follow at once; any other 4xx but 429 drops that push (it would be refused
 * again) and keeps the follow; 429, 5xx and network failures retry with backoff (a `Retry-After`
 * is honoured) until the follow has failed for `retryWindowMs`, when it ends.
 */
export class PushDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private round: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private lastPrune = 0;
  /** Pushes sent since the last round, per ticker (added to the analytics minute rows once a round). */
  private sent = new Map<string, number>();
  private keysLoaded: Promise<VapidKeys> | undefined;
  /** The VAPID Authorization per push service origin, and until when it is reused (ms since the epoch). */
  private readonly vapidHeaders = new Map<string, { value: string; until: number }>();
  private agent: https.Agent | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: PushDelivererOptions) {
    this.log = opts.logger.child({ module: 'push' });
  }

  /** The VAPID pair (configured, or kept in the database by the first node). */
  keys(): Promise<VapidKeys> {
    this.keysLoaded ??= loadVapid(this.opts.db, this.opts.config, this.log);
    return this.keysLoaded;
  }

  async start(): Promise<void> {
    const { push } = this.opts.config;
    await this.keys();
    // The address is checked where the connection is made (a name could resolve elsewhere later).
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: push.concurrency,
      ...(push.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      // Made once: as `ca`, the whole list would be joined into the agent's key of every request
      // and parsed again for every new connection (a third of a push's CPU in the push bench).
      ...(push.caFile ? { secureContext: tls.createSecureContext({ ca: [...tlsRootCertificates(), fs.readFileSync(push.caFile, 'utf8')] }) } : {}),
    });
    this.timer = setInterval(() => this.wake(), push.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Something may be due (an entry was committed here, a follow was made): look now. */
  wake(): void {
    if (this.stopped || !this.agent) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.round = this.tick()
      .catch((err: unknown) => this.log.warn({ err }, 'push round failed'))
      .finally(() => {
        this.ticking = false;
        if (this.again) {
          this.again = false;
          setImmediate(() => this.wake());
        }
      });
  }

  /** Stops taking work, lets pushes under way finish (bounded by their timeout), gives the leases back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.round;
    this.agent?.destroy();
    await releasePushLeases(this.opts.db, this.opts.nodeId).catch((err: unknown) => this.log.warn({ err }, 'could not release push leases'));
  }

  /**
   * Follows claimed at a time: as many as the lease surely covers when every push takes its whole
   * timeout (with a margin of half the lease), so no claim runs out while its push is under way
   * (another node would take the follow and push it again).
   */
  private claimSize(): number {
    const { concurrency, leaseMs, timeoutMs } = this.opts.config.push;
    return concurrency * Math.max(1, Math.floor(leaseMs / 2 / timeoutMs));
  }

  private leaseUntil(now: number): string {
    return new Date(now + this.opts.config.push.leaseMs).toISOString();
  }

  private async tick(): Promise<void> {
    try {
      await this.pushRound();
    } finally {
      // The pushes of this round, for the desk's Reach (one statement, not one per push), also when
      // the round ended early; counts that could not be written wait for the next round.
      if (this.sent.size) {
        const sent = this.sent;
        this.sent = new Map();
        await addPushesSent(this.opts.db, sent).catch((err: unknown) => {
          for (const [ticker, n] of sent) this.sent.set(ticker, (this.sent.get(ticker) ?? 0) + n);
          this.log.warn({ err }, 'could not count the pushes sent; the next round tries again');
        });
      }
    }
    if (this.stopped) return;
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await prunePushEntries(this.opts.db, new Date(Date.now() - KEEP_ENTRIES_MS).toISOString());
      this.opts.metrics.follows.reset();
      for (const row of await followsPerTicker(this.opts.db)) this.opts.metrics.follows.set({ ticker: row.ticker_id }, Number(row.n));
    }
  }

  /** Reads the followed streams' news, then pushes to the follows that are due. */
  private async pushRound(): Promise<void> {
    for (const stream of await streamsBehind(this.opts.db)) {
      if (this.stopped) return;
      await this.read(stream, stream.head_epoch);
    }
    for (const stream of await pushStreams(this.opts.db)) {
      if (this.stopped) return;
      await this.pushDue(stream);
    }
  }

  /** Reads a followed ticker's stream on from where it was read, recording the entries published. */
  private async read(stream: PushStreamsTable, headEpoch: string): Promise<void> {
    const { db, changeLog, nodeId } = this.opts;
    if (!(await claimPushStream(db, stream.ticker_id, nodeId, new Date().toISOString(), this.leaseUntil(Date.now())))) return;
    let at = { epoch: stream.epoch, rev: Number(stream.rev) };
    const name = `ticker:${stream.ticker_id}`;
    for (;;) {
      if (this.stopped) return;
      const got = await changeLog.sinceInSnapshot(name, at.rev, at.epoch || headEpoch, BATCH);
      if (!got) return;
      if (got.reset) {
        this.log.warn({ ticker: stream.ticker_id, from: at.rev, to: got.rev }, 'stream history changed: pushes continue from the head');
        const to = { epoch: got.epoch, rev: got.rev };
        if (!(await advancePushStream(db, stream.ticker_id, nodeId, at, to, []))) return;
        at = to;
        return;
      }
      const now = new Date().toISOString();
      const entries = got.changes.filter(isPublication).map((c): PushEntriesTable => {
        const e = c.data as Entry;
        // The revision it was published with: an edit after that is not news.
        return { ticker_id: stream.ticker_id, entry_id: e.id, rev: e.seq, kind: e.kind, published_at: e.publishedAt ?? now };
      });
      const to = { epoch: got.epoch, rev: got.rev };
      if (!(await advancePushStream(db, stream.ticker_id, nodeId, at, to, entries))) return;
      at = to;
      if (!got.more) return;
    }
  }

  /** Pushes to the follows of a ticker that are due, a claimed batch at a time. */
  private async pushDue(stream: PushStreamsTable): Promise<void> {
    const { db, nodeId, config } = this.opts;
    let ticker: Ticker | undefined | null = null;
    for (let batch = 0; batch < 1000 && !this.stopped; batch++) {
      const now = Date.now();
      const iso = new Date(now).toISOString();
      const ids = await dueFollowIds(db, stream, iso, new Date(now - config.push.minIntervalMs).toISOString(), this.claimSize());
      if (ids.length === 0) return;
      const mine = await claimFollows(db, ids.map((r) => r.id), nodeId, iso, this.leaseUntil(now));
      if (mine.length === 0) return;
      // Read once there is something to push (most rounds find nothing due).
      if (ticker === null) ticker = await findTicker(db, stream.ticker_id);
      if (!ticker) {
        // The ticker is gone: so are its follows.
        for (const f of mine) await removeFollow(db, f.id);
        continue;
      }
      const of = ticker;
      // Most follows of a batch stand for the same entries: read once per batch (a deletion during
      // the batch is seen by the next one, as by a push already under way).
      const reads: BatchReads = new Map();
      await pool(mine, config.push.concurrency, (f) =>
        this.serve(f, stream, of, reads).catch((err: unknown) => {
          this.log.warn({ err, follow: f.id }, 'push failed');
          return 'lost' as const;
        }),
      );
    }
  }

  /** One push to one follow: a manual push it has not had (first, one at a time), else everything published since its last one. */
  private async serve(f: PushFollowsTable, stream: PushStreamsTable, ticker: Ticker, reads: BatchReads = new Map()): Promise<Outcome> {
    const { db, nodeId, config } = this.opts;
    if (Number(f.manual_seq) < Number(stream.head_manual)) return this.serveManual(f, ticker);
    const keyOnly = f.topics === 'key-events';
    // The row is as claimed (read after the claim); the stream's heads may be older than what
    // another node just served it up to: its position never goes back.
    const upTo = Math.max(Number(f.pushed_rev), Number(keyOnly ? stream.head_key_rev : stream.head_rev));
    if (!keyOnly && f.last_pushed_at && Date.parse(f.last_pushed_at) > Date.now() - config.push.minIntervalMs) {
      // Pushed by another node since this one found it due: the rest waits for the interval.
      await settleFollow(db, f.id, nodeId, {});
      return 'skipped';
    }
    const key = `${f.pushed_rev}:${upTo}:${keyOnly}`;
    if (!reads.has(key)) {
      reads.set(
        key,
        entriesToPush(db, f.ticker_id, Number(f.pushed_rev), upTo, keyOnly).then(async (due) => ({ due, latest: due[0] ? await findEntry(db, f.ticker_id, due[0].entry_id) : undefined })),
      );
    }
    const { due, latest } = await reads.get(key)!;
    if (!latest || latest.deletedAt || latest.status !== 'published') {
      // All of it was deleted (or unpublished) before the push went out: nothing to tell.
      await settleFollow(db, f.id, nodeId, { pushed_rev: upTo, pending: 0 });
      return 'skipped';
    }
    const payload = entryPayload(this.opts.config.publicUrl, ticker, latest, due[0]!.rev, due.length, f.lang ?? ticker.locale);
    return this.send(f, payload, {
      urgency: latest.kind === 'key-event' ? 'high' : 'normal',
      madeAt: latest.publishedAt,
      sent: (now) => ({ pushed_rev: upTo, last_pushed_at: now, pending: 0 }),
      pending: due.length,
    });
  }

  /**
   * The follow's next manual push ("Breaking: …"), Urgency high, whatever its topics and the
   * interval (it does not count as the interval's push). One older than the TTL is not news any
   * more: skipped.
   */
  private async serveManual(f: PushFollowsTable, ticker: Ticker): Promise<Outcome> {
    const { db, nodeId, config } = this.opts;
    const since = new Date(Date.now() - config.push.ttlSeconds * 1000).toISOString();
    const next = await nextManual(db, f.ticker_id, Number(f.manual_seq), since);
    if (!next) {
      await settleFollow(db, f.id, nodeId, { manual_seq: await lastManualSeq(db, f.ticker_id) });
      return 'skipped';
    }
    const payload = manualPayload(this.opts.config.publicUrl, ticker, next);
    return this.send(f, payload, { urgency: 'high', madeAt: next.created_at, sent: () => ({ manual_seq: Number(next.seq) }), pending: Number(f.pending) });
  }

  /**
   * Sends one push to a follow and records the outcome while the node still holds it: `how.sent`
   * what a success moves on; 404/410 ends the follow, another 4xx (not 429) drops the push, other
   * failures retry with backoff.
   */
  private async send(
    f: PushFollowsTable,
    payload: PushPayload,
    how: { urgency: 'high' | 'normal'; madeAt: string; sent: (now: string) => Partial<PushFollowsTable>; pending: number },
  ): Promise<Outcome> {
    const { db, nodeId, config, metrics } = this.opts;
    if (f.expires_at && f.expires_at < new Date().toISOString()) {
      await removeFollow(db, f.id);
      this.log.info({ follow: f.id }, 'follow ended: its subscription expired');
      return 'gone';
    }
    const keys = await this.keys();
    const endpoint = new URL(f.endpoint);
    const host = endpoint.hostname.replace(/^\[|\]$/g, '');
    let status: number | undefined;
    let retryAfter: string | undefined;
    let error: string | undefined;
    if (endpoint.protocol !== 'https:' || (!config.push.allowPrivate && net.isIP(host) && !isPublicAddress(host))) {
      error = `blocked: ${host} is not a public https address`;
    } else {
      try {
        await webpush.sendNotification({ endpoint: f.endpoint, keys: { p256dh: f.p256dh, auth: f.auth } }, JSON.stringify(payload), {
          headers: { Authorization: this.vapidAuthorization(endpoint.origin, keys) },
          TTL: config.push.ttlSeconds,
          urgency: how.urgency,
          topic: pushTopic(f.ticker_id),
          contentEncoding: 'aes128gcm',
          timeout: config.push.timeoutMs,
          agent: this.agent,
        });
        status = 201;
      } catch (err) {
        const e = err as { statusCode?: number; headers?: Record<string, string | string[] | undefined>; message?: string; code?: string };
        status = e.statusCode;
        const ra = e.headers?.['retry-after'];
        retryAfter = Array.isArray(ra) ? ra[0] : ra;
        error = status ? `HTTP ${status}` : `${e.code ?? 'error'}: ${e.message ?? String(err)}`;
      }
    }
    const now = new Date();
    if (error === undefined) {
      metrics.pushesSent.inc();
      this.sent.set(f.ticker_id, (this.sent.get(f.ticker_id) ?? 0) + 1);
      metrics.publishToPush.observe(Math.max(0, (now.getTime() - Date.parse(how.madeAt)) / 1000));
      await settleFollow(db, f.id, nodeId, { ...how.sent(now.toISOString()), attempts: 0, failing_since: null, next_attempt_at: null });
      return 'sent';
    }
    if (status === 404 || status === 410) {
      metrics.pushesFailed.inc({ reason: 'gone' });
      await removeFollow(db, f.id);
      this.log.info({ follow: f.id, status }, 'follow ended: the push service says the subscription is gone');
      return 'gone';
    }
    if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
      // The push service refuses this push (400 bad request, 403 a key it does not take, 413 too
      // large, …): sending it again would get the same answer. It is dropped, the follow stays
      // and gets the next entry; a dropped push notified nobody, so the interval does not start.
      metrics.pushesFailed.inc({ reason: 'rejected' });
      await settleFollow(db, f.id, nodeId, { ...how.sent(now.toISOString()), last_pushed_at: f.last_pushed_at, attempts: 0, failing_since: null, next_attempt_at: null });
      this.log.warn({ follow: f.id, status }, 'push refused by the push service: dropped, not retried');
      return 'skipped';
    }
    const reason = status === 429 ? 'rate_limited' : status && status >= 500 ? 'server_error' : status ? 'rejected' : 'network';
    const since = f.failing_since ?? now.toISOString();
    if (now.getTime() - Date.parse(since) >= config.push.retryWindowMs) {
      metrics.pushesFailed.inc({ reason: 'expired' });
      await removeFollow(db, f.id);
      this.log.info({ follow: f.id, since, error }, 'follow ended: its pushes failed for too long');
      return 'gone';
    }
    metrics.pushesFailed.inc({ reason });
    const attempts = f.attempts + 1;
    const backoff = Math.min(config.push.maxBackoffMs, config.push.backoffMs * 2 ** Math.min(attempts - 1, 30)) * (0.8 + Math.random() * 0.4);
    const delay = Math.max(backoff, retryAfterMs(retryAfter, now) ?? 0);
    const next = new Date(now.getTime() + delay).toISOString();
    await settleFollow(db, f.id, nodeId, { attempts, failing_since: since, next_attempt_at: next, pending: how.pending });
    this.log.info({ follow: f.id, attempts, next, error }, 'push failed: retrying later');
    return 'retry';
  }

  /**
   * The VAPID `Authorization` for a push service (RFC 8292: a JWT for its origin, signed with our
   * key), made once an hour per service instead of for every push: signing was the costliest part
   * of a push. The JWT is valid 12 h (web-push's default), so a kept one has at least 11 h left.
   */
  private vapidAuthorization(audience: string, keys: VapidKeys): string {
    const now = Date.now();
    const kept = this.vapidHeaders.get(audience);
    if (kept && kept.until > now) return kept.value;
    const value = webpush.getVapidHeaders(audience, keys.subject, keys.publicKey, keys.privateKey, 'aes128gcm', Math.floor(now / 1000) + 12 * 3600).Authorization;
    // Push services are few (one origin each); a bound all the same.
    if (this.vapidHeaders.size >= 1000) this.vapidHeaders.clear();
    this.vapidHeaders.set(audience, { value, until: now + VAPID_REUSE_MS });
    return value;
  }
}

/** What a batch's follows stand for, per `pushed_rev:upTo:keyOnly`: the entries since, newest first, and the newest as it stands. */
type BatchReads = Map<string, Promise<{ due: Array<{ entry_id: string; rev: number; published_at: string }>; latest: Entry | undefined }>>;

/** Whether a change is an entry's publication (a new entry, or a scheduled one going out). */
function isPublication(change: Change): boolean {
  if (change.type !== 'entry.created') return false;
  const e = change.data as Entry;
  return !e.deletedAt && (e.status ?? 'published') === 'published';
}

/** A `Retry-After` (seconds or an HTTP date) in ms from `now`, or undefined. */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()), 7 * 24 * 3600) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Runs `work` over `items`, at most `size` at once. */
async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** The system's roots, kept beside an added CA (an agent's `ca` replaces them otherwise). */
function tlsRootCertificates(): string[] {
  return [...tls.rootCertificates];
}
