/** Prometheus metrics: `/metrics` on the API and on the worker, on only with METRICS_USER and METRICS_PASSWORD. */
import { basicCredentials, type BasicCredentials } from '../../infra/config/schema.js';
import { createFailFastQueue, queueLocation, type FailFastQueue } from '../../infra/queue/bullmq-queue.js';
import { defineExtra, type AppExtension } from '../extra.js';
import { createApiMetrics, createMetricsRoutes, createWorkerMetrics, httpMetrics, zeroHttpRoute } from './metrics.js';

const OFF = 'metrics (/metrics) are off: set METRICS_USER and METRICS_PASSWORD';

/**
 * The API's metrics as an app extension: every request timed and counted, every registration
 * counted, `/metrics` behind `credentials`.
 * @example createApp({ ..., extensions: [apiMetricsExtension(credentials)] })
 */
export function apiMetricsExtension(credentials: BasicCredentials, metrics = createApiMetrics()): AppExtension {
  return {
    middleware: httpMetrics(metrics),
    onRegistration: metrics.countRegistration,
    mount(app) {
      // The API's routes start at 0 for each status: rate() misses the first increment of a new series.
      for (const { method, path } of app.routes)
        if (path.startsWith('/api/') && method !== 'ALL') zeroHttpRoute(metrics, method, path);
      app.route('/', createMetricsRoutes(metrics.registry, credentials));
    },
  };
}

export const metrics = defineExtra<BasicCredentials | undefined>({
  name: 'metrics',
  settings: ({ environment }) => basicCredentials(environment, 'METRICS', '/metrics'),
  api({ logger, settings: credentials }) {
    if (!credentials) return void logger.info(OFF);
    return apiMetricsExtension(credentials);
  },
  worker({ config, logger, settings: credentials, definitions }) {
    if (!credentials) return void logger.info(OFF);
    // Made at the first scrape; while Redis is down a scrape just lacks the depth.
    let depthQueue: FailFastQueue | undefined;
    const location = queueLocation(config.app.jobqueue);
    const metrics = createWorkerMetrics(
      definitions.map((definition) => definition.type),
      () =>
        (depthQueue ??= createFailFastQueue(
          location,
          config.cache.redis.jobqueue,
          logger,
          'metrics',
        )).queue.getJobCounts(),
    );
    return {
      events: metrics.events,
      mount: (app) => void app.route('/', createMetricsRoutes(metrics.registry, credentials)),
      stop: () => depthQueue?.close().catch(() => undefined),
    };
  },
});
