import { Hono } from 'hono';
import * as v from 'valibot';
import { DEFAULT_DEMO_MESSAGE, demoDelayPrint } from '../jobs/demo-delay-print.js';
import type { JobStatusReader } from '../jobs/job-status.js';
import { registerJob, type RegisterJobDeps } from '../jobs/register-job.js';
import { jsonBody, requireJsonBody } from '../infra/http/json-body.js';
import { PROBLEM_TYPES, problemResponse } from '../infra/http/problem.js';
import { jobStatusBody } from './job-status-body.js';
import { RegisterRequestSchema } from './register-request.js';

export interface DmJobqueueRouteDeps extends RegisterJobDeps {
  statusReader: JobStatusReader;
}

/** The API makes job ids with randomUUID; anything else cannot be a job (and never reaches Redis). */
const JobIdSchema = v.pipe(v.string(), v.uuid());

/**
 * The reference job-queue endpoints (D7), mounted at `/api/dm-jobqueue`.
 * @example app.route('/api/dm-jobqueue', createDmJobqueueRoutes({ producer, statusReader, newJobId }))
 */
export function createDmJobqueueRoutes(deps: DmJobqueueRouteDeps) {
  return new Hono()
    .post('/register', requireJsonBody(), jsonBody(RegisterRequestSchema), async (c) => {
      const body = c.req.valid('json');
      const job = await registerJob(deps, demoDelayPrint, {
        payload: { message: body.message ?? DEFAULT_DEMO_MESSAGE },
        delaySeconds: body.delay_seconds,
        maxRetry: body.max_retry,
      });
      return c.json(
        {
          job_id: job.jobId,
          status: 'registered',
          job_type: job.jobType,
          delay_seconds: job.delaySeconds,
          max_retry: job.maxRetry,
          run_at: job.runAt.toISOString(),
        },
        201,
      );
    })
    .get('/jobs/:id', async (c) => {
      const id = c.req.param('id');
      const status = v.is(JobIdSchema, id) ? await deps.statusReader.read(id) : undefined;
      if (!status) {
        return problemResponse(c, {
          type: PROBLEM_TYPES.notFound,
          title: 'Not Found',
          status: 404,
          detail: `No job with id "${id}"; finished jobs are removed after the retention time`,
        });
      }
      // The state changes while the client polls: never serve it from a cache.
      c.header('Cache-Control', 'no-store');
      return c.json(jobStatusBody(status));
    });
}
