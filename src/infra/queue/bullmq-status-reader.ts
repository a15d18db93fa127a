import type { JobState as BullmqJobState } from 'bullmq';
import type { Logger } from 'pino';
import type { JobState, JobStatus, JobStatusReader } from '../../jobs/job-status.js';
import type { RedisErrorReporter } from '../log/redis-error-reporter.js';
import { firstRunDueAt, type QueuedJob } from './job-queue.js';
import type { LazyQueue } from './lazy-queue.js';
import { queueCall } from './queue-call.js';

export interface BullmqStatusReaderOptions {
  /** The producer's queue and client (`producerRedisOptions`): offline queue off, command timeout on. */
  queue: LazyQueue;
  logger: Logger;
  /** As the producer's: reports command timeouts, which emit no `error` event. */
  redisErrors?: Pick<RedisErrorReporter, 'error'>;
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

/** Rounds of reads while runs keep ending between them; after that the latest read is answered (runs take far longer than a read). */
const MAX_READS = 3;

const optionalDate = (ms: number | undefined) => (ms ? new Date(ms) : undefined);

/**
 * When a delayed job's next run is due, from the job's public fields: before
 * its first run, the registered due time; after a failed run, the retry delay
 * BullMQ stored (`job.delay`) counted from that run's start — BullMQ counts it
 * from the run's end, which the job does not record, so this is the earliest
 * the retry can start (later by the failed run's duration).
 */
function nextRunAt(job: QueuedJob): Date | undefined {
  if (job.attemptsMade === 0 && job.processedOn === undefined) return new Date(firstRunDueAt(job));
  return job.processedOn === undefined ? undefined : new Date(job.processedOn + job.delay);
}

function toStatus(job: QueuedJob, state: JobState): JobStatus {
  return {
    jobId: job.id ?? '',
    jobType: job.name,
    state,
    runAt: new Date(firstRunDueAt(job)),
    nextRunAt: state === 'delayed' ? nextRunAt(job) : undefined,
    attemptsMade: job.attemptsMade,
    maxRetry: Math.max(0, (job.opts.attempts ?? 1) - 1),
    finishedAt: optionalDate(job.finishedOn),
    failureReason: job.failedReason || undefined,
  };
}

/** True when both reads of the hash saw the same runs: none started or ended in between. */
function sameRun(before: QueuedJob, after: QueuedJob): boolean {
  return (
    before.attemptsStarted === after.attemptsStarted &&
    before.attemptsMade === after.attemptsMade &&
    before.processedOn === after.processedOn &&
    before.finishedOn === after.finishedOn &&
    before.failedReason === after.failedReason
  );
}

/**
 * A {@link JobStatusReader} over BullMQ's `getJob` / `getJobState` that fails
 * fast like the producer: while the client is not connected it rejects at once
 * (503), never waits.
 * @example const reader = createBullmqStatusReader({ queue, logger }); await reader.read(jobId);
 */
export function createBullmqStatusReader({ queue, logger, redisErrors }: BullmqStatusReaderOptions): JobStatusReader {
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
      const after = await queue.current().getJob(jobId);
      if (!after) return undefined;
      if (sameRun(before, after) || read === MAX_READS) return toStatus(after, STATES[bullmqState]);
      before = after;
    }
  }

  return {
    read: (jobId) =>
      queueCall({ queue, logger, redisErrors }, 'Redis could not read the job', () => readConsistently(jobId), {
        jobId,
      }),
  };
}
