import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QueueUnavailableError } from '../../jobs/register-job.js';
import type { QueueLocation } from '../../infra/queue/bullmq-queue.js';

/** WAIT blocks its connection, so callers share WAITs (one in flight); relies on BullMQ writing on `client`. */
export function createReplicaAck(options: {
  client: Pick<Redis, 'wait' | 'set'>;
  replicas: number;
  timeoutMs: number;
  location: QueueLocation;
  logger: Logger;
}) {
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
    /** After the job's write on `client` was answered: resolves once enough replicas hold it; else 503. */
    afterWrite: (jobId: string) =>
      require(jobId, (shortfall) => `was not confirmed on enough replicas (${shortfall}); it may still run`),
    /** One small write then the shared WAIT: replication is ordered, so it also confirms the earlier job. */
    async beforeReplay(jobId: string) {
      await client.set(`replica-ack:${location.name}:${jobId}`, '1', 'PX', 60_000);
      await require(jobId, (shortfall) => `is stored but not yet confirmed on enough replicas (${shortfall})`);
    },
  };
}
