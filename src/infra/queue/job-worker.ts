import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { JobDeps } from '../../jobs/job-definition.js';
import type { JobRegistry } from '../../jobs/registry.js';
import type { AppConfig } from '../config/schema.js';
import type { ClientOptions } from '../redis/connection-options.js';
import { createOutageLogger } from '../log/outage-logger.js';
import { createJobDispatcher } from './job-dispatcher.js';
import { PunctualWorker } from './punctual-worker.js';
import { toKeepJobs } from './retention.js';

export interface JobWorkerOptions {
  queueName: string;
  /** Made with `workerRedisOptions`; BullMQ opens its own connections from it. */
  connection: ClientOptions;
  /** A name for logs, e.g. `localhost:6379`. */
  redisLabel: string;
  registry: JobRegistry;
  jobDeps: JobDeps;
  concurrency: number;
  retention: Pick<AppConfig['jobqueue'], 'keep_completed' | 'keep_failed'>;
  logger: Logger;
}

export interface JobWorker {
  /** Starts taking jobs; resolves when the worker has stopped. */
  run(): Promise<void>;
  /** Stops taking jobs and waits for running ones to finish; idempotent. */
  close(): Promise<void>;
}

function lateness(job: Job): number | undefined {
  if (job.attemptsMade !== 1 || job.processedOn === undefined) return undefined;
  return job.processedOn - (job.timestamp + (job.opts.delay ?? 0));
}

function logFailure(logger: Logger, job: Job | undefined, error: Error): void {
  if (!job) {
    logger.error({ err: error }, 'job failed');
    return;
  }
  const attempts = job.opts.attempts ?? 1;
  const context = { jobId: job.id, jobType: job.name, attempt: job.attemptsMade, attempts, reason: error.message };
  // attemptsMade counts this run; BullMQ skips retries for UnrecoverableError.
  const willRetry = job.attemptsMade < attempts && error.name !== 'UnrecoverableError';
  if (willRetry) logger.warn(context, 'job failed; it will be retried');
  else logger.error(context, 'job failed for good; kept in the failed set');
}

/**
 * A BullMQ Worker over the job registry, starting delayed jobs on time
 * ({@link PunctualWorker}). Created idle (`autorun: false`): the
 * entry calls `run()`. Works through Redis outages: it starts without Redis,
 * logs the outage once and picks up work, delayed jobs included, when it returns.
 * @example const worker = createJobWorker({ ... }); void worker.run(); await worker.close();
 */
export function createJobWorker(options: JobWorkerOptions): JobWorker {
  const { logger } = options;
  const worker = new PunctualWorker(options.queueName, createJobDispatcher(options.registry, options.jobDeps), {
    connection: options.connection,
    autorun: false,
    concurrency: options.concurrency,
    removeOnComplete: toKeepJobs(options.retention.keep_completed),
    removeOnFail: toKeepJobs(options.retention.keep_failed),
  });
  const outage = createOutageLogger(logger, `job-queue Redis at ${options.redisLabel}`);
  worker.on('error', outage.failed);
  // The Worker emits 'ready' once; its backend reports every reconnection.
  worker.on('ready', outage.recovered);
  worker.backend.on('ready', outage.recovered);
  worker.on('completed', (job) =>
    logger.info(
      // lateMs: how long after its due time the job started (first run only).
      { jobId: job.id, jobType: job.name, attempt: job.attemptsMade, lateMs: lateness(job) },
      'job completed',
    ),
  );
  worker.on('failed', (job, error) => logFailure(logger, job, error));

  let closing: Promise<void> | undefined;
  return {
    run: () => worker.run(),
    close() {
      closing ??= worker.close();
      return closing;
    },
  };
}
