import os from 'node:os';
import { z } from 'zod';
import { parseTrustProxy } from './http/client-ip';
import { vapidPairProblem } from './push/keys';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Shortest ops key taken, from ADMIN_API_KEY or from the `ops-key` file made without it. */
export const OPS_KEY_MIN_LENGTH = 16;

/** Every environment variable the server reads, parsed once at boot. */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .min(1)
    .default('./data/liveticker.sqlite')
    .refine((v) => !/^[a-z]+:\/\//i.test(v) || /^postgres(ql)?:\/\//i.test(v) || v.startsWith('sqlite:'), {
      message: 'must be a SQLite file path, a sqlite: URL or a postgres:// URL',
    }),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /**
   * A Redis Cluster instead of REDIS_URL: some of its nodes as `host:port,host:port` (the rest are
   * found from them). The bus then uses sharded pub/sub (a stream's channel lives on one shard).
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(
      z
        .array(
          z
            .string()
            .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/, 'each node must be host:port')
            .transform((hp) => {
              const at = hp.lastIndexOf(':');
              return { host: hp.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hp.slice(at + 1)) };
            }),
        )
        .min(1),
    )
    .optional(),
  /** The Redis Cluster's ACL user and password (AUTH), for every connection to its nodes. */
  REDIS_CLUSTER_USERNAME: z.string().min(1).max(200).optional(),
  REDIS_CLUSTER_PASSWORD: z.string().min(1).max(500).optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,40}$/).default('lt:'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.union([z.literal('*'), z.url()]))),
  LOG_LEVEL: LogLevel.default('info'),
  /** `auto`: human-readable lines in a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  ADMIN_API_KEY: z.string().min(OPS_KEY_MIN_LENGTH, `must be at least ${OPS_KEY_MIN_LENGTH} characters`).optional(),
  /** Least time between two frames of one stream, ms (0–100); a burst's changes share frames. */
  FANOUT_BATCH_MS: z.coerce.number().int().min(0).max(100).default(20),
  /** Seed a demo ticker into an empty database on start. */
  SEED_DEMO: boolish.default(true),
  /** Proxies trusted to name the client: a hop count (1 behind one nginx) or their addresses/CIDRs. */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, c) => {
      const parsed = parseTrustProxy(v);
      if (typeof parsed === 'object' && !Array.isArray(parsed)) {
        c.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed;
    }),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  /**
   * `log`: without SMTP_URL, mails are written to the log instead of being sent, also in a
   * production start (a trial without a mail server), which is refused otherwise. Ignored when
   * SMTP_URL is set.
   */
  MAIL_TRANSPORT: z.enum(['log'], { error: 'must be log (mails written to the log instead of sent), or unset' }).optional(),
  /** `production` marks a start real people reach, as an https PUBLIC_URL does (see mailProblems). */
  NODE_ENV: z.string().max(40).optional(),
  MAIL_FROM: z.string().min(3).default('liveticker <no-reply@localhost>'),
  /** The first admin, created on start when no user has this address yet. */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).max(128).optional(),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24 * 30),
  /** scrypt cost as log2(N); 17 is OWASP's minimum. Tests may lower it for speed (min 10). */
  SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(17),
  /** Longest a graceful stop (SIGTERM) may take before remaining connections are cut, ms. */
  /**
   * Points of public reads (REST and socket catch-ups) one client address may spend per minute:
   * a read costs 1, plus 1 per 16 KB of answer beyond the first. 0 turns the limit off (a CDN in
   * front that does its own limiting).
   */
  READ_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(1200),
  /** Sockets one client address may hold, over every node (0: no limit). */
  MAX_SOCKETS_PER_IP: z.coerce.number().int().min(0).max(1_000_000).default(100),
  /** A socket whose unsent output passes this many bytes is cut off as a slow consumer. */
  SOCKET_MAX_BUFFER_BYTES: z.coerce.number().int().min(16 * 1024).max(1024 * 1024 * 1024).default(1024 * 1024),
  /** `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`; without it (and without METRICS_PORT) only loopback may scrape. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Serves `/metrics` on this port of 127.0.0.1 instead of the public port. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Anonymous votes (polls with allowAnonymous) one address may cast in one poll. */
  POLL_VOTES_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Questions to the desk one verified reader may ask per QUESTIONS_WINDOW_S (staff are not counted). */
  QUESTIONS_PER_READER: z.coerce.number().int().min(1).max(1_000_000).default(3),
  /** Questions to the desk one client address may ask per QUESTIONS_WINDOW_S. */
  QUESTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /** The questions' window, s: the limits above count within it, and the same text again within it is refused (at most 7 days). */
  QUESTIONS_WINDOW_S: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(600),
  /** Signs the anonymous voters' device cookies (at least 32 characters); unset: derived from the VAPID private key every node shares. */
  POLL_DEVICE_SECRET: z.string().min(32, 'must be at least 32 characters').max(512).optional(),
  /** Where uploaded images are kept (the local-disk store). */
  MEDIA_DIR: z.string().min(1).default('./data/media'),
  /**
   * An S3-compatible bucket for uploaded images instead of MEDIA_DIR (AWS S3, MinIO, Cloudflare
   * R2, Ceph, …). Bucket names as S3 has them: 3–63 lowercase letters, digits, dots and hyphens.
   */
  MEDIA_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name: 3–63 lowercase letters, digits, dots and hyphens')
    .optional(),
  /** The store's URL when it is not AWS S3 (`http://minio:9000`, `https://<account>.r2.cloudflarestorage.com`). */
  MEDIA_S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  /** The bucket's region (AWS: required; other stores: `us-east-1` unless they say otherwise, R2 takes `auto`). */
  MEDIA_S3_REGION: z.string().regex(/^[a-z0-9-]{2,40}$/, 'must be a region name such as eu-central-1').optional(),
  /** Unset both: the AWS SDK's usual sources (AWS_* variables, a shared profile, an instance or pod role). */
  MEDIA_S3_ACCESS_KEY_ID: z.string().min(1).max(256).optional(),
  MEDIA_S3_SECRET_ACCESS_KEY: z.string().min(1).max(256).optional(),
  /** `http://endpoint/bucket/key` instead of `http://bucket.endpoint/key`; unset: on with MEDIA_S3_ENDPOINT, off without. */
  MEDIA_S3_FORCE_PATH_STYLE: boolish.optional(),
  /**
   * Where readers fetch the images, handed out as their URLs instead of `<PUBLIC_URL>/media`: a CDN
   * in front of the server's /media/ route or of the bucket, or the bucket's public URL. A key is
   * appended after a slash.
   */
  MEDIA_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((v) => !/[?#]/.test(v), 'must not have a query or fragment (the file name is appended)')
    .optional(),
  /** Largest upload, bytes. */
  MEDIA_MAX_BYTES: z.coerce.number().int().min(1024).max(200 * 1024 * 1024).default(15 * 1024 * 1024),
  /** Largest image, pixels (width × height): a small file can decode to gigabytes (a decompression bomb). */
  MEDIA_MAX_PIXELS: z.coerce.number().int().min(10_000).max(500_000_000).default(50_000_000),
  /** Seconds a CDN may keep the feeds and the rendered ticker (0: revalidate every time), and serve them stale after. */
  PUBLIC_CACHE_MAX_AGE: z.coerce.number().int().min(0).max(3600).default(10),
  PUBLIC_CACHE_STALE: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Webhook deliveries may go to private, loopback and link-local addresses (an intranet; tests). */
  WEBHOOK_ALLOW_PRIVATE: boolish.default(false),
  /** How long one delivery may take before it counts as failed, ms. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** How long an endpoint may fail before it is turned off, hours (retries back off meanwhile). */
  WEBHOOK_RETRY_HOURS: z.coerce.number().min(0.001).max(24 * 7).default(24),
  /** How long a node's claim on an endpoint lasts unless renewed: after a crash, another node takes over within it, s. */
  WEBHOOK_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /**
   * The server's VAPID pair for Web Push (base64url, as `npx web-push generate-vapid-keys` prints
   * it); unset: the first node makes one and keeps it in the database for every node.
   */
  VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{80,100}={0,2}$/, 'must be a base64url P-256 public key (87 characters)').optional(),
  VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{40,50}={0,2}$/, 'must be a base64url P-256 private key (43 characters)').optional(),
  /** Who runs this push sender, for the push services: a mailto: address or an https URL. */
  VAPID_SUBJECT: z
    .string()
    .max(500)
    .refine((v) => /^mailto:[^\s@]+@[^\s@]+$/.test(v) || /^https:\/\/[^\s]+$/.test(v), 'must be a mailto: address or an https:// URL')
    .optional(),
  /** Push endpoints may be private, loopback and link-local addresses (an intranet; tests); still https only. */
  PUSH_ALLOW_PRIVATE: boolish.default(false),
  /** Least time between two pushes to one follow of every update, s; entries in between are summed up in the next. */
  PUSH_MIN_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Most follows one ticker may have. */
  PUSH_MAX_FOLLOWS_PER_TICKER: z.coerce.number().int().min(1).max(100_000_000).default(200_000),
  /** How long a node's claim on a followed ticker or a follow lasts: after a crash, another node takes over within it, s. */
  PUSH_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** A PEM file of certificate authorities for push endpoints (an intranet's own CA): with Node's bundled roots, it replaces the trusted roots for pushes (NODE_EXTRA_CA_CERTS then does not apply). */
  PUSH_CA_FILE: z.string().min(1).optional(),
  /** First-party reader analytics (the widget's beacons and the desk's Reach): on or off. */
  ANALYTICS: z.enum(['on', 'off']).default('on'),
  /** How long per-minute analytics are kept before they roll up into per-day rows, days (13 months). */
  ANALYTICS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(396),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  HEAL_INTERVAL_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  /**
   * Server processes on the one port (node:cluster): a number, or `auto` for the machine's cores.
   * Above 1, a primary process supervises the workers and, without REDIS_URL, relays the bus and
   * keeps the throttles, reader counts and socket counts for all of them.
   */
  WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(256)])
    .default(1)
    .transform((v) => (v === 'auto' ? Math.max(1, os.availableParallelism()) : v)),
});

