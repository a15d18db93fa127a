/** Prometheus metrics: `/metrics` on the API and on the worker, on only with METRICS_USER and METRICS_PASSWORD. */
import { basicCredentials, type BasicCredentials } from '../../infra/config/schema.js';
import type { Job } from 'bullmq';
import {
  createFailFastQueue,
  dueAt,
  queueLocation,
  splitData,
  type FailFastQueue,
  type LazyQueue,
} from '../../infra/queue/bullmq-queue.js';
import { defineExtra, type AppExtension } from '../extra.js';
import {
  addOverdueGauge,
  createApiMetrics,
  createMetricsRoutes,
  createWorkerMetrics,
  httpMetrics,
  zeroHttpRoute,
} from './metrics.js';

const OFF = 'metrics (/metrics) are off: set METRICS_USER and METRICS_PASSWORD';

/** How many of the oldest waiting and of the earliest delayed jobs a scrape looks at (skipping expired ones). */
const OVERDUE_SAMPLE = 20;

/**
 * Seconds since the earliest job that has not started fell due: the oldest waiting jobs and the earliest delayed
 * ones (a delayed job past its due time is one no worker has promoted), by BullMQ's public getters. Jobs past their
 * expires_at are skipped: they will never start, and a worker ends them without running.
 */
export async function oldestOverdueSeconds(queue: LazyQueue, now = Date.now()): Promise<number> {
  const current = queue.current();
  const [waiting, delayed] = await Promise.all([
    current.getJobs(['wait', 'prioritized'], 0, OVERDUE_SAMPLE - 1, true),
    current.getJobs(['delayed'], 0, OVERDUE_SAMPLE - 1, true),
  ]);
  let earliest = now;
  for (const job of [...waiting, ...delayed]) {
    const expiresAt = splitData(job.data).lifecycle?.expiresAt;
    if (expiresAt === undefined || expiresAt >= now) earliest = Math.min(earliest, dueAt(job as Job));
  }
  return Math.max(0, Math.floor((now - earliest) / 1000));
}

/**
 * The API's metrics as an app extension: every request timed and counted, every registration
 * counted, `/metrics` behind `credentials`.
 * @example createApp({ ..., extensions: [apiMetricsExtension(credentials)] })
 */
export function apiMetricsExtension(
  credentials: BasicCredentials,
  metrics = createApiMetrics(),
  oldestOverdueSeconds?: () => Promise<number>,
): AppExtension {
  if (oldestOverdueSeconds) addOverdueGauge(metrics.registry, oldestOverdueSeconds);
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
  api({ logger, settings: credentials, queue }) {
    if (!credentials) return void logger.info(OFF);
    return apiMetricsExtension(credentials, createApiMetrics(), () => oldestOverdueSeconds(queue.queue));
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
