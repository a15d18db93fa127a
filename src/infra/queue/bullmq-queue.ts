/** The API's side of the queue, on a fail-fast client: a Redis failure is a 503 at once, never a 201 for a lost job. */
import { Queue, type Job, type JobsOptions, type JobState as BullmqJobState } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AnyJob } from '../../jobs/job.js';
import type { KnownJob } from '../../jobs/registry.js';
import { FINAL_STATES, type JobState, type JobStatus, type JobStore } from '../../jobs/job-status.js';
import {
  QueueUnavailableError,
  type EnqueueRequest,
  type JobLifecycle,
  type JobProducer,
} from '../../jobs/register-job.js';
import type { RedisConnectionConfig } from '../config/schema.js';
import type { OutageLog } from '../log.js';
import {
  isRedisConnectionError,
  isRedisReplyError,
  producerRedisOptions,
  redisLabel,
  reopenWhenEnded,
} from '../redis/connection.js';

export interface QueueLocation {
  readonly name: string;
  readonly prefix: string;
}

export function queueLocation({ queue_name, prefix }: { queue_name: string; prefix: string }): QueueLocation {
  return { name: queue_name, prefix };
}

export type TypedQueue<Job extends AnyJob = KnownJob> = Omit<Queue<Job['data'], unknown, Job['name']>, 'add'> & {
  add<Name extends Job['name']>(
    name: Name,
    data: Extract<Job, { name: Name }>['data'],
    opts?: JobsOptions,
  ): ReturnType<Queue<Job['data'], unknown, Job['name']>['add']>;
};

