import type { Logger } from 'pino';
import type { Config } from '../infra/config/schema.js';
import { startHttpServer, type RunningServer } from '../infra/http/serve.js';
import { createJobWorker, type JobWorker } from '../infra/queue/job-worker.js';
import { redisLabel, workerRedisOptions } from '../infra/redis/connection-options.js';
import type { JobDeps } from '../jobs/job-definition.js';
import { createJobRegistry, type JobRegistry } from '../jobs/registry.js';
import type { Queue } from 'bullmq';
import { createFailFastQueue } from '../infra/queue/fail-fast-queue.js';
import { Hono } from 'hono';
import { createHealthRoutes } from '../routes/health.js';
import { createMetricsRoutes, joinMetrics } from '../routes/metrics.js';
import { createWorkerMetrics } from '../infra/metrics/worker-metrics.js';
import { failureSignal, once, type Service } from './service.js';

export interface WorkerService extends Service {
  /** The health port, once started. */
  readonly healthPort: number | undefined;
}

export interface WorkerServiceOptions {
  config: Config;
  logger: Logger;
  /** Where job output goes; the process's stdout in the entry. */
  jobDeps: JobDeps;
  /** The job types to run; the service's own registry by default. */
  registry?: JobRegistry;
}

/** Time to move handed-back jobs to waiting after the shutdown timeout, before the process gives up and exits 1. */
const HAND_BACK_GRACE_MS = 5000;

/**
 * How long a SIGTERM may take in all: running jobs get `shutdown_timeout_seconds`,
 * then the ones still running are handed back to the queue.
 */
export function workerStopTimeoutMs(config: Config): number {
  return config.app.jobqueue.shutdown_timeout_seconds * 1000 + HAND_BACK_GRACE_MS;
}

/**
 * The worker process: the BullMQ worker over the job registry, and
 * `GET /health` on `jobqueue.host:jobqueue.port`. Starts without Redis;
 * `failure` rejects when the worker's run loop does.
 * @example const worker = createWorkerService({ config, logger, jobDeps }); await worker.start();
 */
export function createWorkerService({
  config,
  logger,
  jobDeps,
  registry = createJobRegistry(),
}: WorkerServiceOptions): WorkerService {
  const { jobqueue } = config.app;
  const redisConfig = config.cache.redis.jobqueue;
  const { failure, fail } = failureSignal();
  let worker: JobWorker | undefined;
  let health: RunningServer | undefined;

  const metrics = createWorkerMetrics();
  const location = { name: jobqueue.queue_name, prefix: jobqueue.prefix };
  // Made at the first scrape; while Redis is down a scrape just lacks the depth.
  let depthQueue: Queue | undefined;
  const queueDepth = async (): Promise<string> => {
    depthQueue ??= createFailFastQueue(location, redisConfig, logger, 'metrics');
    return depthQueue.exportPrometheusMetrics().catch(() => '');
  };

  const stop = once(async () => {
    await worker?.close();
    await health?.close();
    await depthQueue?.close().catch(() => undefined);
  });

  return {
    failure,
    get healthPort() {
      return health?.port;
    },
    async start() {
      const healthApp = new Hono().route(
        '/',
        createHealthRoutes(() => worker?.isReady() ?? false),
      );
      const admin = config.secrets.admin;
      if (admin)
        healthApp.route(
          '/',
          createMetricsRoutes(async () => joinMetrics([await metrics.registry.metrics(), await queueDepth()]), admin),
        );
      else logger.info('metrics (/metrics) are off: set ADMIN_USER and ADMIN_PASSWORD to turn them on');
      health = await startHttpServer(healthApp, {
        host: jobqueue.host,
        port: jobqueue.port,
        setting: `JOBQUEUE_PORT (jobqueue.port in config/${config.env}/config.yaml)`,
      });
      worker = createJobWorker({
        location,
        connection: workerRedisOptions(redisConfig),
        redisLabel: redisLabel(redisConfig),
        registry,
        jobDeps,
        concurrency: jobqueue.concurrency,
        locks: jobqueue,
        handBackAfterMs: jobqueue.shutdown_timeout_seconds * 1000,
        retention: jobqueue,
        logger,
        metrics,
      });
      worker.run().catch(fail);
      logger.info(
        { env: config.env, queue: jobqueue.queue_name, prefix: jobqueue.prefix, concurrency: jobqueue.concurrency },
        `worker started; health on http://${jobqueue.host}:${health.port}/health`,
      );
    },
    stop,
  };
}
