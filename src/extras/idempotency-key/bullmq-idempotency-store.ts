import { queueCall, splitData, type QueueCallContext } from '../../infra/queue/bullmq-queue.js';
import type { IdempotencyStore } from './idempotent-registration.js';

/** A key lives as long as its job (BullMQ `getJob`); the claim key is named with the queue for its cluster slot. */
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
          const { name, timestamp: createdAt, opts } = job;
          return { name, data, lifecycle, delayMs: opts.delay ?? 0, attempts: opts.attempts ?? 1, createdAt };
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
