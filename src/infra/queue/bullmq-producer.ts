import type { Logger } from 'pino';
import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../jobs/job-producer.js';
import { toBullmqBackoff } from './bullmq-backoff.js';
import type { LazyQueue } from './lazy-queue.js';
import { NOT_CONNECTED, unavailableReason } from './redis-unavailable.js';

export interface BullmqProducerOptions {
  /** The queue, on a client made with `producerRedisOptions` (offline queue off, command timeout on). */
  queue: LazyQueue;
  logger: Logger;
}

export interface BullmqProducer extends JobProducer {
  /** True while the Redis connection is usable. */
  isConnected(): boolean;
}

/**
 * A {@link JobProducer} over a BullMQ Queue that fails fast: while the client is
 * not connected it rejects at once instead of waiting for a reconnect (D11),
 * and any error from Redis means "not stored" — never a 201.
 * @example const producer = createBullmqProducer({ queue: createLazyQueue({ client, queueName, logger }), logger });
 */
export function createBullmqProducer({ queue, logger }: BullmqProducerOptions): BullmqProducer {
  const { client } = queue;

  return {
    isConnected: () => client.status === 'ready',

    async enqueue(request: EnqueueRequest) {
      if (client.status !== 'ready') throw new QueueUnavailableError(NOT_CONNECTED);
      try {
        const job = await queue.current().add(request.type, request.payload, {
          jobId: request.jobId,
          delay: request.delayMs,
          attempts: request.attempts,
          backoff: toBullmqBackoff(request.backoff),
        });
        return { createdAt: job.timestamp };
      } catch (error) {
        logger.warn({ err: error, jobId: request.jobId }, 'job was not stored');
        throw new QueueUnavailableError(unavailableReason(client, error, 'Redis did not accept the job'), { cause: error });
      }
    },
  };
}
