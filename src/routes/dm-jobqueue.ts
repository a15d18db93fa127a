import { Hono } from 'hono';
import { DEFAULT_DEMO_MESSAGE, demoDelayPrint } from '../jobs/demo-delay-print.js';
import { registerJob, type RegisterJobDeps } from '../jobs/register-job.js';
import { jsonBody, requireJsonBody } from '../infra/http/json-body.js';
import { RegisterRequestSchema } from './register-request.js';

/**
 * The reference job-queue endpoints (D7), mounted at `/api/dm-jobqueue`.
 * @example app.route('/api/dm-jobqueue', createDmJobqueueRoutes({ producer, newJobId }))
 */
export function createDmJobqueueRoutes(deps: RegisterJobDeps) {
  return new Hono().post('/register', requireJsonBody(), jsonBody(RegisterRequestSchema), async (c) => {
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
  });
}
