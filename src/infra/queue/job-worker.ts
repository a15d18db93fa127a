import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { JobDeps } from '../../jobs/job-definition.js';
import type { JobData, JobName, JobRegistry } from '../../jobs/registry.js';
import type { AppConfig } from '../config/schema.js';
import { failFast, type ClientOptions } from '../redis/connection-options.js';
import { createRedisErrorReporter } from '../log/redis-error-reporter.js';
import { createDueJobPromoter } from './due-job-promoter.js';
import { createJobDispatcher } from './job-dispatcher.js';
import { HAND_BACK_REASON } from './hand-back.js';
import { firstRunDueAt, type QueuedJob, type QueueLocation } from './job-queue.js';
import { toKeepJobs } from './retention.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

export interface JobWorkerOptions {
  location: QueueLocation;
  /** Made with `workerRedisOptions`; BullMQ opens its own connections from it. */
  connection: ClientOptions;
  /** A name for logs, e.g. `localhost:6379`. */
  redisLabel: string;
  registry: JobRegistry;
  jobDeps: JobDeps;
  concurrency: number;
  /** `jobqueue.lock_duration_ms` / `stalled_interval_ms`: how soon a dead worker's jobs run again. */
  locks?: Pick<AppConfig['jobqueue'], 'lock_duration_ms' | 'stalled_interval_ms'>;
  retention: Pick<AppConfig['jobqueue'], 'keep_completed' | 'keep_failed'>;
  logger: Logger;
  /** Promote delayed jobs at their due time (default true); off: BullMQ's own timing, up to a Redis tick late. */
  punctual?: boolean;
  /** On close, running jobs still not done after this long are handed back to the queue (absent: wait for them). */
  handBackAfterMs?: number;
  /** Counters and histograms to feed; absent: none. */
  metrics?: WorkerMetrics;
}

export interface JobWorker {
  /** Starts taking jobs; resolves when the worker has stopped, rejects when it cannot run. */
  run(): Promise<void>;
  /** Stops taking jobs and waits for running ones to finish (or hands them back after `handBackAfterMs`); idempotent. */
  close(): Promise<void>;
  /** True while the worker's Redis connection is up: for `/ready`. */
  isReady(): boolean;
}

/** How long after its due time the job's first run started; undefined for retries. */
function lateness(job: QueuedJob): number | undefined {
  if (job.attemptsMade !== 1 || job.processedOn === undefined) return undefined;
  return job.processedOn - firstRunDueAt(job);
}

/** Logs a failed run; returns whether it will be retried. */
function logFailure(logger: Logger, job: QueuedJob | undefined, error: Error): boolean {
  if (!job) {
    logger.error({ err: error }, 'job failed');
    return false;
  }
  const attempts = job.opts.attempts ?? 1;
  const context = { jobId: job.id, jobType: job.name, attempt: job.attemptsMade, attempts, reason: error.message };
  // attemptsMade counts this run; BullMQ skips retries for UnrecoverableError.
  const willRetry = job.attemptsMade < attempts && error.name !== 'UnrecoverableError';
  if (willRetry) logger.warn(context, 'job failed; it will be retried');
  else logger.error(context, 'job failed for good; kept in the failed set');
  return willRetry;
}

/**
 * A BullMQ Worker over the job registry, with a due-job promoter that starts
 * delayed jobs on time. Created idle (`autorun: false`): the entry calls
 * `run()`. Works through Redis outages: it starts without Redis, logs the
 * outage once and picks up work, delayed jobs included, when it returns.
 * @example const worker = createJobWorker({ ... }); void worker.run(); await worker.close();
 */
export function createJobWorker(options: JobWorkerOptions): JobWorker {
  const { logger, location } = options;
  const worker = new Worker<JobData, void, JobName>(
    location.name,
    createJobDispatcher(options.registry, options.jobDeps),
    {
      connection: options.connection,
      prefix: location.prefix,
      autorun: false,
      concurrency: options.concurrency,
      ...(options.locks && {
        lockDuration: options.locks.lock_duration_ms,
        stalledInterval: options.locks.stalled_interval_ms,
      }),
      removeOnComplete: toKeepJobs(options.retention.keep_completed),
      removeOnFail: toKeepJobs(options.retention.keep_failed),
    },
  );
  const promoter =
    options.punctual === false
      ? undefined
      : createDueJobPromoter({
          location,
          connection: options.connection,
          // Its reads and promotes fail at once during an outage instead of queueing until Redis is back.
          commandConnection: failFast(options.connection, options.connection.commandTimeout ?? 1000),
          logger,
        });
  const redisErrors = createRedisErrorReporter(logger, `job-queue Redis at ${options.redisLabel}`);
  worker.on('error', redisErrors.error);
  // The Worker emits 'ready' once; its backend reports every reconnection.
  worker.on('ready', redisErrors.recovered);
  worker.backend.on('ready', redisErrors.recovered);
  const { metrics } = options;
  worker.on('completed', (job) => {
    const lateMs = lateness(job);
    logger.info({ jobId: job.id, jobType: job.name, attempt: job.attemptsMade, lateMs }, 'job completed');
    if (!metrics) return;
    metrics.completed.inc({ job_type: job.name });
    if (job.processedOn !== undefined && job.finishedOn !== undefined)
      metrics.processing.observe({ job_type: job.name }, (job.finishedOn - job.processedOn) / 1000);
    if (lateMs !== undefined) metrics.lateness.observe({ job_type: job.name }, Math.max(0, lateMs) / 1000);
  });
  worker.on('failed', (job, error) => {
    const willRetry = logFailure(logger, job, error);
    if (metrics && job) (willRetry ? metrics.retried : metrics.failed).inc({ job_type: job.name });
  });
  worker.on('stalled', (jobId) => {
    logger.warn({ jobId }, 'job stalled (its worker stopped renewing the lock); it will run again');
    metrics?.stalled.inc();
  });

  let closing: Promise<void> | undefined;
  return {
    async run() {
      promoter?.start();
      await worker.run();
    },
    close() {
      closing ??= (async () => {
        const { handBackAfterMs } = options;
        const timer =
          handBackAfterMs === undefined
            ? undefined
            : setTimeout(() => {
                logger.warn(
                  { handBackAfterMs },
                  'running jobs outlasted the shutdown timeout; handing them back to the queue',
                );
                worker.cancelAllJobs(HAND_BACK_REASON);
              }, handBackAfterMs);
        try {
          await Promise.all([worker.close(), promoter?.close()]);
        } finally {
          clearTimeout(timer);
        }
      })();
      return closing;
    },
    isReady: () => closing === undefined && redisErrors.isReachable(),
  };
}
