import * as v from 'valibot';
import { JOB_STATES } from '../jobs/job-status.js';

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

/** The 200 body of `GET /api/dm-jobqueue/jobs/:id`, as documented in `/openapi.json`. */
export const JobStatusResponseSchema = v.object({
  job_id: v.string(),
  job_type: v.string(),
  state: v.pipe(
    v.picklist(JOB_STATES),
    v.description(
      'delayed: not due yet or waiting for a retry; waiting: due; active: running; completed / failed: finished for good.',
    ),
  ),
  run_at: v.pipe(Timestamp, v.description('When the first run was due.')),
  next_run_at: v.pipe(
    v.nullable(Timestamp),
    v.description('While delayed: the earliest the next run (first or retry) starts.'),
  ),
  attempts_made: v.pipe(v.number(), v.integer()),
  max_retry: v.pipe(v.number(), v.integer()),
  finished_at: v.nullable(Timestamp),
  failure_reason: v.nullable(v.string()),
});

export type JobStatusResponse = v.InferOutput<typeof JobStatusResponseSchema>;
