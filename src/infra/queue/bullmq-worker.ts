/** The worker's side of the queue; delayed jobs start within a Redis tick of their due time (redis/redis.conf). */
import { UnrecoverableError, WaitingError, Worker, type Job, type KeepJobs } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parsePayload, type AnyJobDefinition, type JobDeps } from '../../jobs/job.js';
import type { JobRegistry } from '../../jobs/registry.js';
import type { AppConfig } from '../config/schema.js';
import { createOutageLog } from '../log.js';
import { reopenWhenEnded, type ClientOptions } from '../redis/connection.js';
import {
  CONTROL_TTL_MS,
  controlKey,
  dueAt,
  splitData,
  type EndedWithoutRunning,
  type QueueLocation,
} from './bullmq-queue.js';

/** config.yaml's `{ count, age_seconds }` as BullMQ's KeepJobs; `age_seconds: 0` is no age limit (not "delete at once"). */
export function toKeepJobs({ count, age_seconds }: AppConfig['jobqueue']['keep_completed']): KeepJobs {
  return age_seconds > 0 ? { count, age: age_seconds } : { count };
}

/** What happens to jobs, for the extras (the metrics count it). */
export interface JobEvents {
  completed(jobType: string, runSeconds: number | undefined, latenessSeconds: number | undefined): void;
  failed(jobType: string, willRetry: boolean): void;
  stalled(): void;
  /** Ended without running: cancelled before its attempt started, or past its expiry (not a failure). */
  cancelled?(jobType: string): void;
  expired?(jobType: string): void;
}

export interface JobWorkerOptions {
  location: QueueLocation;
  /** Made with `workerRedisOptions`; BullMQ opens its own connections from it. */
  connection: ClientOptions;
  /** A name for logs, e.g. `localhost:6379`. */
  redisLabel: string;
  registry: JobRegistry;
  jobDeps: JobDeps;
  settings: Pick<AppConfig['jobqueue'], 'concurrency' | 'keep_completed' | 'keep_failed'> &
    Partial<Pick<AppConfig['jobqueue'], 'lock_duration_ms' | 'stalled_interval_ms'>>;
  logger: Logger;
  /** On close, jobs still running after this long are handed back to the queue (absent: wait for them). */
  handBackAfterMs?: number;
  events?: JobEvents;
}

/** The abort reason the worker gives its running jobs when the shutdown timeout is up. */
export const HAND_BACK_REASON = 'worker shutting down: job handed back to the queue';

/**
 * Waits for `run`; if `signal` aborts first (shutdown timeout), moves the job back to waiting under this worker's lock
 * and throws WaitingError: neither completed nor failed, it runs again elsewhere (BullMQ's documented moveToWait).
 */
export async function handBackOnAbort(
  job: Pick<Job, 'moveToWait'>,
  token: string | undefined,
  signal: AbortSignal | undefined,
  run: Promise<void>,
): Promise<void> {
  if (!signal || token === undefined) return run;
  // BullMQ gives every job a signal of its own, so the listener goes with the job.
  const aborted = new Promise<false>((resolve) =>
    signal.addEventListener('abort', () => resolve(false), { once: true }),
  );
  if (!signal.aborted && (await Promise.race([run.then(() => true), aborted]))) return;
  run.catch(() => undefined);
  await job.moveToWait(token);
  throw new WaitingError();
}

/** Our handshake key, on the worker's own connection. */
type ControlClient = Pick<Redis, 'call' | 'del' | 'pexpire'>;

/**
 * Runs a job by its type; one that can never succeed (unknown type, invalid payload) fails without retries.
 * Before each attempt it takes the job's control key: a job cancelled first, or past its expiry, ends without
 * running (returned as {@link EndedWithoutRunning}); after an attempt that will be retried the key is freed again,
 * so the job can be cancelled while it waits.
 */
function createProcessor(
  registry: JobRegistry,
  deps: JobDeps,
  control: {
    location: QueueLocation;
    client: () => Promise<ControlClient>;
    logger: Logger;
    /** How long the queue keeps a completed and a failed job: the key's life once the job has ended. */
    keepMs: { completed: number; failed: number };
  },
) {
  const processors = new Map([...registry].map(([type, definition]) => [type, definition.createProcessor(deps)]));
  const { logger, keepMs } = control;
  return async function processJob(
    job: Job,
    token?: string,
    signal?: AbortSignal,
  ): Promise<EndedWithoutRunning | undefined> {
    const { payload: data, lifecycle } = splitData(job.data);
    const client = await control.client();
    const key = controlKey(control.location, job);
    const earlier = await client.call('SET', key, 'running', 'PX', CONTROL_TTL_MS, 'NX', 'GET');
    const where = { jobId: job.id, jobType: job.name, attempt: job.attemptsMade + 1 };
    // The key lives as long as the ended job is kept; a failure to shorten it only leaves it to its own TTL.
    const ended = (ms: number) => client.pexpire(key, ms).catch(() => undefined);
    if (typeof earlier === 'string' && earlier.startsWith('cancelled:')) {
      logger.info(where, 'job cancelled: not run');
      await ended(keepMs.completed);
      return { lifecycle: 'cancelled' };
    }
    const expiresAt = lifecycle?.expiresAt;
    if (expiresAt !== undefined && Date.now() > expiresAt) {
      logger.info({ ...where, lateMs: Date.now() - expiresAt }, 'job expired before it could start: not run');
      await ended(keepMs.completed);
      return { lifecycle: 'expired' };
    }
    const definition: AnyJobDefinition | undefined = registry.get(job.name);
    const processor = processors.get(job.name);
    try {
      if (!definition || !processor) throw new UnrecoverableError(`unknown job type "${job.name}"`);
      let payload: unknown;
      try {
        payload = parsePayload(definition, data);
      } catch (error) {
        throw new UnrecoverableError((error as Error).message);
      }
      const context = { jobId: job.id ?? '', attempt: job.attemptsMade + 1, ...(signal && { signal }) };
      await handBackOnAbort(job, token, signal, processor(payload, context));
      await ended(keepMs.completed);
      return undefined;
    } catch (error) {
      // Waiting again (a retry, or handed back): a cancel may win from now on.
      const retried = job.attemptsMade + 1 < (job.opts.attempts ?? 1) && !(error instanceof UnrecoverableError);
      if (!retried && !(error instanceof WaitingError)) await ended(keepMs.failed);
      else
        await client.del(key).catch((delError: unknown) => {
          // The job then cannot be cancelled while it waits (409 "it is delayed"); it still runs once per attempt.
          logger.warn({ ...where, err: delError }, 'could not free the job for cancelling while it waits');
        });
      throw error;
    }
  };
}

