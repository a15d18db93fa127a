import type { Logger } from 'pino';
import type { IdempotencyStore } from '../../jobs/idempotency-store.js';
import type { RedisErrorReporter } from '../log/redis-error-reporter.js';
import type { QueueLocation } from './job-queue.js';
import type { LazyQueue } from './lazy-queue.js';
import { queueCall } from './queue-call.js';

export interface BullmqIdempotencyStoreOptions {
  /** The producer's queue and fail-fast client. */
  queue: LazyQueue;
  logger: Logger;
  redisErrors?: Pick<RedisErrorReporter, 'error'>;
}

/**
 * Our own keys for an idempotent registration, beside the queue's: named with
 * the queue name, so that a hash-tagged queue keeps them in its cluster slot.
 */
export function idempotencyKeyOf(location: QueueLocation, jobId: string): string {
  return `idempotency:${location.name}:${jobId}`;
}

/**
 * An {@link IdempotencyStore} over the job queue's Redis: the stored job is
 * read with BullMQ's public `getJob`, so a key lives exactly as long as its
 * job; the short claim is a key of our own ({@link idempotencyKeyOf}).
 * @example const store = createBullmqIdempotencyStore({ queue, logger }); await store.find(jobId);
 */
export function createBullmqIdempotencyStore({
  queue,
  logger,
  redisErrors,
}: BullmqIdempotencyStoreOptions): IdempotencyStore {
  const context = { queue, logger, redisErrors };
  const claimKey = (jobId: string) => idempotencyKeyOf(queue.location, jobId);
  return {
    find: (jobId) =>
      queueCall(
        context,
        'Redis could not read the job',
        async () => {
          const job = await queue.current().getJob(jobId);
          if (!job) return undefined;
          // opts.delay, not job.delay: promote() zeroes the latter (see firstRunDueAt).
          return {
            type: job.name,
            payload: job.data,
            delayMs: job.opts.delay ?? 0,
            attempts: job.opts.attempts ?? 1,
            createdAt: job.timestamp,
          };
        },
        { jobId },
      ),
    claim: (jobId, ttlMs) =>
      queueCall(
        context,
        'Redis could not claim the idempotency key',
        async () => (await queue.client.set(claimKey(jobId), '1', 'PX', ttlMs, 'NX')) === 'OK',
        { jobId },
      ),
    release: (jobId) =>
      queueCall(
        context,
        'Redis could not release the idempotency key',
        async () => {
          await queue.client.del(claimKey(jobId));
        },
        { jobId },
      ),
  };
}
