import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkerChannel } from './cluster/ipc';

/**
 * Prometheus metrics of one server; a registry per server so tests can run several. In a worker
 * of WORKERS > 1, `text()` asks the primary for the sum over every worker (prom-client's
 * cluster aggregation), so a scrape that lands on any worker sees the whole port.
 */
export function createMetrics(cluster?: WorkerChannel) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (cluster) {
    AggregatorRegistry.setRegistries([registry]);
    // Constructing one is what makes this worker answer the primary's requests for its metrics.
    new AggregatorRegistry();
  }
  return {
    registry,
    contentType: registry.contentType,
    text: (): Promise<string> => (cluster ? cluster.call<string>('metrics') : registry.metrics()),
    httpRequests: new Counter({
      name: 'liveticker_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'liveticker_http_request_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    sockets: new Gauge({ name: 'liveticker_sockets', help: 'Connected sockets on this node', registers: [registry] }),
    storms: new Counter({
      name: 'liveticker_reconnect_storms_total',
      help: 'Reconnect storms this node took (handshakes arriving so fast that frames were batched longer)',
      registers: [registry],
    }),
    firstRequestWait: new Histogram({
      name: 'liveticker_http_first_request_wait_seconds',
      help: 'From accepting a connection to its first request reaching the app (a busy or flooded node shows here)',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    socketRefusals: new Counter({
      name: 'liveticker_socket_refusals_total',
      help: 'Sockets refused or cut off: per_ip (MAX_SOCKETS_PER_IP), flood (commands past the limit), slow (output not read)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'liveticker_webhook_deliveries_total',
      help: 'Webhook delivery attempts by result (ok, failed)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    pushesSent: new Counter({
      name: 'liveticker_pushes_sent_total',
      help: 'Web Push messages a push service took (2xx)',
      registers: [registry],
    }),
    pushesFailed: new Counter({
      name: 'liveticker_pushes_failed_total',
      help: 'Web Push attempts that failed, by reason: gone (404/410: the follow ended), rate_limited (429), server_error (5xx), rejected (another 4xx), network (no answer, refused address), expired (the follow ended after failing for 7 days)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    follows: new Gauge({
      name: 'liveticker_follows',
      help: 'Web Push follows per ticker (as this node last counted them)',
      labelNames: ['ticker'] as const,
      registers: [registry],
    }),
    publishToPush: new Histogram({
      name: 'liveticker_publish_to_push_seconds',
      help: "From an entry's publication to a push service taking its push (a burst's waiting included)",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    changesPublished: new Counter({
      name: 'liveticker_changes_published_total',
      help: 'Changes committed and published by this node',
      registers: [registry],
    }),
    framesSent: new Counter({
      name: 'liveticker_frames_sent_total',
      help: 'Change frames sent to rooms (one frame reaches every socket of a room)',
      registers: [registry],
    }),
    catchUps: new Counter({
      name: 'liveticker_catch_ups_total',
      help: 'Catch-up answers (subscribe with a position) by source: the node cache or the database',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    busChanges: new Counter({
      name: 'liveticker_bus_changes_received_total',
      help: "Changes other nodes (or workers) published that reached this one over the bus",
      registers: [registry],
    }),
    heals: new Counter({
      name: 'liveticker_stream_heals_total',
      help: 'Times a node read missed changes from the database',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
