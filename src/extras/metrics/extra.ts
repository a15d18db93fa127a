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

/** Delayed jobs past due count too (no worker promoted them); jobs past expires_at never start, so are skipped. */
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
    const { jobqueue } = config.cache.redis;
    const depth = () =>
      (depthQueue ??= createFailFastQueue(location, jobqueue, logger, 'metrics')).queue.getJobCounts();
    const metrics = createWorkerMetrics(
      definitions.map(({ type }) => type),
      depth,
    );
    return {
      events: metrics.events,
      mount: (app) => void app.route('/', createMetricsRoutes(metrics.registry, credentials)),
      stop: () => depthQueue?.close().catch(() => undefined),
    };
  },
});
