import type { JobStatus } from '../jobs/job-status.js';
import type { JobStatusResponse } from './job-status-response.js';

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

/**
 * The JSON body of `GET /api/dm-jobqueue/jobs/:id`: snake_case like the
 * register response, times in ISO 8601 UTC, `null` for what does not apply yet.
 */
export function jobStatusBody(status: JobStatus): JobStatusResponse {
  return {
    job_id: status.jobId,
    job_type: status.jobType,
    state: status.state,
    run_at: status.runAt.toISOString(),
    next_run_at: iso(status.nextRunAt),
    attempts_made: status.attemptsMade,
    max_retry: status.maxRetry,
    finished_at: iso(status.finishedAt),
    failure_reason: status.failureReason ?? null,
  };
}