export type Config = ReturnType<typeof toConfig>;

/** What the S3-compatible media store needs (see `S3Store`, media/store.s3.ts). */
export interface MediaS3Config {
  bucket: string;
  /** Unset: AWS S3 itself, found from the region. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Unset: the AWS SDK's default sources (AWS_* variables, profile, instance or pod role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

function s3Config(env: z.infer<typeof EnvSchema>, bucket: string): MediaS3Config {
  return {
    bucket,
    endpoint: env.MEDIA_S3_ENDPOINT,
    // Checked in mediaStoreProblems: present whenever there is no endpoint.
    region: env.MEDIA_S3_REGION ?? 'us-east-1',
    // MinIO and Ceph answer path-style by default; AWS wants virtual-hosted buckets.
    forcePathStyle: env.MEDIA_S3_FORCE_PATH_STYLE ?? Boolean(env.MEDIA_S3_ENDPOINT),
    credentials:
      env.MEDIA_S3_ACCESS_KEY_ID && env.MEDIA_S3_SECRET_ACCESS_KEY
        ? { accessKeyId: env.MEDIA_S3_ACCESS_KEY_ID, secretAccessKey: env.MEDIA_S3_SECRET_ACCESS_KEY }
        : undefined,
  };
}

/** Variables whose values a refusal never repeats (the message goes to a terminal or a log). */
const SECRET_VARIABLES = new Set(['MEDIA_S3_SECRET_ACCESS_KEY', 'VAPID_PRIVATE_KEY', 'POLL_DEVICE_SECRET']);

/** The media store's variables that only make sense together: one line per bad combination. */
function mediaStoreProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!env.MEDIA_S3_BUCKET) {
    for (const key of ['MEDIA_S3_ENDPOINT', 'MEDIA_S3_REGION', 'MEDIA_S3_ACCESS_KEY_ID', 'MEDIA_S3_SECRET_ACCESS_KEY', 'MEDIA_S3_FORCE_PATH_STYLE']) {
      if (env[key]) problems.push(`${key}: set MEDIA_S3_BUCKET too (without a bucket the images stay on the local disk, MEDIA_DIR)`);
    }
    return problems;
  }
  if (env.MEDIA_DIR) problems.push('MEDIA_DIR and MEDIA_S3_BUCKET: set one of them (the local disk, or an S3-compatible bucket)');
  if (Boolean(env.MEDIA_S3_ACCESS_KEY_ID) !== Boolean(env.MEDIA_S3_SECRET_ACCESS_KEY)) {
    problems.push('MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY: set both or neither (neither: the AWS SDK finds credentials in AWS_* variables or a role)');
  }
  if (!env.MEDIA_S3_ENDPOINT && !env.MEDIA_S3_REGION) {
    problems.push("MEDIA_S3_REGION: required for AWS S3 (no MEDIA_S3_ENDPOINT): the bucket's region, such as eu-central-1");
  }
  return problems;
}

