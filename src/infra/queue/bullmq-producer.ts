import type { Logger } from 'pino';
import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../jobs/job-producer.js';
import type { RedisErrorReporter } from '../log/redis-error-reporter.js';
import { toBullmqJobOptions } from './bullmq-job-options.js';
import type { LazyQueue } from './lazy-queue.js';
import { queueCall } from './queue-call.js';
import { createReplicaAck, type ReplicaAck } from './replica-ack.js';

/** `redis.jobqueue.ack_replicas` / `ack_timeout_ms`: answer only once N replicas hold the job. */
export interface AckOptions {
  replicas: number;
  timeoutMs: number;
}

/** The job is on the master, perhaps not on enough replicas: not acknowledged, but it may still run. */
export class ReplicaAckError extends Error {
  override readonly name = 'ReplicaAckError';
}

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
  /** Off (or replicas 0): 201 once the master stored the job, as a single Redis does. */
  ack?: AckOptions;
  /** The WAITs to share with other writers on `queue.client` (made here when absent). */
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
export function createBullmqProducer({ queue, logger, redisErrors, ack, replicaAck: shared }: BullmqProducerOptions): JobProducer {
  const { client } = queue;
  // On `client`: the connection BullMQ's queue.add writes on (a Queue given a client uses it, not a copy).
  const replicaAck = ack && ack.replicas > 0 ? (shared ?? createReplicaAck(client, ack.replicas, ack.timeoutMs)) : undefined;
  const context = { queue, logger, redisErrors };
  return {
    async enqueue(request: EnqueueRequest) {
      try {
        // queueCall: rejects at once while not connected; any Redis failure means "not stored" (503).
        const job = await queueCall(context, 'Redis did not accept the job', async () => {
          const added = await queue.current().add(request.type, request.payload, toBullmqJobOptions(request));
          if (replicaAck && ack) {
            const confirmed = await replicaAck.confirm();
            if (confirmed < ack.replicas) throw new ReplicaAckError(`${confirmed} of ${ack.replicas} replica(s) confirmed the job within ${ack.timeoutMs} ms`);
          }
          return added;
        }, { jobId: request.jobId });
        redisErrors?.recovered();
        return { createdAt: job.timestamp };
      } catch (error) {
        if (!(error instanceof ReplicaAckError)) throw error;
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
