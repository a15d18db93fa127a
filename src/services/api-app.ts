import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp, type App, type AppDeps } from '../app.js';
import { apiKeySettings } from '../infra/auth/auth-settings.js';
import type { Config } from '../infra/config/schema.js';
import { createRedisErrorReporter } from '../infra/log/redis-error-reporter.js';
import { createApiMetrics } from '../infra/metrics/api-metrics.js';
import { createBullmqIdempotencyStore } from '../infra/queue/bullmq-idempotency-store.js';
import { createBullmqProducer } from '../infra/queue/bullmq-producer.js';
import { durableReplay } from '../infra/queue/durable-replay.js';
import { createReplicaAck } from '../infra/queue/replica-ack.js';
import { createBullmqStatusReader } from '../infra/queue/bullmq-status-reader.js';
import { createLazyQueue } from '../infra/queue/lazy-queue.js';
import { rateLimitFromConfig } from '../infra/rate-limit/rate-limit-from-config.js';
import { producerRedisOptions, redisLabel } from '../infra/redis/connection-options.js';

export interface ApiApp {
  app: App;
  /** Settles once the first connection attempt to the job-queue Redis succeeded or failed. */
  firstConnection: Promise<void>;
  /** Closes the queue and the Redis connections; idempotent enough to call once per owner. */
  close(): Promise<void>;
}

/**
 * The API's app with its real clients: the job-queue Redis client (fail fast,
 * reconnecting forever), the queue, producer and status reader on it, the rate
 * limiter and the metrics. Shared by the HTTP service and the Lambda entry, so
 * both run the same app. Throws ConfigError first when API_SECRET_KEY is missing.
 * @example const { app, close } = createApiApp({ config, logger });
 */
export function createApiApp({
  config,
  logger,
  overrides = {},
}: {
  config: Config;
  logger: Logger;
  overrides?: Partial<AppDeps>;
}): ApiApp {
  const auth = apiKeySettings(config);
  const redisConfig = config.cache.redis.jobqueue;
  const { jobqueue } = config.app;
  const redisErrors = createRedisErrorReporter(
    logger,
    `job-queue Redis at ${redisLabel(redisConfig)}`,
    'registering a job answers 503 until it is back',
  );
  const connect = () => {
    const created = new Redis({ ...producerRedisOptions(redisConfig), lazyConnect: true });
    created.on('error', redisErrors.error);
    created.on('ready', redisErrors.recovered);
    return created;
  };
  const client = connect();
  // WAIT (ack_replicas) holds the connection it is sent on until replicas confirm: the producer then
  // writes on a connection of its own, so status reads do not queue behind it.
  const writer = redisConfig.ack_replicas > 0 ? connect() : client;
  const clients = writer === client ? [client] : [client, writer];
  // Connecting is not starting: without Redis the API serves 503s and reconnects by itself.
  const firstConnection = Promise.allSettled(clients.map((each) => each.connect())).then(() => undefined);
  const location = { name: jobqueue.queue_name, prefix: jobqueue.prefix };
  const queue = createLazyQueue({ client, location, logger });
  const writeQueue = writer === client ? queue : createLazyQueue({ client: writer, location, logger });
  const replicaAck =
    redisConfig.ack_replicas > 0
      ? createReplicaAck(writer, redisConfig.ack_replicas, redisConfig.ack_timeout_ms)
      : undefined;
  const idempotency = createBullmqIdempotencyStore({ queue, logger, redisErrors });
  const rateLimit = rateLimitFromConfig(config, logger);
  if (!config.secrets.admin)
    logger.info(
      'metrics (/metrics) and the queue dashboard are off: set ADMIN_USER and ADMIN_PASSWORD to turn them on',
    );
  const app = createApp({
    producer: createBullmqProducer({ queue: writeQueue, logger, redisErrors, ...(replicaAck ? { replicaAck } : {}) }),
    statusReader: createBullmqStatusReader({ queue, logger, redisErrors }),
    // A replayed 201 is confirmed on the replicas too, as the first one would have been.
    idempotency: replicaAck
      ? durableReplay(idempotency, { queue: writeQueue, logger, redisErrors, replicaAck })
      : idempotency,
    logger,
    bodyLimitBytes: config.app.server.body_limit_bytes,
    auth,
    isReady: () => clients.every((each) => each.status === 'ready'),
    metrics: createApiMetrics(),
    ...(config.secrets.admin ? { adminCredentials: config.secrets.admin } : {}),
    ...(config.app.api.cors.allowed_origins.length > 0 ? { cors: config.app.api.cors } : {}),
    ...(rateLimit.options ? { rateLimit: rateLimit.options } : {}),
    ...overrides,
  });
  return {
    app,
    firstConnection,
    async close() {
      for (const each of new Set([queue, writeQueue]))
        await each.close().catch((error: unknown) => logger.debug({ err: error }, 'queue close failed'));
      for (const each of clients) each.disconnect();
      rateLimit.close();
    },
  };
}
