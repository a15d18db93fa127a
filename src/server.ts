/** HTTP API entry (`node dist/server.js`); starts even when Redis is down, exits 1 when it cannot start. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp, type AppDeps } from './app.js';
import { settingsOf, type Extra } from './extras/extra.js';
import { apiKeySettings } from './infra/auth/api-keys.js';
import { ConfigError, EXTRAS } from './infra/config/load-config.js';
import type { Config } from './infra/config/schema.js';
import { startHttpServer, type RunningServer } from './infra/http/serve.js';
import { createOutageLog } from './infra/log.js';
import { runProcess, type Service } from './infra/process.js';
import {
  createBullmqProducer,
  createBullmqJobStore,
  createLazyQueue,
  queueLocation,
} from './infra/queue/bullmq-queue.js';
import { createRateLimit } from './infra/rate-limit/rate-limit.js';
import { producerRedisOptions, redisLabel, reopenWhenEnded } from './infra/redis/connection.js';
import type { KnownJob } from './jobs/registry.js';

interface ApiOptions {
  config: Config;
  logger: Logger;
  overrides?: Partial<AppDeps> | undefined;
  extras?: readonly Extra[] | undefined;
}

/** Without Redis the app answers 503s and reconnects; throws ConfigError without API_SECRET_KEY. */
export function createApi({ config, logger, overrides = {}, extras = EXTRAS }: ApiOptions) {
  const auth = apiKeySettings(config);
  const redis = config.cache.redis.jobqueue;
  const location = queueLocation(config.app.jobqueue);
  const consequence = 'registering a job answers 503 until it is back';
  const label = `job-queue Redis at ${redisLabel(redis)}`;
  const outage = createOutageLog(logger, label, consequence);
  let closed = false;
  const clients: Redis[] = [];
  const connect = () => {
    const options = producerRedisOptions(redis);
    const client = new Redis({ ...options, lazyConnect: true });
    client.on('error', outage.error);
    client.on('ready', outage.recovered);
    reopenWhenEnded(client, { label, logger, delayMs: options.retryStrategy, isClosing: () => closed });
    clients.push(client);
    return client;
  };
  const queue = createLazyQueue({ client: connect(), location, logger });
  // Another extension's writes confirm a job before Idempotency-Key replays it: looked up when called.
  const beforeReplay = async (jobId: string): Promise<void> => writes?.beforeReplay(jobId);
  const context = { config, logger, queue: { queue, logger, outage }, beforeReplay, connect };
  const extensions = extras.flatMap((extra) => extra.api?.({ ...context, settings: settingsOf(extra, config) }) ?? []);
  const writes = extensions.find((extension) => extension.writes)?.writes;
  const rateLimitStore = extensions.find((extension) => extension.rateLimitStore)?.rateLimitStore;
  const { enabled, storage_type: storage } = config.app.api.rate_limit;
  if (enabled && storage === 'redis' && !rateLimitStore)
    throw new ConfigError('config.yaml', 'api.rate_limit.storage_type', '"redis" needs the rate-limit-cluster extra');
  logger.info({ storage: enabled ? (rateLimitStore ? 'redis' : 'memory') : 'off' }, 'rate limiting');
  const { cors } = config.app.api;
  const app = createApp({
    producer: createBullmqProducer<KnownJob>({
      queue: writes?.queue ?? queue,
      logger,
      outage,
      afterWrite: writes?.afterWrite,
    }),
    jobStore: createBullmqJobStore({ queue, logger, outage }),
    logger,
    auth,
    bodyLimitBytes: config.app.server.body_limit_bytes,
    rateLimit: createRateLimit(config, logger, rateLimitStore),
    cors: cors.allowed_origins.length > 0 ? cors : undefined,
    isReady: () => clients.every((client) => client.status === 'ready'),
    extensions,
    ...overrides,
  });
  return {
    app,
    extensions,
    /** Settles once the first connection attempt to the job-queue Redis succeeded or failed. */
    firstConnection: Promise.allSettled(clients.map((client) => client.connect())).then(() => undefined),
    async close() {
      closed = true;
      for (const extension of extensions) await extension.stop?.();
      for (const each of new Set([queue, writes?.queue])) await each?.close().catch(() => undefined);
      for (const client of clients) client.disconnect();
    },
  };
}

export function createApiService(options: ApiOptions) {
  const { config, logger } = options;
  let api: ReturnType<typeof createApi> | undefined;
  let server: RunningServer | undefined;
  let stopping: Promise<void> | undefined;
  return {
    get port() {
      return server?.port;
    },
    async start() {
      api = createApi(options);
      const { host, port, headers_timeout_ms: headersMs, request_timeout_ms: requestMs } = config.app.server;
      const setting = `SERVER_PORT (server.port in config/${config.env}/config.yaml)`;
      server = await startHttpServer(api.app, { host, port, timeouts: { headersMs, requestMs }, setting });
      for (const extension of api.extensions) await extension.start?.();
      // Last: "API listening" means every listener of the service is up.
      const { queue_name: queue, prefix } = config.app.jobqueue;
      const redis = redisLabel(config.cache.redis.jobqueue);
      logger.info({ env: config.env, redis, queue, prefix }, `API listening on http://${host}:${server.port}`);
    },
    stop() {
      stopping ??= (async () => {
        await server?.close();
        await api?.close();
      })();
      return stopping;
    },
  } satisfies Service & Record<string, unknown>;
}

// Run when started as the entry, not when the Lambda entry or a test imports createApi.
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href)
  await runProcess({ name: 'API server', logName: 'api' }, (config, logger) => ({
    service: createApiService({ config, logger }),
    shutdownTimeoutMs: 10_000,
  }));
