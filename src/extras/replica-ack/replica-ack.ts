/**
 * Durable acknowledgement (`redis.replica_ack`, an optional extra: ./README.md): a registration
 * answers 201 only once N replicas hold the job, through Redis `WAIT` on the connection that wrote it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QueueUnavailableError } from '../../jobs/register-job.js';
import type { QueueLocation } from '../../infra/queue/bullmq-queue.js';

export interface ReplicaAck {
  /** After the job's write on `client` was answered: resolves once enough replicas hold it; else 503. */
  afterWrite: (jobId: string) => Promise<void>;
  /**
   * Before an Idempotency-Key replay: a job stored by an earlier request (perhaps answered "not
   * confirmed") is confirmed first — one small write on `client`, then the shared WAIT. The
   * replication stream is ordered, so a replica that holds that write holds the job written before it.
   */
  beforeReplay: (jobId: string) => Promise<void>;
}

/**
 * WAIT blocks its connection, so one WAIT per registration would serialize them all. Callers share
 * WAITs instead, as a database shares a commit: at most one is in flight, and everyone who asks
 * meanwhile joins the next one, sent when it returns. A WAIT sent after a caller's write was
 * answered covers that write, so sharing never confirms a write it has not seen. It relies on
 * BullMQ writing on the very client it was given (test/integration/replica-ack.test.ts holds it).
 * @example const ack = createReplicaAck({ client, replicas: 1, timeoutMs: 500, location, logger });
 */
export function createReplicaAck(options: {
  client: Pick<Redis, 'wait' | 'set'>;
  replicas: number;
  timeoutMs: number;
  location: QueueLocation;
  logger: Logger;
}): ReplicaAck {
  const { client, replicas, timeoutMs, location, logger } = options;
  let inFlight: Promise<number> | undefined;
  let next: Promise<number> | undefined;

  function send(): Promise<number> {
    const sent = client.wait(replicas, timeoutMs);
    inFlight = sent;
    const done = () => {
      if (inFlight === sent) inFlight = undefined;
    };
    sent.then(done, done);
    return sent;
  }

  async function require(jobId: string, consequence: (shortfall: string) => string): Promise<void> {
    // Joins the WAIT queued behind the one in flight; it is sent when that one returns.
    const ignore = () => undefined;
    const confirmed = await (inFlight
      ? (next ??= inFlight.then(ignore, ignore).then(() => ((next = undefined), send())))
      : send());
    if (confirmed >= replicas) return;
    const shortfall = `${confirmed} of ${replicas} replica(s) confirmed the job within ${timeoutMs} ms`;
    logger.warn({ jobId }, `job not acknowledged: ${shortfall}`);
    throw new QueueUnavailableError(`the job ${consequence(shortfall)}: retry with the same Idempotency-Key`);
  }

  return {
    afterWrite: (jobId) =>
      require(jobId, (shortfall) => `was not confirmed on enough replicas (${shortfall}); it may still run`),
    async beforeReplay(jobId) {
      await client.set(`replica-ack:${location.name}:${jobId}`, '1', 'PX', 60_000);
      await require(jobId, (shortfall) => `is stored but not yet confirmed on enough replicas (${shortfall})`);
    },
  };
}
