import type { Logger } from 'pino';
import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../jobs/job-producer.js';
import { toBullmqJobOptions } from './bullmq-job-options.js';
import { createDelayedJobWriter, type EncodedDelayedJob } from './delayed-job-writer.js';
import { createGroupCommit } from './group-commit.js';
import type { LazyQueue } from './lazy-queue.js';
import { NOT_CONNECTED, unavailableReason } from './redis-unavailable.js';

export interface BullmqProducerOptions {
  /** The queue, on a client made with `producerRedisOptions` (offline queue off, command timeout on). */
  queue: LazyQueue;
  logger: Logger;
  /** Most delayed jobs stored in one Redis call (default 64). */
  maxBatch?: number;
  /** Batches in flight at once (default 2). */
  maxWrites?: number;
}

export interface BullmqProducer extends JobProducer {
  /** True while the Redis connection is usable. */
  isConnected(): boolean;
}

/**
 * A {@link JobProducer} over a BullMQ Queue that fails fast: while the client is
 * not connected it rejects at once instead of waiting for a reconnect (D11),
 * and any error from Redis means "not stored" — never a 201.
 *
 * Delayed jobs from concurrent requests are stored together, one Redis call per
 * batch ({@link createGroupCommit}); each request still resolves only after the
 * call that stored its job returned. Jobs without a delay go through `queue.add`.
 * @example const producer = createBullmqProducer({ queue: createLazyQueue({ client, queueName, logger }), logger });
 */
export function createBullmqProducer({ queue, logger, maxBatch = 64, maxWrites = 2 }: BullmqProducerOptions): BullmqProducer {
  const { client } = queue;
  const writer = createDelayedJobWriter(client, queue.name);
  // A job waits for a write slot no longer than one command may take, so a stalled
  // Redis answers 503 within about twice command_timeout_ms instead of piling requests up.
  const maxWaitMs = client.options.commandTimeout ?? 1000;
  const storeDelayed = createGroupCommit((jobs: EncodedDelayedJob[]) => writer.write(jobs), { maxBatch, maxWrites, maxWaitMs });

  async function store(request: EnqueueRequest): Promise<number> {
    if (request.delayMs > 0) {
      // The Queue's start-up records BullMQ's version in the queue's meta key, as queue.add would.
      queue.current();
      const timestamp = Date.now();
      const stored = await storeDelayed(writer.encode(request, timestamp));
      // Job ids are random UUIDs; an existing one means the answer would describe another job.
      if (!stored) throw new Error(`a job with id ${request.jobId} already exists`);
      return timestamp;
    }
    const job = await queue.current().add(request.type, request.payload, toBullmqJobOptions(request));
    return job.timestamp;
  }

  return {
    isConnected: () => client.status === 'ready',

    async enqueue(request: EnqueueRequest) {
      if (client.status !== 'ready') throw new QueueUnavailableError(NOT_CONNECTED);
      try {
        return { createdAt: await store(request) };
      } catch (error) {
        logger.warn({ err: error, jobId: request.jobId }, 'job was not stored');
        throw new QueueUnavailableError(unavailableReason(client, error, 'Redis did not accept the job'), { cause: error });
      }
    },
  };
}
