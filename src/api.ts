/**
 * The API's wiring: the real clients behind createApp's ports, and the listeners. Used by the HTTP
 * entry (src/server.ts) and the Lambda entry (src/lambda.ts). Every optional extra is one line here.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp, type AppDeps } from './app.js';
import { apiKeySettings } from './infra/auth/api-keys.js';
import type { Config } from './infra/config/schema.js';
import { startHttpServer, type RunningServer } from './infra/http/serve.js';
import { createOutageLog } from './infra/log.js';
import { createApiMetrics } from './infra/metrics.js';
import type { Service } from './infra/process.js';
import { createBullmqIdempotencyStore } from './infra/queue/bullmq-idempotency-store.js';
import {
  createBullmqProducer,
  createBullmqStatusReader,
  createFailFastQueue,
  createLazyQueue,
  queueLocation,
  type FailFastQueue,
} from './infra/queue/bullmq-queue.js';
import { createReplicaAck } from './infra/queue/replica-ack.js';
import { clusterStoreFromConfig } from './infra/rate-limit/cluster-store.js';
import { createRateLimit } from './infra/rate-limit/rate-limit.js';
import { producerRedisOptions, redisLabel, reopenWhenEnded } from './infra/redis/connection.js';
import type { KnownJob } from './jobs/registry.js';

/**
 * The API's app with its real clients: the job-queue Redis client (fail fast, reconnecting
 * forever) and the queue on it, the rate limiter and the metrics. Connecting is not starting:
 * without Redis the app answers 503s and reconnects by itself. Throws ConfigError when
 * API_SECRET_KEY is missing.
 * @example const { app, close } = createApi({ config, logger });
 */
interface ApiOptions {
  config: Config;
  logger: Logger;
  /** Replaces parts of the app's deps (tests, the bench). */
  overrides?: Partial<AppDeps> | undefined;
}

export function createApi({ config, logger, overrides = {} }: ApiOptions) {
  const auth = apiKeySettings(config);
  const redis = config.cache.redis.jobqueue;
  const location = queueLocation(config.app.jobqueue);
  const consequence = 'registering a job answers 503 until it is back';
  const label = `job-queue Redis at ${redisLabel(redis)}`;
  const outage = createOutageLog(logger, label, consequence);
  let closed = false;
  const connect = () => {
    const options = producerRedisOptions(redis);
    const client = new Redis({ ...options, lazyConnect: true });
    client.on('error', outage.error);
    client.on('ready', outage.recovered);
    reopenWhenEnded(client, { label, logger, delayMs: options.retryStrategy, isClosing: () => closed });
    return client;
  };
  const client = connect();
  const queue = createLazyQueue({ client, location, logger });
  // Replica acknowledgement (extra): WAIT holds the connection it is sent on, so the producer writes on its own.
  const writer = redis.ack_replicas > 0 ? connect() : client;
  const writeQueue = writer === client ? queue : createLazyQueue({ client: writer, location, logger });
  const { ack_replicas: replicas, ack_timeout_ms: timeoutMs } = redis;
  const replicaAck =
    replicas > 0 ? createReplicaAck({ client: writer, replicas, timeoutMs, location, logger }) : undefined;
  // Rate-limit counters in a Redis Cluster (extra) when api.rate_limit.storage_type asks for it.
  const cluster = clusterStoreFromConfig(config, logger);
  if (!config.secrets.metrics) logger.info('metrics (/metrics) are off: set METRICS_USER and METRICS_PASSWORD');
  const { cors } = config.app.api;
  const app = createApp({
    producer: createBullmqProducer<KnownJob>({ queue: writeQueue, logger, outage, afterWrite: replicaAck?.afterWrite }),
    statusReader: createBullmqStatusReader({ queue, logger, outage }),
    idempotency: createBullmqIdempotencyStore({ queue, logger, outage, beforeReplay: replicaAck?.beforeReplay }),
    logger,
    auth,
    bodyLimitBytes: config.app.server.body_limit_bytes,
    rateLimit: createRateLimit(config, logger, cluster),
    cors: cors.allowed_origins.length > 0 ? cors : undefined,
    isReady: () => client.status === 'ready' && writer.status === 'ready',
    metrics: createApiMetrics(),
    metricsCredentials: config.secrets.metrics,
    ...overrides,
  });
  return {
    app,
    /** Settles once the first connection attempt to the job-queue Redis succeeded or failed. */
    firstConnection: Promise.allSettled([...new Set([client, writer])].map((each) => each.connect())).then(
      () => undefined,
    ),
    /** Closes the queues and the Redis connections. */
    async close() {
      closed = true;
      for (const each of new Set([queue, writeQueue])) await each.close().catch(() => undefined);
      for (const each of new Set([client, writer])) each.disconnect();
      cluster?.close();
    },
  };
}

/** The queue dashboard (extra) on its own listener, with a queue of its own that fails fast while Redis is down. */
async function startDashboard(config: Config, logger: Logger) {
  const credentials = config.secrets.admin;
  if (!credentials) {
    logger.info('the queue dashboard is off: set ADMIN_USER and ADMIN_PASSWORD');
    return undefined;
  }
  // Loaded only when on: bull-board's import is a large share of a cold start.
  const { createDashboardApp, DASHBOARD_PATH } = await import('./infra/admin/queue-dashboard.js');
  const { jobqueue, admin } = config.app;
  const queue = createFailFastQueue(queueLocation(jobqueue), config.cache.redis.jobqueue, logger, 'dashboard');
  const app = createDashboardApp({ queue: queue.queue, credentials, readOnly: admin.read_only });
  const setting = `ADMIN_PORT (admin.port in config/${config.env}/config.yaml)`;
  const server = await startHttpServer(app, { host: admin.host, port: admin.port, setting });
  logger.info({ readOnly: admin.read_only }, `queue dashboard on http://${admin.host}:${server.port}${DASHBOARD_PATH}`);
  return { server, queue };
}

/**
 * The HTTP API listening on `server.host:server.port`, and the dashboard when ADMIN_USER and
 * ADMIN_PASSWORD are set. Starts without Redis.
 * @example const api = createApiService({ config, logger }); await api.start(); … await api.stop();
 */
export function createApiService({ config, logger, overrides }: ApiOptions) {
  let api: ReturnType<typeof createApi> | undefined;
  let server: RunningServer | undefined;
  let dashboard: { server: RunningServer; queue: FailFastQueue } | undefined;
  let stopping: Promise<void> | undefined;
  return {
    get port() {
      return server?.port;
    },
    async start() {
      api = createApi({ config, logger, overrides });
      const { host, port, headers_timeout_ms: headersMs, request_timeout_ms: requestMs } = config.app.server;
      const setting = `SERVER_PORT (server.port in config/${config.env}/config.yaml)`;
      server = await startHttpServer(api.app, { host, port, timeouts: { headersMs, requestMs }, setting });
      dashboard = await startDashboard(config, logger);
      // Last: "API listening" means every listener of the service is up.
      const { queue_name: queue, prefix } = config.app.jobqueue;
      const redis = redisLabel(config.cache.redis.jobqueue);
      logger.info({ env: config.env, redis, queue, prefix }, `API listening on http://${host}:${server.port}`);
    },
    stop() {
      stopping ??= (async () => {
        await server?.close();
        await dashboard?.server.close();
        await dashboard?.queue.close().catch(() => undefined);
        await api?.close();
      })();
      return stopping;
    },
  } satisfies Service & Record<string, unknown>;
}
