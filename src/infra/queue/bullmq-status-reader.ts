import type { Job, JobState as BullmqJobState } from 'bullmq';
import type { Logger } from 'pino';
import { QueueUnavailableError } from '../../jobs/job-producer.js';
import type { JobState, JobStatus, JobStatusReader } from '../../jobs/job-status.js';
import type { LazyQueue } from './lazy-queue.js';
import { NOT_CONNECTED, unavailableReason } from './redis-unavailable.js';

export interface BullmqStatusReaderOptions {
  /** The producer's queue and client (`producerRedisOptions`): offline queue off, command timeout on. */
  queue: LazyQueue;
  logger: Logger;
}

const STATES: Record<BullmqJobState, JobState> = {
  delayed: 'delayed',
  waiting: 'waiting',
  // Our jobs use neither priorities nor flows; if one does, it is still "due, not running".
  prioritized: 'waiting',
  'waiting-children': 'waiting',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};

/** BullMQ scores a delayed job with its due time in ms times 0x1000 plus a counter. */
const DELAYED_SCORE_FACTOR = 0x1000;

/** Rounds of reads while runs keep ending between them; after that the latest read is answered (runs take far longer than a read). */
const MAX_READS = 3;

const optionalDate = (ms: number | undefined) => (ms ? new Date(ms) : undefined);

function toStatus(job: Job, state: JobState, nextRunMs: number | undefined): JobStatus {
  return {
    jobId: job.id ?? '',
    jobType: job.name,
    state,
    runAt: new Date(job.timestamp + (job.opts.delay ?? 0)),
    nextRunAt: optionalDate(nextRunMs),
    attemptsMade: job.attemptsMade,
    maxRetry: Math.max(0, (job.opts.attempts ?? 1) - 1),
    finishedAt: optionalDate(job.finishedOn),
    failureReason: job.failedReason || undefined,
  };
}

/** True when both reads of the hash saw the same runs: none started or ended in between. */
function sameRun(before: Job, after: Job): boolean {
  return (
    before.attemptsStarted === after.attemptsStarted &&
    before.attemptsMade === after.attemptsMade &&
    before.processedOn === after.processedOn &&
    before.finishedOn === after.finishedOn &&
    before.failedReason === after.failedReason
  );
}

/**
 * A {@link JobStatusReader} over BullMQ that fails fast like the producer:
 * while the client is not connected it rejects at once (503), never waits.
 * @example const reader = createBullmqStatusReader({ queue, logger }); await reader.read(jobId);
 */
export function createBullmqStatusReader({ queue, logger }: BullmqStatusReaderOptions): JobStatusReader {
  const { client } = queue;

  async function nextRunMs(jobId: string): Promise<number | undefined> {
    // The job hash keeps only the latest delay, not when a retry is due; the delayed set's score does.
    const score = await client.zscore(queue.current().toKey('delayed'), jobId);
    return score === null ? undefined : Math.floor(Number(score) / DELAYED_SCORE_FACTOR);
  }

  /**
   * BullMQ keeps the state (which set or list holds the id) apart from the job
   * hash, and reads them one at a time: a run that ends in between would pair
   * "active" with that run's failure. So the hash is read before and after the
   * state; the status stands when both reads show the same run, because every
   * run starts and ends with a write to the hash.
   */
  async function readConsistently(jobId: string): Promise<JobStatus | undefined> {
    let before = await queue.current().getJob(jobId);
    if (!before) return undefined;
    for (let read = 1; ; read++) {
      const bullmqState = await queue.current().getJobState(jobId);
      // Removed (retention) between the reads.
      if (bullmqState === 'unknown') return undefined;
      const state = STATES[bullmqState];
      const nextRun = state === 'delayed' ? await nextRunMs(jobId) : undefined;
      const after = await queue.current().getJob(jobId);
      if (!after) return undefined;
      // A delayed job without a score was promoted between the reads.
      const settled = sameRun(before, after) && !(state === 'delayed' && nextRun === undefined);
      if (settled || read === MAX_READS) return toStatus(after, state, nextRun);
      before = after;
    }
  }

  return {
    async read(jobId) {
      if (client.status !== 'ready') throw new QueueUnavailableError(NOT_CONNECTED);
      try {
        return await readConsistently(jobId);
      } catch (error) {
        logger.warn({ err: error, jobId }, 'job status was not read');
        throw new QueueUnavailableError(unavailableReason(client, error, 'Redis could not read the job'), { cause: error });
      }
    },
  };
}