/**
 * A Worker created idle (the entry calls `run()`) that starts without Redis and picks up work when it returns.
 * `close()` is BullMQ's documented shutdown: wait for running jobs (or hand them back after `handBackAfterMs`).
 */
export function createJobWorker(options: JobWorkerOptions) {
  const { logger, location, settings, events, handBackAfterMs } = options;
  // The handshake key is ours, so it goes over a client of ours (BullMQ's own clients are its adapter's).
  const controlClient = new Redis(options.connection);
  controlClient.on('error', () => undefined);
  const keep = (age: number) => (age > 0 ? age * 1000 : CONTROL_TTL_MS);
  const keepMs = {
    completed: keep(settings.keep_completed.age_seconds),
    failed: keep(settings.keep_failed.age_seconds),
  };
  const control = { location, client: async () => controlClient, logger, keepMs };
  const worker: Worker = new Worker(location.name, createProcessor(options.registry, options.jobDeps, control), {
    connection: options.connection,
    prefix: location.prefix,
    autorun: false,
    concurrency: settings.concurrency,
    ...(settings.lock_duration_ms && { lockDuration: settings.lock_duration_ms }),
    ...(settings.stalled_interval_ms && { stalledInterval: settings.stalled_interval_ms }),
    removeOnComplete: toKeepJobs(settings.keep_completed),
    removeOnFail: toKeepJobs(settings.keep_failed),
  });
  const label = `job-queue Redis at ${options.redisLabel}`;
  const outage = createOutageLog(logger, label);
  worker.on('error', outage.error);
  // The Worker emits 'ready' once; its backend reports every reconnection.
  worker.on('ready', outage.recovered);
  worker.backend.on('ready', outage.recovered);
  worker.on('completed', (job, result: EndedWithoutRunning | undefined) => {
    if (result?.lifecycle) return events?.[result.lifecycle]?.(job.name);
    // How long after its due time in force the first run started; undefined for retries.
    const lateMs = job.attemptsMade === 1 && job.processedOn ? job.processedOn - dueAt(job) : undefined;
    logger.info({ jobId: job.id, jobType: job.name, attempt: job.attemptsMade, lateMs }, 'job completed');
    const runMs = job.processedOn && job.finishedOn ? job.finishedOn - job.processedOn : undefined;
    events?.completed(job.name, runMs && runMs / 1000, lateMs === undefined ? undefined : Math.max(0, lateMs) / 1000);
  });
  worker.on('failed', (job, error) => {
    if (!job) return logger.error({ err: error }, 'job failed');
    const attempts = job.opts.attempts ?? 1;
    // attemptsMade counts this run; BullMQ does not retry an UnrecoverableError.
    const willRetry = job.attemptsMade < attempts && error.name !== 'UnrecoverableError';
    const context = { jobId: job.id, jobType: job.name, attempt: job.attemptsMade, attempts, reason: error.message };
    if (willRetry) logger.warn(context, 'job failed; it will be retried');
    else logger.error(context, 'job failed for good; kept in the failed set');
    events?.failed(job.name, willRetry);
  });
  worker.on('stalled', (jobId) => {
    logger.warn({ jobId }, 'job stalled (its worker stopped renewing the lock); it will run again');
    events?.stalled();
  });

  let closing: Promise<void> | undefined;
  const handBack = () => {
    logger.warn({ handBackAfterMs }, 'running jobs outlasted the shutdown timeout; handing them back to the queue');
    worker.cancelAllJobs(HAND_BACK_REASON);
  };
  // The Worker keeps the connections it makes (BullMQ reopens its blocking one itself); the main one
  // (job moves, locks) is watched once BullMQ has it.
  const reopen = { label, logger, delayMs: options.connection.retryStrategy };
  reopenWhenEnded(controlClient, { ...reopen, isClosing: () => closing !== undefined });
  worker.backend.client
    .then((client) => reopenWhenEnded(client, { ...reopen, isClosing: () => closing !== undefined }))
    .catch((error: unknown) => {
      // Closing before Redis was ever reached rejects it too: that is no news.
      if (closing === undefined) logger.warn({ err: error }, `${label}: the worker's connection is not watched`);
    });
  return {
    /** Takes jobs until closed; rejects when the worker cannot run. */
    run: () => worker.run(),
    /** Idempotent. */
    close() {
      if (!closing) {
        const timer = handBackAfterMs === undefined ? undefined : setTimeout(handBack, handBackAfterMs);
        closing = worker.close().finally(() => {
          clearTimeout(timer);
          controlClient.disconnect();
        });
      }
      return closing;
    },
    /** True while the worker's Redis connection is up: for `/ready`. */
    isReady: () => closing === undefined && outage.isReachable(),
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;
