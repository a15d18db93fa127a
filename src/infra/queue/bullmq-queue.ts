/**
 * The API's side of the queue: BullMQ on a fail-fast client as src/jobs' ports. Calls reject at once while
 * Redis is away, any Redis failure as QueueUnavailableError (503): never a 201 for a lost job.
 */
import { Queue, type Job, type JobsOptions, type JobState as BullmqJobState } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AnyJob } from '../../jobs/job.js';
import type { KnownJob } from '../../jobs/registry.js';
import type { JobState, JobStatus, JobStatusReader } from '../../jobs/job-status.js';
import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../jobs/register-job.js';
import type { RedisConnectionConfig } from '../config/schema.js';
import type { OutageLog } from '../log.js';
import {
  isRedisConnectionError,
  isRedisReplyError,
  producerRedisOptions,
  redisLabel,
  reopenWhenEnded,
} from '../redis/connection.js';

/** Where the queue's keys live: BullMQ builds every key from these two. */
export interface QueueLocation {
  /** `jobqueue.queue_name`, e.g. `dm-jobqueue` or `{dm-jobqueue}`. */
  readonly name: string;
  /** `jobqueue.prefix`, BullMQ's key prefix (`bull` by default). */
  readonly prefix: string;
}

/** Where config.yaml's `jobqueue` section puts the queue: the one place its keys' location is read. */
export function queueLocation({ queue_name, prefix }: { queue_name: string; prefix: string }): QueueLocation {
  return { name: queue_name, prefix };
}

/**
 * A BullMQ Queue that adds only `Job`s: a name of the registry with that job type's data
 * (`add('anything', …)`, or one type's name with another's data, does not compile).
 */
export type TypedQueue<Job extends AnyJob = KnownJob> = Omit<Queue<Job['data'], unknown, Job['name']>, 'add'> & {
  add<Name extends Job['name']>(
    name: Name,
    data: Extract<Job, { name: Name }>['data'],
    opts?: JobsOptions,
  ): ReturnType<Queue<Job['data'], unknown, Job['name']>['add']>;
};

/**
 * A BullMQ Queue over a shared ioredis client, made on first use. A Queue keeps the promise of its
 * first start-up; if that fails (Redis lost mid-handshake) it stays broken, so a new one is made.
 * @example const queue = createLazyQueue({ client, location: { name: 'dm-jobqueue', prefix: 'bull' }, logger });
 */
export function createLazyQueue<Job extends AnyJob = KnownJob>({
  client,
  location,
  logger,
}: {
  client: Redis;
  location: QueueLocation;
  logger: Logger;
}) {
  let queue: TypedQueue<Job> | undefined;
  return {
    client,
    location,
    current() {
      if (queue) return queue;
      // Typed to pair names with their data; BullMQ's own types cannot say that.
      const created = new Queue(location.name, {
        connection: client,
        prefix: location.prefix,
      }) as unknown as TypedQueue<Job>;
      // The client's own listener reports outages (once); this one only keeps the Queue from throwing.
      created.on('error', (error) => logger.debug({ err: error }, 'job queue connection error'));
      created.waitUntilReady().catch(() => {
        if (queue === created) queue = undefined;
        void created.close().catch(() => undefined);
      });
      return (queue = created);
    },
    async close() {
      await queue?.close();
    },
  };
}

/** The queue on the fail-fast client (`producerRedisOptions`); `current()` makes it again after a failed start-up. */
export type LazyQueue<Job extends AnyJob = KnownJob> = ReturnType<typeof createLazyQueue<Job>>;

/** A Queue for operator reads and what closes it with its connection. */
export interface FailFastQueue {
  readonly queue: Queue;
  close(): Promise<void>;
}

/**
 * A Queue for operator reads (dashboard, metrics) on its own fail-fast connection: no hanging while
 * Redis is down. The connection is ours, so it is watched from the start, before its first `ready`.
 */
export function createFailFastQueue(
  location: QueueLocation,
  redis: RedisConnectionConfig,
  logger: Logger,
  what: string,
): FailFastQueue {
  const connection = producerRedisOptions(redis);
  const client = new Redis(connection);
  let closing = false;
  const label = `${what}: job-queue Redis at ${redisLabel(redis)}`;
  reopenWhenEnded(client, { label, logger, delayMs: connection.retryStrategy, isClosing: () => closing });
  const queue = new Queue(location.name, { connection: client, prefix: location.prefix });
  queue.on('error', (error) => logger.debug({ err: error }, `${what} queue connection error`));
  return {
    queue,
    async close() {
      closing = true;
      await queue.close();
      client.disconnect();
    },
  };
}

export interface QueueCallContext<Job extends AnyJob = KnownJob> {
  queue: LazyQueue<Job>;
  logger: Logger;
  /** Reports command timeouts, which emit no `error` event on the client; a success ends such an outage. */
  outage?: Pick<OutageLog, 'error' | 'recovered'> | undefined;
}

/**
 * Runs a request-time Redis call the fail-fast way: rejects at once while the client is not
 * connected, and turns any Redis failure into QueueUnavailableError, `failure` naming it. Errors
 * that are not Redis's (a bug) pass through as they are (500).
 * @example await queueCall(context, 'Redis could not read the job', () => queue.current().getJob(id));
 */
