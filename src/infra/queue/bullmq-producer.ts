import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../jobs/job-producer.js';
import { toBullmqBackoff } from './bullmq-backoff.js';

export const NOT_CONNECTED = 'Redis is not connected';

function unavailableReason(client: Redis, error: unknown): string {
  if (client.status !== 'ready') return NOT_CONNECTED;
  if (error instanceof Error && /timed out/i.test(error.message)) return 'Redis did not answer in time';
  return 'Redis did not accept the job';
}

export interface BullmqProducerOptions {
  /** A client made with `producerRedisOptions` (offline queue off, command timeout on). */
  client: Redis;
  queueName: string;
  logger: Logger;
}

export interface BullmqProducer extends JobProducer {
  /** True while the Redis connection is usable. */
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * A {@link JobProducer} over a BullMQ Queue that fails fast: while the client is
 * not connected it rejects at once instead of waiting for a reconnect (D11),
 * and any error from Redis means "not stored" — never a 201.
 * @example const producer = createBullmqProducer({ client: new Redis(opts), queueName, logger });
 */
export function createBullmqProducer({ client, queueName, logger }: BullmqProducerOptions): BullmqProducer {
  let queue: Queue | undefined;

  // BullMQ's Queue keeps the promise of its first start-up; if that start-up fails
  // (Redis lost mid-handshake) the Queue stays broken, so a new one is made then.
  function currentQueue(): Queue {
    if (queue) return queue;
    const created = new Queue(queueName, { connection: client });
    created.on('error', (error) => logger.debug({ err: error }, 'job queue connection error'));
    created.waitUntilReady().catch(() => {
      if (queue === created) queue = undefined;
      void created.close().catch(() => undefined);
    });
    queue = created;
    return created;
  }

  return {
    isConnected: () => client.status === 'ready',

    async enqueue(request: EnqueueRequest) {
      if (client.status !== 'ready') throw new QueueUnavailableError(NOT_CONNECTED);
      try {
        const job = await currentQueue().add(request.type, request.payload, {
          jobId: request.jobId,
          delay: request.delayMs,
          attempts: request.attempts,
          backoff: toBullmqBackoff(request.backoff),
        });
        return { createdAt: job.timestamp };
      } catch (error) {
        logger.warn({ err: error, jobId: request.jobId }, 'job was not stored');
        throw new QueueUnavailableError(unavailableReason(client, error), { cause: error });
      }
    },

    async close() {
      await queue?.close();
    },
  };
}
