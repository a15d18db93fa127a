import type { RetryBackoff } from './job-definition.js';
import type { JobData, JobName } from './registry.js';

/** One job to store, fully resolved (defaults applied, ids chosen). */
export interface EnqueueRequest {
  readonly jobId: string;
  readonly type: JobName;
  /** Already validated with the job type's payload schema. */
  readonly payload: JobData;
  readonly delayMs: number;
  /** Runs in all: 1 + max retry. */
  readonly attempts: number;
  readonly backoff: RetryBackoff;
}

export interface EnqueuedJob {
  /** When the queue recorded the job (ms since epoch); its first run is due this plus the delay. */
  readonly createdAt: number;
}

/**
 * Stores jobs for the worker. `enqueue` resolves only once the job is stored;
 * it rejects with {@link QueueUnavailableError} when the store cannot be reached.
 */
export interface JobProducer {
  enqueue(request: EnqueueRequest): Promise<EnqueuedJob>;
}

/** The queue's store (Redis) is not reachable: the job was not stored. Maps to 503. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';

  constructor(reason: string, options?: { cause?: unknown }) {
    super(`Job queue service is unavailable: ${reason}`, options);
  }
}
