/** The queue's side of Idempotency-Key (./idempotent-registration.ts). */
import { queueCall, splitData, type QueueCallContext } from '../../infra/queue/bullmq-queue.js';
import type { IdempotencyStore } from './idempotent-registration.js';

/**
 * An {@link IdempotencyStore} over the job queue's Redis: the stored job is read with BullMQ's
 * public `getJob`, so a key lives exactly as long as its job; the short claim is a key of our own,
 * named with the queue name so that a hash-tagged queue keeps it in its cluster slot.
 * `beforeReplay` confirms a found job before it is replayed (replica-ack.ts).
 * @example const store = createBullmqIdempotencyStore({ queue, logger, outage });
 */
export function createBullmqIdempotencyStore(
  context: QueueCallContext & { beforeReplay?: ((jobId: string) => Promise<void>) | undefined },
): IdempotencyStore {
  const { queue, beforeReplay } = context;
  const claimKey = (jobId: string) => `idempotency:${queue.location.name}:${jobId}`;
  return {
    find: (jobId) =>
      queueCall(
        context,
        'Redis could not read the job',
        async () => {
          const job = await queue.current().getJob(jobId);
          if (!job) return undefined;
          await beforeReplay?.(jobId);
          // opts.delay, not job.delay: promote() and changeDelay() change the latter; the first 201 had the former.
          const { payload: data, lifecycle } = splitData(job.data);
          const { name, timestamp } = job;
          return {
            name,
            data,
            lifecycle,
            delayMs: job.opts.delay ?? 0,
            attempts: job.opts.attempts ?? 1,
            createdAt: timestamp,
          };
        },
        { jobId },
      ),
    claim: (jobId, ttlMs) =>
      queueCall(context, 'Redis could not claim the idempotency key', async () => {
        return (await queue.client.set(claimKey(jobId), '1', 'PX', ttlMs, 'NX')) === 'OK';
      }),
    release: (jobId) =>
      queueCall(context, 'Redis could not release the idempotency key', async () => {
        await queue.client.del(claimKey(jobId));
      }),
  };
}
