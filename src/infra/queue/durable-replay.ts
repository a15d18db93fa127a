import type { IdempotencyStore } from '../../jobs/idempotency-store.js';
import { QueueUnavailableError } from '../../jobs/job-producer.js';
import { idempotencyKeyOf } from './bullmq-idempotency-store.js';
import type { LazyQueue } from './lazy-queue.js';
import { queueCall, type QueueCallContext } from './queue-call.js';
import { ReplicaShortfallError, type ReplicaAck } from './replica-ack.js';

/**
 * With `ack_replicas`, an `Idempotency-Key` retry must not replay a 201 for a
 * job whose first answer was "not confirmed on enough replicas": the job is
 * on the master, perhaps still on no replica. So a found job is confirmed
 * before it is replayed: one small write on the producer's connection, then
 * the shared WAIT. The replication stream is ordered, so a replica that
 * acknowledges that write holds the job written before it (even by another
 * connection, or another process).
 * @example const store = durableReplay(createBullmqIdempotencyStore(…), { queue: writeQueue, logger, redisErrors, replicaAck });
 */
export function durableReplay(
  store: IdempotencyStore,
  { replicaAck, ...context }: QueueCallContext & { queue: LazyQueue; replicaAck: ReplicaAck },
): IdempotencyStore {
  const { queue } = context;
  const markKey = (jobId: string) => `${idempotencyKeyOf(queue.location, jobId)}:confirmed`;
  return {
    ...store,
    async find(jobId) {
      const found = await store.find(jobId);
      if (!found) return found;
      try {
        await queueCall(
          context,
          'Redis could not confirm the stored job on its replicas',
          async () => {
            await queue.client.set(markKey(jobId), '1', 'PX', 60_000);
            await replicaAck.require();
          },
          { jobId },
        );
        return found;
      } catch (error) {
        if (!(error instanceof ReplicaShortfallError)) throw error;
        throw new QueueUnavailableError(
          `the job is stored but not yet confirmed on enough replicas (${error.message}): retry with the same Idempotency-Key`,
          { cause: error },
        );
      }
    },
  };
}
