import type { Job, Processor, Queue } from 'bullmq';
import type { JobData, JobName } from '../../jobs/registry.js';

/** Where the queue's keys live: BullMQ builds every key from these two. */
export interface QueueLocation {
  /** `jobqueue.queue_name`, e.g. `dm-jobqueue` or `{dm-jobqueue}`. */
  readonly name: string;
  /** `jobqueue.prefix`, BullMQ's key prefix (`bull` by default). */
  readonly prefix: string;
}

/** The BullMQ queue of this service, typed from the job definitions (`src/jobs/registry.ts`). */
export type JobQueue = Queue<JobData, void, JobName>;

/** One of this service's jobs as BullMQ hands it to the worker. */
export type QueuedJob = Job<JobData, void, JobName>;

/** The worker's BullMQ processor, typed the same way. */
export type JobQueueProcessor = Processor<JobData, void, JobName>;

/**
 * When a job's first run was due. `promote()` (dashboard, our due-time
 * promoter) sets the stored `delay` to 0, so the registered delay is read from
 * the job's options, never from `job.delay`.
 */
export function firstRunDueAt(job: Pick<Job, 'timestamp' | 'opts'>): number {
  return job.timestamp + (job.opts.delay ?? 0);
}
