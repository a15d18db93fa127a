import type { BackoffOptions } from 'bullmq';
import type { RetryBackoff } from '../../jobs/job-definition.js';

/** Our millisecond-named backoff as BullMQ's options. */
export function toBullmqBackoff(backoff: RetryBackoff): BackoffOptions {
  return { type: backoff.type, delay: backoff.delayMs, ...(backoff.jitter ? { jitter: backoff.jitter } : {}) };
}
