import type { BackoffOptions, JobsOptions } from 'bullmq';
import type { RetryBackoff } from '../../jobs/job-definition.js';
import type { EnqueueRequest } from '../../jobs/job-producer.js';

/** Our millisecond-named backoff as BullMQ's options. */
function toBullmqBackoff(backoff: RetryBackoff): BackoffOptions {
  return { type: backoff.type, delay: backoff.delayMs, ...(backoff.jitter ? { jitter: backoff.jitter } : {}) };
}

/** The BullMQ job options of a request, for `queue.add`. */
export function toBullmqJobOptions(request: EnqueueRequest) {
  return {
    jobId: request.jobId,
    ...(request.delayMs > 0 ? { delay: request.delayMs } : {}),
    attempts: request.attempts,
    backoff: toBullmqBackoff(request.backoff),
  } satisfies JobsOptions;
}
