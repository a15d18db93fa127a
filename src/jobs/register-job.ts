import type { JobDefinition } from './job-definition.js';
import type { JobProducer } from './job-producer.js';

export interface RegisterJobDeps {
  producer: JobProducer;
  /** Unguessable, so a job id can be shown to users and looked up without exposing others. */
  newJobId: () => string;
}

export interface RegisterJobInput<TPayload> {
  payload: TPayload;
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

/**
 * Applies the job type's defaults and stores the job. Resolves only when the
 * producer has stored it, so a returned job is never a job that was lost.
 * @example await registerJob(deps, demoDelayPrint, { payload: { message: 'hi' }, delaySeconds: 5 })
 */
export async function registerJob<TPayload>(
  deps: RegisterJobDeps,
  definition: JobDefinition<TPayload>,
  input: RegisterJobInput<TPayload>,
): Promise<RegisteredJob> {
  const delaySeconds = input.delaySeconds ?? definition.delaySeconds;
  const maxRetry = input.maxRetry ?? definition.maxRetry;
  const jobId = deps.newJobId();
  const { createdAt } = await deps.producer.enqueue({
    jobId,
    type: definition.type,
    payload: input.payload,
    delayMs: delaySeconds * 1000,
    attempts: maxRetry + 1,
    backoff: definition.backoff,
  });
  return { jobId, jobType: definition.type, delaySeconds, maxRetry, runAt: new Date(createdAt + delaySeconds * 1000) };
}
