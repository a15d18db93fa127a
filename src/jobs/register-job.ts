import { randomUUID } from 'node:crypto';
import { InvalidJobPayloadError, MAX_DELAY_SECONDS, parsePayload, timingErrors } from './job.js';
import type { AnyJob, AnyJobDefinition, InputOf, JobOf, OneJobType, RetryBackoff } from './job.js';

export interface JobLifecycle {
  /** The API key id that registered it; absent: any key with the scope (jobs stored before owners). */
  readonly owner?: string | undefined;
  /** No attempt starts after it (ms since epoch). */
  readonly expiresAt?: number | undefined;
  /** The `run_at` the caller sent (ms since epoch), to compare a retried request with. */
  readonly runAt?: number | undefined;
  /** The due time in force once rescheduled (ms since epoch); absent: the queue's timestamp + delay. */
  readonly dueAt?: number | undefined;
}

export type EnqueueRequest<Job extends AnyJob = AnyJob> = Job & {
  readonly jobId: string;
  readonly delayMs: number;
  /** Runs in all: 1 + max retry. */
  readonly attempts: number;
  readonly backoff: RetryBackoff;
  readonly lifecycle?: JobLifecycle | undefined;
};

/** `enqueue` is a property, not a method, so that a producer of other job types does not type-check. */
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
  delaySeconds?: number | undefined;
  /** The first run's due time instead of `delaySeconds` (in the past: now), at most 30 days ahead. */
  runAt?: Date | undefined;
  expiresAt?: Date | undefined;
  owner?: string | undefined;
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
  const { runAt, expiresAt, owner } = input;
  const now = Date.now();
  // A due time becomes a delay from now: whole milliseconds, never negative.
  const delayMs = runAt ? Math.max(0, runAt.getTime() - now) : (input.delaySeconds ?? definition.delaySeconds) * 1000;
  const maxRetry = input.maxRetry ?? definition.maxRetry;
  const errors = timingErrors({ delaySeconds: runAt ? 0 : delayMs / 1000, maxRetry });
  if (runAt && delayMs > MAX_DELAY_SECONDS * 1000)
    errors.push({ field: 'runAt', reason: 'must be at most 30 days (2592000 s) ahead' });
  if (runAt && input.delaySeconds !== undefined)
    errors.push({ field: 'runAt', reason: 'cannot be given together with delaySeconds: give one of them' });
  if (expiresAt && expiresAt.getTime() <= now + delayMs)
    errors.push({ field: 'expiresAt', reason: 'must be after the due time' });
  if (errors.length > 0) throw new InvalidJobPayloadError(definition.type, errors);
  const lifecycle = { owner, expiresAt: expiresAt?.getTime(), runAt: runAt?.getTime() };
  const timing = { delayMs, attempts: maxRetry + 1, backoff: definition.backoff };
  const hasLifecycle = Object.values(lifecycle).some((value) => value !== undefined);
  // TypeScript cannot see that a definition's own type and payload make one of JobOf<D>.
  return { name: definition.type, data, ...timing, ...(hasLifecycle && { lifecycle }) } as Omit<
    EnqueueRequest<JobOf<D>>,
    'jobId'
  >;
}

export function registeredJob(
  jobId: string,
  job: Pick<EnqueueRequest, 'name' | 'delayMs' | 'attempts' | 'lifecycle'>,
  at: number,
) {
  const { name, delayMs, attempts, lifecycle } = job;
  const runAt = new Date(at + delayMs);
  const expiresAt = lifecycle?.expiresAt === undefined ? undefined : new Date(lifecycle.expiresAt);
  return { jobId, jobType: name, delaySeconds: Math.ceil(delayMs / 1000), maxRetry: attempts - 1, runAt, expiresAt };
}

/** Resolves only once stored; a job type the producer does not take does not compile. */
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