export async function queueCall<T, Job extends AnyJob>(
  context: QueueCallContext<Job>,
  failure: string,
  call: () => Promise<T>,
  fields = {},
) {
  const { client } = context.queue;
  const notConnected = 'Redis is not connected';
  if (client.status !== 'ready') throw new QueueUnavailableError(notConnected);
  try {
    const result = await call();
    context.outage?.recovered();
    return result;
  } catch (error) {
    if (isRedisConnectionError(error)) context.outage?.error(error);
    // Redis answered with an error: a fault worth seeing every time.
    else if (isRedisReplyError(error)) context.logger.error({ err: error, ...fields }, failure);
    else throw error;
    const timedOut = error instanceof Error && /timed out/i.test(error.message);
    const reason = client.status !== 'ready' ? notConnected : timedOut ? 'Redis did not answer in time' : failure;
    throw new QueueUnavailableError(reason, { cause: error });
  }
}

/** The BullMQ job options of a request, for `queue.add`. */
function jobOptions({ jobId, delayMs, attempts, backoff }: EnqueueRequest): JobsOptions {
  return {
    jobId,
    ...(delayMs > 0 ? { delay: delayMs } : {}),
    attempts,
    backoff: { type: backoff.type, delay: backoff.delayMs, ...(backoff.jitter ? { jitter: backoff.jitter } : {}) },
  };
}

/**
 * A {@link JobProducer} over `queue.add`; `afterWrite` runs on its connection once written (replica-ack.ts).
 * @example const producer = createBullmqProducer({ queue, logger, outage });
 */
export function createBullmqProducer<Job extends AnyJob = KnownJob>(
  context: QueueCallContext<Job> & { afterWrite?: ((jobId: string) => Promise<void>) | undefined },
): JobProducer<Job> {
  const { queue, afterWrite } = context;
  return {
    enqueue: async (request) => {
      const job = await queueCall(
        context,
        'Redis did not accept the job',
        async () => {
          // JobProducer<Job> already pairs name and data; BullMQ's generics cannot follow a generic Job.
          const target = queue.current() as unknown as Queue;
          const added = await target.add(request.name, request.data, jobOptions(request));
          await afterWrite?.(request.jobId);
          return added;
        },
        { jobId: request.jobId },
      );
      return { createdAt: job.timestamp };
    },
  };
}

/** When a job's first run was due: `promote()` (the dashboard) zeroes `job.delay`, so it comes from the options. */
export function firstRunDueAt(job: Pick<Job, 'timestamp' | 'opts'>): number {
  return job.timestamp + (job.opts.delay ?? 0);
}

/** BullMQ's state as ours: the service uses neither priorities nor flows; if a job does, it is still "due, not running". */
const stateOf = (state: BullmqJobState): JobState =>
  state === 'prioritized' || state === 'waiting-children' ? 'waiting' : state;

/**
 * A delayed job's next run: first, the registered due time; after a failure, the retry delay from that
 * run's start (BullMQ counts from its unrecorded end, so this is the earliest the retry can start).
 */
function nextRunAt(job: Job): Date | undefined {
  if (job.attemptsMade === 0 && job.processedOn === undefined) return new Date(firstRunDueAt(job));
  return job.processedOn === undefined ? undefined : new Date(job.processedOn + job.delay);
}

function toStatus(job: Job, state: JobState): JobStatus {
  return {
    jobId: job.id ?? '',
    jobType: job.name,
    state,
    runAt: new Date(firstRunDueAt(job)),
    nextRunAt: state === 'delayed' ? nextRunAt(job) : undefined,
    attemptsMade: job.attemptsMade,
    maxRetry: Math.max(0, (job.opts.attempts ?? 1) - 1),
    finishedAt: job.finishedOn ? new Date(job.finishedOn) : undefined,
    failureReason: job.failedReason || undefined,
  };
}

const RUN_FIELDS = ['attemptsStarted', 'attemptsMade', 'processedOn', 'finishedOn', 'failedReason'] as const;

/**
 * A {@link JobStatusReader} over BullMQ's `getJob` / `getJobState`. BullMQ keeps the state apart
 * from the job hash and reads them one at a time: a run that ends in between would pair "active"
 * with that run's failure. So the hash is read before and after the state, and the status stands
 * when both show the same run (every run starts and ends with a write to the hash); after three
 * rounds the latest read is answered.
 */
export function createBullmqStatusReader(context: QueueCallContext): JobStatusReader {
  const { queue } = context;
  async function readConsistently(jobId: string): Promise<JobStatus | undefined> {
    let before: Job | undefined = await queue.current().getJob(jobId);
    for (let read = 1; before; read++) {
      const state = await queue.current().getJobState(jobId);
      const after: Job | undefined = state === 'unknown' ? undefined : await queue.current().getJob(jobId);
      if (!after || state === 'unknown') return undefined;
      const sameRun = RUN_FIELDS.every((field) => before?.[field] === after[field]);
      if (sameRun || read === 3) return toStatus(after, stateOf(state));
      before = after;
    }
    return undefined;
  }
  return {
    read: (jobId) => queueCall(context, 'Redis could not read the job', () => readConsistently(jobId), { jobId }),
  };
}