/**
 * What makes a start production-like: NODE_ENV=production (the container sets it) or an https
 * PUBLIC_URL (real readers reach it). Undefined for a local development start.
 */
function productionReason(env: { NODE_ENV?: string; PUBLIC_URL?: string }): string | undefined {
  if (env.NODE_ENV === 'production') return 'NODE_ENV=production';
  if (/^https:/i.test(env.PUBLIC_URL ?? '')) return 'PUBLIC_URL is https';
  return undefined;
}

/**
 * Without SMTP_URL the mails' links would go to the log, where whoever reads it could confirm
 * addresses and take over accounts: a production-like start needs SMTP_URL, or MAIL_TRANSPORT=log
 * said on purpose (then no link is logged, see logMailer).
 */
function mailProblems(env: Record<string, string | undefined>): string[] {
  const production = productionReason(env);
  if (env.SMTP_URL || env.MAIL_TRANSPORT === 'log' || !production) return [];
  return [
    `SMTP_URL: required in production (${production}): without it every verification and password reset link would be written to the log; set SMTP_URL, or MAIL_TRANSPORT=log to run without mail on purpose (no link is logged then)`,
  ];
}

function toConfig(env: z.infer<typeof EnvSchema>) {
  const port = env.PORT;
  const production = productionReason(env) !== undefined;
  return {
    port,
    host: env.HOST,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisCluster: env.REDIS_CLUSTER_NODES,
    /** Options every connection to a Redis Cluster node gets (the cluster client's and the shard subscribers'). */
    redisClusterAuth: {
      ...(env.REDIS_CLUSTER_USERNAME ? { username: env.REDIS_CLUSTER_USERNAME } : {}),
      ...(env.REDIS_CLUSTER_PASSWORD ? { password: env.REDIS_CLUSTER_PASSWORD } : {}),
    },
    redisPrefix: env.REDIS_PREFIX,
    corsOrigins: env.CORS_ORIGINS,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    adminApiKey: env.ADMIN_API_KEY,
    fanoutBatchMs: env.FANOUT_BATCH_MS,
    seedDemo: env.SEED_DEMO,
    trustProxy: env.TRUST_PROXY,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    /** MAIL_TRANSPORT as set: `log` only matters without `smtpUrl` (main.ts says when it is ignored). */
    mailTransport: env.MAIL_TRANSPORT,
    /**
     * Without `smtpUrl` mails go to the log. `verify`: a local development start, where a
     * verification link is logged in full so a developer can click it; `none`: a production-like
     * start (MAIL_TRANSPORT=log), where no link is. Password reset links are never logged.
     */
    mailLogLinks: (production ? 'none' : 'verify') as 'none' | 'verify',
    adminEmail: env.ADMIN_EMAIL,
    adminPassword: env.ADMIN_PASSWORD,
    sessionTtlMs: env.SESSION_TTL_HOURS * 3600_000,
    scrypt: { logN: env.SCRYPT_LOG_N, r: 8, p: 1 },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    media: {
      dir: env.MEDIA_DIR,
      maxBytes: env.MEDIA_MAX_BYTES,
      maxPixels: env.MEDIA_MAX_PIXELS,
      /** Where readers fetch the files (no trailing slash); unset: `<publicUrl>/media`, this server's route. */
      publicUrl: env.MEDIA_PUBLIC_URL?.replace(/\/+$/, ''),
      /** The S3-compatible store instead of `dir`; unset: the local disk. */
      s3: env.MEDIA_S3_BUCKET ? s3Config(env, env.MEDIA_S3_BUCKET) : undefined,
    },
    publicCache: { maxAge: env.PUBLIC_CACHE_MAX_AGE, stale: env.PUBLIC_CACHE_STALE },
    webhooks: {
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryWindowMs: Math.round(env.WEBHOOK_RETRY_HOURS * 3600_000),
      /** How often a node looks for work (it is also woken by its own writes), ms. */
      pollMs: 1000,
      /** How long a node's claim on an endpoint lasts unless renewed, ms (tests lower it). */
      leaseMs: env.WEBHOOK_LEASE_SECONDS * 1000,
      /** First retry delay, ms; doubled per failure up to `maxBackoffMs`. */
      backoffMs: 5000,
      maxBackoffMs: 3600_000,
    },
    push: {
      /** Configured VAPID pair; unset: the one kept in the database (push/vapid.ts). */
      vapid: env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY ? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY } : undefined,
      /** Unset: a mailto: address made from MAIL_FROM's. */
      subject: env.VAPID_SUBJECT ?? `mailto:${/<([^>]+)>/.exec(env.MAIL_FROM)?.[1] ?? env.MAIL_FROM}`,
      allowPrivate: env.PUSH_ALLOW_PRIVATE,
      minIntervalMs: env.PUSH_MIN_INTERVAL_S * 1000,
      maxFollowsPerTicker: env.PUSH_MAX_FOLLOWS_PER_TICKER,
      caFile: env.PUSH_CA_FILE,
      /** How long one push may take, ms. */
      timeoutMs: 10_000,
      /** How long a push service may keep a message for a device that is offline, s (RFC 8030 TTL). */
      ttlSeconds: 24 * 3600,
      /** How long a follow may fail before it ends, ms. */
      retryWindowMs: 7 * 24 * 3600_000,
      /** First retry delay, ms; doubled per failure up to `maxBackoffMs` (a Retry-After longer than it wins). */
      backoffMs: 5000,
      maxBackoffMs: 3600_000,
      /** How often a node looks for work (it is also woken by its own writes), ms. */
      pollMs: 1000,
      /** How long a node's claim on a stream or a follow lasts, ms. */
      leaseMs: env.PUSH_LEASE_SECONDS * 1000,
      /** Pushes one node has under way at once. */
      concurrency: 32,
    },
    workers: env.WORKERS,
    metricsToken: env.METRICS_TOKEN,
    metricsPort: env.METRICS_PORT,
    readRateLimit: env.READ_RATE_LIMIT,
    maxSocketsPerIp: env.MAX_SOCKETS_PER_IP,
    socketMaxBufferBytes: env.SOCKET_MAX_BUFFER_BYTES,
    /** How often a node looks for scheduled entries whose time has come, ms. */
    schedulerMs: 1000,
    polls: {
      votesPerAddress: env.POLL_VOTES_PER_ADDRESS,
      deviceSecret: env.POLL_DEVICE_SECRET,
      /** How often a node looks for polls to close and counts to publish, ms. */
      sweepMs: 200,
      /** Least time between two published counts of one poll, ms, over every node. */
      resultsGapMs: 1000,
    },
    cards: {
      /** How often a node looks for cards whose last write is not on the stream yet, ms. */
      sweepMs: 100,
      /** Least time between two published changes of one card, ms, over every node (≤ 2 a second). */
      gapMs: 500,
    },
    questions: {
      perReader: env.QUESTIONS_PER_READER,
      perAddress: env.QUESTIONS_PER_ADDRESS,
      windowS: env.QUESTIONS_WINDOW_S,
      /** How often a node looks for question vote counts to publish, ms. */
      sweepMs: 200,
      /** Least time between two published counts of one question, ms, over every node. */
      votesGapMs: 1000,
    },
    /** How often a node brings the inbox items of chats with new messages up to date, ms: at most one update per item per round. */
    inboxSweepMs: 1000,
    analytics: {
      enabled: env.ANALYTICS === 'on',
      retentionDays: env.ANALYTICS_RETENTION_DAYS,
      /** How often readers online are sampled into the minute rows, ms. */
      sampleMs: 10_000,
      /** How often old rows are pruned and rolled up, ms. */
      pruneMs: 3600_000,
      /** How long a beacon's batch waits for others to be written with it, ms. */
      flushMs: 250,
    },
    /** How long a node keeps a stream's bus channel after its last local reader left, ms (tests lower it). */
    releaseAfterMs: 5000,
    /** How often a node compares its streams with the database heads, ms (0 = never: tests that prove another path heals). */
    healIntervalMs: env.HEAL_INTERVAL_MS,
    /** Changes a node keeps per relayed stream to answer resumes without the database. */
    recentChanges: 500,
    /** Longest an open socket goes without its session being checked again, ms (tests lower it). */
    sessionRecheckMs: 60_000,
    /**
     * Editors' desks across nodes: each node re-sends its lists this often (heartbeat), and drops
     * another node's after `staleMs` without one (that node died), ms (tests lower them).
     */
    desk: { heartbeatMs: 5000, staleMs: 15_000 },
    /** Overrides of the throttles by name (tests and tools only; not from the environment). */
    limitOverrides: {} as Record<string, { points: number; duration: number; blockDuration?: number }>,
  };
}

