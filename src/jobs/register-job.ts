import { randomUUID } from 'node:crypto';
import {
  parsePayload,
  type AnyJob,
  type AnyJobDefinition,
  type JobOf,
  type PayloadOf,
  type RetryBackoff,
} from './job.js';

/** One job to store: the job (its name and data correlate), its id and its timing. */
export type EnqueueRequest<Job extends AnyJob = AnyJob> = Job & {
  readonly jobId: string;
  readonly delayMs: number;
  /** Runs in all: 1 + max retry. */
  readonly attempts: number;
  readonly backoff: RetryBackoff;
};

/**
 * Stores jobs for the worker (the queue adapter implements it). `enqueue` resolves once the job
 * is stored and rejects with {@link QueueUnavailableError} when the store cannot be reached. A
 * property, not a method, so that a producer of other job types does not type-check.
 */
export interface JobProducer<Job extends AnyJob = AnyJob> {
  readonly enqueue: (request: EnqueueRequest<Job>) => Promise<{ createdAt: number }>;
}

/** The queue's store (Redis) is not reachable: the job was not stored. 503 in the API. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';

  constructor(reason: string, options?: { cause?: unknown }) {
    super(`Job queue service is unavailable: ${reason}`, options);
  }
}

export interface RegisterJobInput<Payload> {
  /** Parsed again with the job type's own schema before anything is stored. */
  payload: Payload;
  /** The job type's default when absent; 0 = now. */
  delaySeconds?: number | undefined;
  /** The job type's default when absent; 0 = one attempt, no retry. */
  maxRetry?: number | undefined;
}

export type RegisteredJob = ReturnType<typeof registeredJob>;

/** Validates the payload with the job type's schema (the worker checks the same) and applies its defaults. */
export function resolveRegistration<D extends AnyJobDefinition>(
  definition: D,
  input: RegisterJobInput<PayloadOf<D>>,
): Omit<EnqueueRequest<JobOf<D>>, 'jobId'> {
  const data = parsePayload(definition, input.payload);
  const delaySeconds = input.delaySeconds ?? definition.delaySeconds;
  const maxRetry = input.maxRetry ?? definition.maxRetry;
  const timing = { delayMs: delaySeconds * 1000, attempts: maxRetry + 1, backoff: definition.backoff };
  // TypeScript cannot see that a definition's own type and payload make one of JobOf<D>.
  return { name: definition.type, data, ...timing } as Omit<EnqueueRequest<JobOf<D>>, 'jobId'>;
}

/** What the caller is told about a stored job. */
export function registeredJob(
  jobId: string,
  job: { name: string; delayMs: number; attempts: number },
  createdAt: number,
) {
  const { name, delayMs, attempts } = job;
  return {
    jobId,
    jobType: name,
    delaySeconds: delayMs / 1000,
    maxRetry: attempts - 1,
    runAt: new Date(createdAt + delayMs),
  };
}

/**
 * Validates and stores a job. Resolves only once the producer stored it, so a returned job is
 * never one that was lost. The payload's type is the definition's, and the producer must take that
 * job type: a payload of another type, or a job type the queue does not run, does not compile.
 * @example await registerJob({ producer }, demoDelayPrint, { payload: { message: 'hi' }, delaySeconds: 5 })
 */
export async function registerJob<D extends AnyJobDefinition>(
  deps: { producer: JobProducer<JobOf<D>>; newJobId?: (() => string) | undefined },
  definition: D,
  input: RegisterJobInput<PayloadOf<D>>,
): Promise<RegisteredJob> {
  const job = resolveRegistration(definition, input);
  // Unguessable, so a job id can be shown to users and looked up without exposing others.
  const jobId = (deps.newJobId ?? randomUUID)();
  const { createdAt } = await deps.producer.enqueue({ jobId, ...job } as EnqueueRequest<JobOf<D>>);
  return registeredJob(jobId, job, createdAt);
}
