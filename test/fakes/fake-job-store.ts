import { QueueUnavailableError } from '../../src/jobs/register-job.js';
import type { JobStatus, JobStore } from '../../src/jobs/job-status.js';

/** A JobStore over a map of statuses, or failing like a Redis that is down. */
export function createFakeJobStore(statuses: Iterable<JobStatus> = []) {
  const jobs = new Map<string, JobStatus>();
  for (const status of statuses) jobs.set(status.jobId, status);
  let unavailable = false;
  const reads: string[] = [];
  const reader = {
    jobs,
    /** Every id the route passed to `read`. */
    reads,
    setUnavailable(value: boolean) {
      unavailable = value;
    },
    async read(jobId: string) {
      reads.push(jobId);
      if (unavailable) throw new QueueUnavailableError('Redis is not connected');
      return jobs.get(jobId);
    },
  } satisfies JobStore & Record<string, unknown>;
  return reader;
}
