import type { Redis } from 'ioredis';
import type { IdempotencyStore } from '../../jobs/idempotency-store.js';
import { QueueUnavailableError } from '../../jobs/job-producer.js';
import type { AckOptions } from './bullmq-producer.js';
import { idempotencyKeyOf } from './bullmq-idempotency-store.js';
import type { QueueLocation } from './job-queue.js';
import type { ReplicaAck } from './replica-ack.js';

/**
 * With `ack_replicas`, an `Idempotency-Key` retry must not replay a 201 for a
 * job whose first answer was "not confirmed on enough replicas": the job is
 * on the master, perhaps still on no replica. So a found job is confirmed
 * before it is replayed: one small write on the producer's connection, then
 * the shared WAIT. The replication stream is ordered, so a replica that
 * acknowledges that write holds the job written before it (even by another
 * connection, or another process).
 * @example const store = durableReplay(createBullmqIdempotencyStore(…), { writer, replicaAck, ack, location });
 */
export function durableReplay(
  store: IdempotencyStore,
  { writer, replicaAck, ack, location }: { writer: Pick<Redis, 'set'>; replicaAck: ReplicaAck; ack: AckOptions; location: QueueLocation },
): IdempotencyStore {
  const markKey = (jobId: string) => `${idempotencyKeyOf(location, jobId)}:confirmed`;
  return {
    ...store,
    async find(jobId) {
      const found = await store.find(jobId);
      if (!found) return found;
      try {
        await writer.set(markKey(jobId), '1', 'PX', 60_000);
        const confirmed = await replicaAck.confirm();
        if (confirmed >= ack.replicas) return found;
        throw new QueueUnavailableError(`the job is stored but not yet confirmed on enough replicas (${confirmed} of ${ack.replicas} within ${ack.timeoutMs} ms): retry with the same Idempotency-Key`);
      } catch (error) {
        if (error instanceof QueueUnavailableError) throw error;
        throw new QueueUnavailableError('Redis could not confirm the stored job on its replicas', { cause: error });
      }
    },
  };
}
