import { randomUUID } from 'node:crypto';
import { InvalidJobPayloadError, parsePayload, timingErrors } from './job.js';
import type { AnyJob, AnyJobDefinition, InputOf, JobOf, OneJobType, RetryBackoff } from './job.js';

/** One job to store: the job (its name and data correlate), its id and its timing. */
export type EnqueueRequest<Job extends AnyJob = AnyJob> = Job & {
  readonly jobId: string;
  readonly delayMs: number;
  /** Runs in all: 1 + max retry. */
  readonly attempts: number;
  readonly backoff: RetryBackoff;
};

/** `enqueue` resolves once the job is stored, or rejects with {@link QueueUnavailableError}. A property, not a
 * method, so that a producer of other job types does not type-check. */
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

export interface RegisterJobInput<Input> {
  /** Parsed with the job type's own schema before anything is stored; the schema's output is stored. */
  payload: Input;
  /** The job type's default when absent; 0 = now, at most 30 days. */
  delaySeconds?: number | undefined;
  /** The job type's default when absent; 0 = one attempt, no retry; 4 = five attempts. At most 25. */
  maxRetry?: number | undefined;
}

/** What becomes of a registration: a 201 (`stored`, or `replayed` for an Idempotency-Key retry), refused input, or no Redis. */
export const REGISTRATION_OUTCOMES = ['stored', 'replayed', 'rejected', 'redis_unavailable'] as const;
export type RegistrationOutcome = (typeof REGISTRATION_OUTCOMES)[number];

export type RegistrationListener = (jobType: string, outcome: RegistrationOutcome) => void;

export interface RegisterDeps<D extends AnyJobDefinition> {
  producer: JobProducer<JobOf<D>>;
  newJobId?: (() => string) | undefined;
  onRegistration?: RegistrationListener | undefined;
}

/** Refused input and an unreachable store are outcomes too; any other error is a bug and is not counted. */
export async function reportingOutcome<T>(
  listener: RegistrationListener | undefined,
  jobType: string,
  register: () => Promise<{ result: T; outcome: 'stored' | 'replayed' }>,
  isRefusal: (error: unknown) => boolean = () => false,
): Promise<T> {
  try {
    const { result, outcome } = await register();
    listener?.(jobType, outcome);
    return result;
  } catch (error) {
    if (error instanceof QueueUnavailableError) listener?.(jobType, 'redis_unavailable');
    else if (error instanceof InvalidJobPayloadError || isRefusal(error)) listener?.(jobType, 'rejected');
    throw error;
  }
}

export type RegisteredJob = ReturnType<typeof registeredJob>;

/** The payload parsed as the worker will parse it, the type's defaults applied, the timing in range (else 400). */
export function resolveRegistration<D extends AnyJobDefinition>(
  definition: D,
  input: RegisterJobInput<InputOf<D>>,
): Omit<EnqueueRequest<JobOf<D>>, 'jobId'> {
  const data = parsePayload(definition, input.payload);
  const delaySeconds = input.delaySeconds ?? definition.delaySeconds;
  const maxRetry = input.maxRetry ?? definition.maxRetry;
  const errors = timingErrors({ delaySeconds, maxRetry });
  if (errors.length > 0) throw new InvalidJobPayloadError(definition.type, errors);
  const timing = { delayMs: delaySeconds * 1000, attempts: maxRetry + 1, backoff: definition.backoff };
  // TypeScript cannot see that a definition's own type and payload make one of JobOf<D>.
  return { name: definition.type, data, ...timing } as Omit<EnqueueRequest<JobOf<D>>, 'jobId'>;
}

/** What the caller is told about a stored job. */
export function registeredJob(jobId: string, job: Pick<EnqueueRequest, 'name' | 'delayMs' | 'attempts'>, at: number) {
  const { name, delayMs, attempts } = job;
  const runAt = new Date(at + delayMs);
  return { jobId, jobType: name, delaySeconds: delayMs / 1000, maxRetry: attempts - 1, runAt };
}

/** Resolves only once the job is stored, so a returned job is never one that was lost. A payload of another type,
 * or a job type the producer does not take (one the queue does not run), does not compile. */
export async function registerJob<D extends AnyJobDefinition>(
  deps: RegisterDeps<NoInfer<D>>,
  definition: D & OneJobType<D>,
  input: RegisterJobInput<InputOf<D>>,
): Promise<RegisteredJob> {
  return reportingOutcome(deps.onRegistration, definition.type, async () => {
    const job = resolveRegistration(definition, input);
    // Unguessable, so a job id can be shown to users and looked up without exposing others.
    const jobId = (deps.newJobId ?? randomUUID)();
    const { createdAt } = await deps.producer.enqueue({ jobId, ...job } as EnqueueRequest<JobOf<D>>);
    return { result: registeredJob(jobId, job, createdAt), outcome: 'stored' };
  });
}
