import type { Logger } from 'pino';
import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../jobs/job-producer.js';
import { isRedisConnectionError } from '../redis/connection-error.js';
import { toBullmqJobOptions } from './bullmq-job-options.js';
import type { LazyQueue } from './lazy-queue.js';
import { NOT_CONNECTED, unavailableReason } from './redis-unavailable.js';

export interface BullmqProducerOptions {
  /** The queue, on a client made with `producerRedisOptions` (offline queue off, command timeout on). */
  queue: LazyQueue;
  logger: Logger;
}

/**
 * A {@link JobProducer} over BullMQ's `queue.add` that fails fast: while the
 * client is not connected it rejects at once instead of waiting for a
 * reconnect (D11), and any error from Redis means "not stored" — never a 201.
 * Connection trouble is reported once per outage by the client's own listener,
 * so it is not logged here per request.
 * @example const producer = createBullmqProducer({ queue: createLazyQueue({ client, location, logger }), logger });
 */
export function createBullmqProducer({ queue, logger }: BullmqProducerOptions): JobProducer {
  const { client } = queue;
  return {
    async enqueue(request: EnqueueRequest) {
      if (client.status !== 'ready') throw new QueueUnavailableError(NOT_CONNECTED);
      try {
        const job = await queue.current().add(request.type, request.payload, toBullmqJobOptions(request));
        return { createdAt: job.timestamp };
      } catch (error) {
        // A Redis that answered with an error is a fault worth seeing every time; a lost connection is an outage.
        if (!isRedisConnectionError(error)) logger.error({ err: error, jobId: request.jobId }, 'Redis refused the job');
        throw new QueueUnavailableError(unavailableReason(client, error, 'Redis did not accept the job'), { cause: error });
      }
    },
  };
}