/** A Queue on a shared client, made on first use and again after a failed start-up (a Queue never recovers). */
export function createLazyQueue<Job extends AnyJob = KnownJob>(options: {
  client: Redis;
  location: QueueLocation;
  logger: Logger;
}) {
  const { client, location, logger } = options;
  let queue: TypedQueue<Job> | undefined;
  return {
    client,
    location,
    current() {
      if (queue) return queue;
      const untyped = new Queue(location.name, { connection: client, prefix: location.prefix });
      // Typed to pair names with their data; BullMQ's own types cannot say that.
      const created = untyped as unknown as TypedQueue<Job>;
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

export type LazyQueue<Job extends AnyJob = KnownJob> = ReturnType<typeof createLazyQueue<Job>>;

/** A Queue for operator reads on its own fail-fast client: no hanging while Redis is down. */
export function createFailFastQueue(
  location: QueueLocation,
  redis: RedisConnectionConfig,
  logger: Logger,
  what: string,
) {
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

export type FailFastQueue = ReturnType<typeof createFailFastQueue>;

export interface QueueCallContext<Job extends AnyJob = KnownJob> {
  queue: LazyQueue<Job>;
  logger: Logger;
  /** Reports command timeouts, which emit no `error` event on the client; a success ends such an outage. */
  outage?: Pick<OutageLog, 'error' | 'recovered'> | undefined;
}

/** Fails fast while disconnected; a Redis failure becomes QueueUnavailableError (503), any other error passes (500). */
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
    else if (isRedisReplyError(error)) context.logger.error({ err: error, ...fields }, failure);
    else throw error;
    const timedOut = error instanceof Error && /timed out/i.test(error.message);
    const reason = client.status !== 'ready' ? notConnected : timedOut ? 'Redis did not answer in time' : failure;
    throw new QueueUnavailableError(reason, { cause: error });
  }
}

function jobOptions({ jobId, delayMs, attempts, backoff }: EnqueueRequest): JobsOptions {
  return {
    jobId,
    ...(delayMs > 0 ? { delay: delayMs } : {}),
    attempts,
    backoff: { type: backoff.type, delay: backoff.delayMs, ...(backoff.jitter ? { jitter: backoff.jitter } : {}) },
  };
}

/** Carries a job's lifecycle beside its payload so one `add` stores both; older or foreign jobs have none. */
export const LIFECYCLE_KEY = '$lifecycle';

export function splitData(data: unknown): { payload: unknown; lifecycle: JobLifecycle | undefined } {
  if (typeof data !== 'object' || data === null || !(LIFECYCLE_KEY in data))
    return { payload: data, lifecycle: undefined };
  const { [LIFECYCLE_KEY]: lifecycle, ...payload } = data as Record<string, unknown>;
  return { payload, lifecycle: lifecycle as JobLifecycle };
}

function withLifecycle(data: unknown, lifecycle: JobLifecycle | undefined): unknown {
  if (!lifecycle) return data;
  // Without it a job would lose its owner (any key could change it) and its expiry: refuse, loudly.
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new TypeError('a job payload must be a JSON object to carry its owner and expiry ($lifecycle)');
  return { ...data, [LIFECYCLE_KEY]: lifecycle };
}

/** Cancel/worker-start handshake (`SET NX GET`: one wins); per id and timestamp, under the prefix's cluster slot. */
export const controlKey = (location: QueueLocation, job: Pick<Job, 'id' | 'timestamp'>) =>
  `${location.prefix}:jobcontrol:${location.name}:${job.id ?? ''}:${job.timestamp}`;
/** Longer than any delay (30 days) plus a worker outage; shortened to the retention once the job has ended. */
export const CONTROL_TTL_MS = 60 * 24 * 60 * 60 * 1000;

/** What the worker returns for a job it ended without running it: BullMQ keeps it as the job's return value. */
export type EndedWithoutRunning = { readonly lifecycle: 'cancelled' | 'expired' };

const endedWithoutRunning = (value: unknown): EndedWithoutRunning['lifecycle'] | undefined => {
  const ended = (value as Partial<EndedWithoutRunning> | null | undefined)?.lifecycle;
  return ended === 'cancelled' || ended === 'expired' ? ended : undefined;
};

/** `afterWrite` runs on the queue's connection once the job is written (replica-ack.ts). */
export function createBullmqProducer<Job extends AnyJob = KnownJob>(
  context: QueueCallContext<Job> & { afterWrite?: ((jobId: string) => Promise<void>) | undefined },
): JobProducer<Job> {
  const { queue, afterWrite } = context;
  return {
    enqueue: async (request) => {
      const add = async () => {
        // JobProducer<Job> already pairs name and data; BullMQ's generics cannot follow a generic Job.
        const data = withLifecycle(request.data, request.lifecycle);
        const added = await (queue.current() as unknown as Queue).add(request.name, data, jobOptions(request));
        await afterWrite?.(request.jobId);
        return added;
      };
      const job = await queueCall(context, 'Redis did not accept the job', add, { jobId: request.jobId });
      return { createdAt: job.timestamp };
    },
  };
}

/** Priorities and flows are unused here; such a job is still "due, not running". */
const stateOf = (state: BullmqJobState): JobState =>
  state === 'prioritized' || state === 'waiting-children' ? 'waiting' : state;

/** A reschedule's due time, else the first run's: `promote()` (the dashboard) zeroes `job.delay`, so use the options. */
export const dueAt = (job: Pick<Job, 'timestamp' | 'opts' | 'data'>) =>
  splitData(job.data).lifecycle?.dueAt ?? job.timestamp + (job.opts.delay ?? 0);

function toStatus(job: Job, bullmqState: JobState, flag: string | null, now = Date.now()): JobStatus {
  const { lifecycle } = splitData(job.data);
  const cancelledAt = flag?.startsWith('cancelled:') ? Number(flag.slice('cancelled:'.length)) : undefined;
  const expiresAt = lifecycle?.expiresAt;
  let state = bullmqState;
  let finishedAt = job.finishedOn;
  let attemptsMade = job.attemptsMade;
  const ended = bullmqState === 'completed' ? endedWithoutRunning(job.returnvalue) : undefined;
  // The worker's ending of a cancelled or expired job is no run of it.
  if (ended) [state, attemptsMade] = [ended, attemptsMade - 1];
  // Cancelled before its attempt: a worker may be ending it (active), or the cancel won between attempts.
  if (cancelledAt !== undefined && (ended === 'cancelled' || !FINAL_STATES.includes(bullmqState)))
    [state, finishedAt] = ['cancelled', cancelledAt];
  else if (bullmqState === 'delayed' || bullmqState === 'waiting') {
    if (expiresAt !== undefined && now > expiresAt) [state, finishedAt] = ['expired', expiresAt];
  }
  const due = dueAt(job);
  return {
    jobId: job.id ?? '',
    jobType: job.name,
    state,
    runAt: new Date(due),
    nextRunAt: state !== 'delayed' ? undefined : job.attemptsMade === 0 ? new Date(due) : retryAt(job),
    attemptsMade,
    maxRetry: Math.max(0, (job.opts.attempts ?? 1) - 1),
    finishedAt: finishedAt ? new Date(finishedAt) : undefined,
    failureReason: job.failedReason || undefined,
    expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt),
    owner: lifecycle?.owner,
  };
}

const retryAt = (job: Job) => (job.processedOn === undefined ? undefined : new Date(job.processedOn + job.delay));

const RUN_FIELDS = ['attemptsStarted', 'attemptsMade', 'processedOn', 'finishedOn', 'failedReason'] as const;

const refused = (reason: string, status: JobStatus) => ({ done: false, reason, status }) as const;
const stateReason = (status: JobStatus) => (status.state === 'active' ? 'it is running' : `it is ${status.state}`);

/** BullMQ reads state and hash apart (a run may end between): re-read the hash until both agree, at most 3 rounds. */
export function createBullmqJobStore(context: QueueCallContext): JobStore {
  const { queue } = context;
  const location = queue.location;
  async function readJob(jobId: string): Promise<{ job: Job; status: JobStatus } | undefined> {
    let before: Job | undefined = await queue.current().getJob(jobId);
    for (let read = 1; before; read++) {
      const state = await queue.current().getJobState(jobId);
      const after: Job | undefined = state === 'unknown' ? undefined : await queue.current().getJob(jobId);
      if (!after || state === 'unknown') return undefined;
      const sameRun = RUN_FIELDS.every((field) => before?.[field] === after[field]);
      if (sameRun || read === 3) {
        const flag = await queue.client.get(controlKey(location, after));
        return { job: after, status: toStatus(after, stateOf(state), flag) };
      }
      before = after;
    }
    return undefined;
  }
  const read = async (jobId: string) => (await readJob(jobId))?.status;
  async function cancel(jobId: string) {
    const found = await readJob(jobId);
    if (!found) return undefined;
    const { job, status: before } = found;
    if (before.state === 'cancelled') return { done: true, status: before } as const;
    if (before.state === 'active' || FINAL_STATES.includes(before.state)) return refused(stateReason(before), before);
    const key = controlKey(location, job);
    const earlier = await queue.client.call('SET', key, `cancelled:${Date.now()}`, 'PX', CONTROL_TTL_MS, 'NX', 'GET');
    const after = await read(jobId);
    if (!after) return undefined;
    // The worker started it in between (or it had already): it runs, the cancel is refused.
    if (typeof earlier === 'string' && !earlier.startsWith('cancelled:')) return refused(stateReason(after), after);
    if (after.state !== 'cancelled') {
      // It ended some other way in between: the flag would contradict it.
      await queue.client.del(key);
      return refused(stateReason(after), after);
    }
    // Drained now rather than at its due time: the worker ends it without running it.
    await job.promote().catch(() => undefined);
    return { done: true, status: after } as const;
  }
  async function reschedule(jobId: string, to: Date) {
    const found = await readJob(jobId);
    if (!found) return undefined;
    const { job, status: before } = found;
    if (before.state === 'active' || FINAL_STATES.includes(before.state)) return refused(stateReason(before), before);
    const notYetDue = before.state === 'delayed' && before.attemptsMade === 0 && before.runAt.getTime() > Date.now();
    if (!notYetDue) return refused('it is already due', before);
    // One reschedule at a time: the move and our record of it are two calls.
    const lock = `${controlKey(location, job)}:moving`;
    if ((await queue.client.set(lock, '1', 'PX', 10_000, 'NX')) !== 'OK')
      return refused('another request is rescheduling it; retry in a moment', before);
    try {
      const dueAt = Math.max(Date.now(), to.getTime());
      // BullMQ moves only a job still in its delayed set, atomically: one the worker has taken is refused.
      const moved = await job.changeDelay(dueAt - Date.now()).then(
        () => true,
        (error: unknown) => {
          if (error instanceof Error && /is not in the delayed state|Missing key/.test(error.message)) return false;
          throw error;
        },
      );
      if (!moved) {
        const now = await read(jobId);
        const due = now?.state === 'delayed' || now?.state === 'waiting';
        return now && refused(due ? 'it is already due' : stateReason(now), now);
      }
      const { payload, lifecycle } = splitData(job.data);
      // Our own due time: BullMQ's changeDelay counts from now and keeps no due time of its own.
      await job.updateData(withLifecycle(payload, { ...lifecycle, dueAt }));
      const after = await read(jobId);
      // A cancel that won meanwhile stands: the job will not run at the new time either.
      if (after?.state === 'cancelled') return refused('it is cancelled', after);
      return after && ({ done: true, status: after } as const);
    } finally {
      await queue.client.del(lock).catch(() => undefined);
    }
  }
  const call = <T>(what: string, jobId: string, run: () => Promise<T>) => queueCall(context, what, run, { jobId });
  return {
    read: (jobId) => call('Redis could not read the job', jobId, () => read(jobId)),
    cancel: (jobId) => call('Redis could not cancel the job', jobId, () => cancel(jobId)),
    reschedule: (jobId, to) => call('Redis could not reschedule the job', jobId, () => reschedule(jobId, to)),
  };
}
