import * as v from 'valibot';
import { toFieldErrors } from '../infra/validation/field-errors.js';
import { InvalidJobPayloadError } from './invalid-payload-error.js';
import type { EnqueueRequest, JobProducer } from './job-producer.js';
import type { jobDefinitions } from './registry.js';

export interface RegisterJobDeps {
  producer: JobProducer;
  /** Unguessable, so a job id can be shown to users and looked up without exposing others. */
  newJobId: () => string;
}

/** One of the job types the service registers (listed in `registry.ts`). */
export type KnownJobDefinition = (typeof jobDefinitions)[number];

export interface RegisterJobInput {
  /** Parsed with the job type's own `payloadSchema` before anything is stored. */
  payload: unknown;
  /** The job type's default when absent. */
  delaySeconds?: number | undefined;
  /** The job type's default when absent; 0 = one attempt, no retry. */
  maxRetry?: number | undefined;
}

export interface RegisteredJob {
  jobId: string;
  jobType: string;
  delaySeconds: number;
  maxRetry: number;
  runAt: Date;
}

/** A registration with its payload validated and the job type's defaults applied: everything but the job id. */
export type ResolvedRegistration = Omit<EnqueueRequest, 'jobId'>;

/**
 * Validates the payload with the job type's schema (the same one the worker
 * checks) and applies the job type's defaults.
 * Throws {@link InvalidJobPayloadError} for a payload the job type refuses.
 */
export function resolveRegistration(definition: KnownJobDefinition, input: RegisterJobInput): ResolvedRegistration {
  const parsed = v.safeParse(definition.payloadSchema, input.payload);
  if (!parsed.success) throw new InvalidJobPayloadError(definition.type, toFieldErrors(parsed.issues));
  const delaySeconds = input.delaySeconds ?? definition.delaySeconds;
  const maxRetry = input.maxRetry ?? definition.maxRetry;
  return {
    type: definition.type,
    payload: parsed.output,
    delayMs: delaySeconds * 1000,
    attempts: maxRetry + 1,
    backoff: definition.backoff,
  };
}

/** What the caller is told about a stored job. */
export function registeredJob(
  jobId: string,
  registration: { type: string; delayMs: number; attempts: number },
  createdAt: number,
): RegisteredJob {
  return {
    jobId,
    jobType: registration.type,
    delaySeconds: registration.delayMs / 1000,
    maxRetry: registration.attempts - 1,
    runAt: new Date(createdAt + registration.delayMs),
  };
}

/**
 * Validates and stores a job ({@link resolveRegistration}). Resolves only when
 * the producer has stored it, so a returned job is never a job that was lost.
 * @example await registerJob(deps, demoDelayPrint, { payload: { message: 'hi' }, delaySeconds: 5 })
 */
export async function registerJob(
  deps: RegisterJobDeps,
  definition: KnownJobDefinition,
  input: RegisterJobInput,
): Promise<RegisteredJob> {
  const registration = resolveRegistration(definition, input);
  const jobId = deps.newJobId();
  const { createdAt } = await deps.producer.enqueue({ jobId, ...registration });
  return registeredJob(jobId, registration, createdAt);
}
