import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../src/jobs/register-job.js';
import type { AnyJob } from '../../src/jobs/job.js';
import type { KnownJob } from '../../src/jobs/registry.js';

/**
 * A JobProducer that keeps jobs in an array, or fails like a Redis that is
 * down. Like BullMQ, a second job with a stored job's id is not stored again.
 */
export function createFakeProducer<Job extends AnyJob = KnownJob>(options: { now?: () => number } = {}) {
  const jobs: EnqueueRequest<Job>[] = [];
  const createdAt = new Map<string, number>();
  let unavailable = false;
  const producer = {
    jobs,
    setUnavailable(value: boolean) {
      unavailable = value;
    },
    /** The stored job with this id and when it was stored (what a store reads back). */
    find: (jobId: string): (EnqueueRequest<Job> & { createdAt: number }) | undefined => {
      const job = jobs.find((stored) => stored.jobId === jobId);
      return job && { ...job, createdAt: createdAt.get(jobId) ?? 0 };
    },
    enqueue: async (request: EnqueueRequest<Job>) => {
      if (unavailable) throw new QueueUnavailableError('Redis is not connected');
      const existing = createdAt.get(request.jobId);
      if (existing !== undefined) return { createdAt: existing };
      const now = options.now?.() ?? Date.now();
      jobs.push(request);
      createdAt.set(request.jobId, now);
      return { createdAt: now };
    },
  } satisfies JobProducer<Job> & Record<string, unknown>;
  return producer;
}
