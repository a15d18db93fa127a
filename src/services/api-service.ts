import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { AppDeps } from '../app.js';
import type { Config } from '../infra/config/schema.js';
import { startHttpServer, type RunningServer } from '../infra/http/serve.js';
import { createFailFastQueue } from '../infra/queue/fail-fast-queue.js';
import { redisLabel } from '../infra/redis/connection-options.js';
import type { AdminCredentials } from '../routes/metrics.js';
import { createApiApp, type ApiApp } from './api-app.js';
import { failureSignal, once, type Service } from './service.js';

export interface ApiService extends Service {
  /** The bound port, once started (useful with port 0). */
  readonly port: number | undefined;
  /** The dashboard's port, when it runs. */
  readonly adminPort: number | undefined;
}

/** The queue dashboard on its own listener, with a queue of its own that fails fast while Redis is down. */
async function startDashboard(config: Config, credentials: AdminCredentials, logger: Logger) {
  // Loaded only when the dashboard is on: bull-board's import is a large share of a cold start (bench section 10).
  const { createDashboardApp, DASHBOARD_PATH } = await import('../infra/admin/queue-dashboard.js');
  const { jobqueue, admin } = config.app;
  const queue = createFailFastQueue(
    { name: jobqueue.queue_name, prefix: jobqueue.prefix },
    config.cache.redis.jobqueue,
    logger,
    'dashboard',
  );
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
  let api: ApiApp | undefined;
  let server: RunningServer | undefined;
  let dashboard: { server: RunningServer; queue: Queue } | undefined;

  const stop = once(async () => {
    await server?.close();
    await dashboard?.server.close();
    await dashboard?.queue.close().catch(() => undefined);
    await api?.close();
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
      api = createApiApp({ config, logger, overrides });
      const { host, port, headers_timeout_ms, request_timeout_ms } = config.app.server;
      server = await startHttpServer(api.app, {
        host,
        port,
        timeouts: { headersMs: headers_timeout_ms, requestMs: request_timeout_ms },
        setting: `SERVER_PORT (server.port in config/${config.env}/config.yaml)`,
      });
      if (config.secrets.admin) dashboard = await startDashboard(config, config.secrets.admin, logger);
      // Last: "API listening" means every listener of the service is up.
      logger.info(
        { env: config.env, redis: label, queue: jobqueue.queue_name, prefix: jobqueue.prefix },
        `API listening on http://${config.app.server.host}:${server.port}`,
      );
    },
    stop,
  };
}
