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

export interface JobEvents {
  completed(jobType: string, runSeconds: number | undefined, latenessSeconds: number | undefined): void;
  failed(jobType: string, willRetry: boolean): void;
  stalled(): void;
  cancelled?(jobType: string): void;
  expired?(jobType: string): void;
}

export interface JobWorkerOptions {
  location: QueueLocation;
  connection: ClientOptions;
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

export const HAND_BACK_REASON = 'worker shutting down: job handed back to the queue';

/** On abort (shutdown timeout) moves the job back to waiting and throws WaitingError, BullMQ's documented way. */
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

/** Takes the job's control key before each attempt and frees it before a retry, so a waiting job can be cancelled. */
function createProcessor(
  registry: JobRegistry,
  deps: JobDeps,
  control: {
    location: QueueLocation;
    client: Pick<Redis, 'call' | 'del' | 'pexpire'>;
    logger: Logger;
    /** The key's life once an attempt starts: the job's retention and a day to run; no second write at the end. */
    runningMs: number;
  },
) {
  const processors = new Map([...registry].map(([type, definition]) => [type, definition.createProcessor(deps)]));
  const { logger, runningMs, client } = control;
  return async function processJob(
    job: Job,
    token?: string,
    signal?: AbortSignal,
  ): Promise<EndedWithoutRunning | undefined> {
    const { payload: data, lifecycle } = splitData(job.data);
    const key = controlKey(control.location, job);
    const earlier = await client.call('SET', key, 'running', 'PX', runningMs, 'NX', 'GET');
    const where = { jobId: job.id, jobType: job.name, attempt: job.attemptsMade + 1 };
    if (typeof earlier === 'string' && earlier.startsWith('cancelled:')) {
      logger.info(where, 'job cancelled: not run');
      // The cancel's key was made to outlive any delay; now it need only last as long as the ended job.
      await client.pexpire(key, runningMs).catch(() => undefined);
      return { lifecycle: 'cancelled' };
    }
    const expiresAt = lifecycle?.expiresAt;
    if (expiresAt !== undefined && Date.now() > expiresAt) {
      logger.info({ ...where, lateMs: Date.now() - expiresAt }, 'job expired before it could start: not run');
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
      return undefined;
    } catch (error) {
      // Waiting again (a retry, or handed back): a cancel may win from now on.
      const retried = job.attemptsMade + 1 < (job.opts.attempts ?? 1) && !(error instanceof UnrecoverableError);
      if (retried || error instanceof WaitingError)
        await client.del(key).catch((delError: unknown) => {
          // The job then cannot be cancelled while it waits (409 "it is delayed"); it still runs once per attempt.
          logger.warn({ ...where, err: delError }, 'could not free the job for cancelling while it waits');
        });
      throw error;
    }
  };
}

/** Created idle (the entry calls `run()`); starts without Redis and picks up work when it returns. */
export function createJobWorker(options: JobWorkerOptions) {
  const { logger, location, settings, events, handBackAfterMs } = options;
  // The handshake key is ours, so it goes over a client of ours (BullMQ's own clients are its adapter's).
  const controlClient = new Redis(options.connection);
  controlClient.on('error', () => undefined);
  // Kept without an age limit (0): the key keeps its long TTL too.
  const ages = [settings.keep_completed.age_seconds, settings.keep_failed.age_seconds];
  const runningMs = ages.includes(0) ? CONTROL_TTL_MS : (Math.max(...ages) + 86_400) * 1000;
  const control = { location, client: controlClient, logger, runningMs };
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
  // BullMQ reopens its blocking connection itself; the main one is watched once BullMQ has it.
  const reopen = { label, logger, delayMs: options.connection.retryStrategy };
  reopenWhenEnded(controlClient, { ...reopen, isClosing: () => closing !== undefined });
  worker.backend.client
    .then((client) => reopenWhenEnded(client, { ...reopen, isClosing: () => closing !== undefined }))
    .catch((error: unknown) => {
      // Closing before Redis was ever reached rejects it too: that is no news.
      if (closing === undefined) logger.warn({ err: error }, `${label}: the worker's connection is not watched`);
    });
  return {
    run: () => worker.run(),
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
    isReady: () => closing === undefined && outage.isReachable(),
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;
