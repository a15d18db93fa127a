import { QueueUnavailableError } from '../../src/jobs/register-job.js';
import { FINAL_STATES, type JobStatus, type JobStore } from '../../src/jobs/job-status.js';

/** A JobStore over a map of statuses, or failing like a Redis that is down; cancels and reschedules as BullMQ's does. */
export function createFakeJobStore(statuses: Iterable<JobStatus> = []) {
  const jobs = new Map<string, JobStatus>();
  for (const status of statuses) jobs.set(status.jobId, status);
  let unavailable = false;
  const reads: string[] = [];
  const available = () => {
    if (unavailable) throw new QueueUnavailableError('Redis is not connected');
  };
  const refusal = (status: JobStatus, reason = status.state === 'active' ? 'it is running' : `it is ${status.state}`) =>
    ({ done: false, reason, status }) as const;
  const store = {
    jobs,
    /** Every id the route passed to `read`. */
    reads,
    setUnavailable(value: boolean) {
      unavailable = value;
    },
    async read(jobId: string) {
      reads.push(jobId);
      available();
      return jobs.get(jobId);
    },
    async cancel(jobId: string) {
      available();
      const status = jobs.get(jobId);
      if (!status) return undefined;
      if (status.state !== 'cancelled' && (status.state === 'active' || FINAL_STATES.includes(status.state)))
        return refusal(status);
      const cancelled = { ...status, state: 'cancelled' as const, finishedAt: status.finishedAt ?? new Date() };
      jobs.set(jobId, cancelled);
      return { done: true, status: cancelled } as const;
    },
    async reschedule(jobId: string, dueAt: Date) {
      available();
      const status = jobs.get(jobId);
      if (!status) return undefined;
      if (status.state === 'active' || FINAL_STATES.includes(status.state)) return refusal(status);
      if (status.state !== 'delayed' || status.runAt.getTime() <= Date.now())
        return refusal(status, 'it is already due');
      const moved = { ...status, runAt: dueAt, nextRunAt: dueAt };
      jobs.set(jobId, moved);
      return { done: true, status: moved } as const;
    },
  } satisfies JobStore & Record<string, unknown>;
  return store;
}
