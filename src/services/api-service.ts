import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp, type AppDeps } from '../app.js';
import { apiKeySettings } from '../infra/auth/auth-settings.js';
import { createApiMetrics } from '../infra/metrics/api-metrics.js';
import { createDashboardApp, DASHBOARD_PATH } from '../infra/admin/queue-dashboard.js';
import type { AdminCredentials } from '../routes/metrics.js';
import type { Config } from '../infra/config/schema.js';
import { startHttpServer, type RunningServer } from '../infra/http/serve.js';
import { createRedisErrorReporter } from '../infra/log/redis-error-reporter.js';
import { createBullmqProducer } from '../infra/queue/bullmq-producer.js';
import { createBullmqStatusReader } from '../infra/queue/bullmq-status-reader.js';
import { createLazyQueue } from '../infra/queue/lazy-queue.js';
import { rateLimitFromConfig } from '../infra/rate-limit/rate-limit-from-config.js';
import { producerRedisOptions, redisLabel } from '../infra/redis/connection-options.js';
import { failureSignal, once, type Service } from './service.js';

export interface ApiService extends Service {
  /** The bound port, once started (useful with port 0). */
  readonly port: number | undefined;
  /** The dashboard's port, when it runs. */
  readonly adminPort: number | undefined;
}

/** The queue dashboard on its own listener, with a queue of its own that fails fast while Redis is down. */
async function startDashboard(config: Config, credentials: AdminCredentials, logger: Logger) {
  const { jobqueue, admin } = config.app;
  const queue = new Queue(jobqueue.queue_name, { connection: producerRedisOptions(config.cache.redis.jobqueue), prefix: jobqueue.prefix });
  queue.on('error', (error) => logger.debug({ err: error }, 'dashboard queue connection error'));
  const server = await startHttpServer(createDashboardApp({ queue, credentials, readOnly: admin.read_only }), {
    host: admin.host,
    port: admin.port,
    setting: `ADMIN_PORT (admin.port in config/${config.env}/config.yaml)`,
  });
  logger.info({ readOnly: admin.read_only }, `queue dashboard on http://${admin.host}:${server.port}${DASHBOARD_PATH}`);
  return { server, queue };
}

export interface ApiServiceOptions {
  config: Config;
  logger: Logger;
  /** Replaces parts of the app's deps (tests, the bench's experiments). */
  overrides?: Partial<AppDeps>;
}

/**
 * The HTTP API: the job-queue Redis client (fail fast, reconnecting forever),
 * the queue, producer and status reader on it, the rate limiter, and the app,
 * listening on `server.host:server.port`. Starts without Redis (D11).
 * @example const api = createApiService({ config, logger }); await api.start(); … await api.stop();
 */
export function createApiService({ config, logger, overrides = {} }: ApiServiceOptions): ApiService {
  const redisConfig = config.cache.redis.jobqueue;
  const label = redisLabel(redisConfig);
  const { jobqueue } = config.app;
  const { failure } = failureSignal();
  let client: Redis | undefined;
  let queue: ReturnType<typeof createLazyQueue> | undefined;
  let rateLimit: ReturnType<typeof rateLimitFromConfig> | undefined;
  let server: RunningServer | undefined;
  let dashboard: { server: RunningServer; queue: Queue } | undefined;

  const stop = once(async () => {
    await server?.close();
    await dashboard?.server.close();
    await dashboard?.queue.close().catch(() => undefined);
    await queue?.close().catch((error: unknown) => logger.debug({ err: error }, 'queue close failed'));
    client?.disconnect();
    rateLimit?.close();
  });

  return {
    failure,
    get port() {
      return server?.port;
    },
    get adminPort() {
      return dashboard?.server.port;
    },
    async start() {
      // First, before anything is opened: without a secret the API cannot check a key.
      const auth = apiKeySettings(config);
      client = new Redis({ ...producerRedisOptions(redisConfig), lazyConnect: true });
      const redisErrors = createRedisErrorReporter(logger, `job-queue Redis at ${label}`, 'registering a job answers 503 until it is back');
      client.on('error', redisErrors.error);
      client.on('ready', redisErrors.recovered);
      // Connecting is not starting: without Redis the API serves 503s and reconnects by itself.
      client.connect().catch(() => undefined);
      queue = createLazyQueue({ client, location: { name: jobqueue.queue_name, prefix: jobqueue.prefix }, logger });
      rateLimit = rateLimitFromConfig(config, logger);
      if (!config.secrets.admin) logger.info('metrics (/metrics) and the queue dashboard are off: set ADMIN_USER and ADMIN_PASSWORD to turn them on');
      const app = createApp({
        producer: createBullmqProducer({ queue, logger, redisErrors }),
        statusReader: createBullmqStatusReader({ queue, logger, redisErrors }),
        logger,
        bodyLimitBytes: config.app.server.body_limit_bytes,
        auth,
        isReady: () => client?.status === 'ready',
        metrics: createApiMetrics(),
        ...(config.secrets.admin ? { adminCredentials: config.secrets.admin } : {}),
        ...(config.app.api.cors.allowed_origins.length > 0 ? { cors: config.app.api.cors } : {}),
        ...(rateLimit.options ? { rateLimit: rateLimit.options } : {}),
        ...overrides,
      });
      server = await startHttpServer(app, { ...config.app.server, setting: `SERVER_PORT (server.port in config/${config.env}/config.yaml)` });
      logger.info({ env: config.env, redis: label, queue: jobqueue.queue_name, prefix: jobqueue.prefix }, `API listening on http://${config.app.server.host}:${server.port}`);
      if (config.secrets.admin) dashboard = await startDashboard(config, config.secrets.admin, logger);
    },
    stop,
  };
}
