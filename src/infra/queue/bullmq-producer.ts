import type { Logger } from 'pino';
import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../jobs/job-producer.js';
import type { RedisErrorReporter } from '../log/redis-error-reporter.js';
import { toBullmqJobOptions } from './bullmq-job-options.js';
import type { LazyQueue } from './lazy-queue.js';
import { queueCall } from './queue-call.js';
import { ReplicaShortfallError, type ReplicaAck } from './replica-ack.js';

export interface BullmqProducerOptions {
  /** The queue, on a client made with `producerRedisOptions` (offline queue off, command timeout on). */
  queue: LazyQueue;
  logger: Logger;
  /**
   * The client's outage reporter: a command that timed out on a live
   * connection emits no `error` event, so the producer reports it itself,
   * and a success ends such an outage.
   */
  redisErrors?: Pick<RedisErrorReporter, 'error' | 'recovered'>;
  /**
   * `redis.jobqueue.ack_replicas` above 0: answer only once that many replicas hold the job, through
   * WAITs on `queue.client`, the connection BullMQ's queue.add writes on (a Queue given a client
   * uses it, not a copy). Absent: 201 once the master stored the job, as a single Redis does.
   */
  replicaAck?: ReplicaAck;
}

/**
 * A {@link JobProducer} over BullMQ's `queue.add` that fails fast: while the
 * client is not connected it rejects at once instead of waiting for a
 * reconnect (D11), and any error from Redis means "not stored" — never a 201.
 * Connection trouble is reported once per outage by the client's own listener,
 * so it is not logged here per request.
 * @example const producer = createBullmqProducer({ queue: createLazyQueue({ client, location, logger }), logger });
 */
export function createBullmqProducer({ queue, logger, redisErrors, replicaAck }: BullmqProducerOptions): JobProducer {
  const context = { queue, logger, redisErrors };
  return {
    async enqueue(request: EnqueueRequest) {
      try {
        // queueCall: rejects at once while not connected; any Redis failure means "not stored" (503).
        const job = await queueCall(
          context,
          'Redis did not accept the job',
          async () => {
            const added = await queue.current().add(request.type, request.payload, toBullmqJobOptions(request));
            await replicaAck?.require();
            return added;
          },
          { jobId: request.jobId },
        );
        redisErrors?.recovered();
        return { createdAt: job.timestamp };
      } catch (error) {
        if (!(error instanceof ReplicaShortfallError)) throw error;
        // Stored on the master, so it may still run; only a retry with the same Idempotency-Key is safe.
        logger.warn({ jobId: request.jobId }, `job not acknowledged: ${error.message}`);
        throw new QueueUnavailableError(
          `the job was not confirmed on enough replicas (${error.message}); it may still run: retry with the same Idempotency-Key`,
          { cause: error },
        );
      }
    },
  };
}