/** Whether the nodes share Redis (a server or a cluster): bus, throttles, counts. */
export function usesRedis(config: Pick<Config, 'redisUrl' | 'redisCluster'>): boolean {
  return Boolean(config.redisUrl || config.redisCluster);
}

/** A configured VAPID pair must be a pair: the private key's public point is the public key. */
function vapidProblems(env: Record<string, string | undefined>): string[] {
  if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) return [];
  const problem = vapidPairProblem(env.VAPID_PUBLIC_KEY, env.VAPID_PRIVATE_KEY);
  return problem ? [problem] : [];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Parses the environment; throws a ConfigError with one line per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
    throw new ConfigError(['ADMIN_EMAIL and ADMIN_PASSWORD: set both or neither']);
  }
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) {
    throw new ConfigError(['REDIS_URL and REDIS_CLUSTER_NODES: set one of them (a Redis server, or the nodes of a Redis Cluster)']);
  }
  if (Boolean(env.VAPID_PUBLIC_KEY) !== Boolean(env.VAPID_PRIVATE_KEY)) {
    throw new ConfigError(['VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both or neither (neither: the server makes a pair and keeps it in the database)']);
  }
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    picked[key] = value === '' ? undefined : value;
  }
  const parsed = EnvSchema.safeParse(picked);
  // The pair is checked as a pair only when each key has the right form (the schema says what is wrong otherwise).
  const vapidMalformed = !parsed.success && parsed.error.issues.some((i) => i.path[0] === 'VAPID_PUBLIC_KEY' || i.path[0] === 'VAPID_PRIVATE_KEY');
  const problems = [...mediaStoreProblems(picked), ...mailProblems(picked), ...(vapidMalformed ? [] : vapidProblems(picked))];
  if (!parsed.success) {
    problems.unshift(
      ...parsed.error.issues.map((i) => {
        const key = String(i.path[0]);
        return `${key}: ${i.message}${SECRET_VARIABLES.has(key) ? '' : ` (got ${JSON.stringify(picked[key])})`}`;
      }),
    );
  }
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

/** Config for tests and tools: defaults plus overrides, no environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  // Uploads of a test go to a directory of the test run's, never into ./data.
  return { ...loadConfig({ SEED_DEMO: 'false', LOG_LEVEL: 'silent', PORT: '0', MEDIA_DIR: `${os.tmpdir()}/liveticker-media-${process.pid}` }), ...overrides };
}
