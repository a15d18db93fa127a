import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import { DEFAULT_DEMO_MESSAGE, demoDelayPrint } from '../jobs/demo-delay-print.js';
import type { JobStatusReader } from '../jobs/job-status.js';
import type { IdempotencyStore } from '../jobs/idempotency-store.js';
import { registerJob, type RegisteredJob, type RegisterJobDeps, type RegisterJobInput } from '../jobs/register-job.js';
import { registerJobIdempotently } from '../jobs/register-job-idempotently.js';
import { IDEMPOTENCY_KEY_HEADER, readIdempotencyKey, REPLAYED_HEADER } from '../infra/http/idempotency-key.js';
import { jsonBody, requireJsonBody } from '../infra/http/json-body.js';
import { PROBLEM_TYPES, problemResponse, validationProblem } from '../infra/http/problem.js';
import { jobStatusBody } from './job-status-body.js';
import { JobStatusResponseSchema } from './job-status-response.js';
import { COMMON_PROBLEMS, problem } from './openapi-responses.js';
import { RegisterRequestSchema } from './register-request.js';
import { RegisterResponseSchema, type RegisterResponse } from './register-response.js';

export interface DmJobqueueRouteDeps extends RegisterJobDeps {
  statusReader: JobStatusReader;
  /** Backs `Idempotency-Key` on register. */
  idempotency: IdempotencyStore;
}

/** The API makes job ids with randomUUID; anything else cannot be a job (and never reaches Redis). */
const JobIdSchema = v.pipe(v.string(), v.uuid());

const TAGS = ['dm-jobqueue'];

const describeRegister = describeRoute({
  operationId: 'registerJob',
  tags: TAGS,
  summary: 'Register a demo:delay_print job',
  description:
    'Stores the job in Redis; the worker prints the message when it is due. Every field is optional; an empty body registers the defaults.',
  security: [{ bearerAuth: ['write'] }],
  parameters: [
    {
      name: IDEMPOTENCY_KEY_HEADER,
      in: 'header',
      required: false,
      description:
        'Makes retries safe: the same key with the same body answers the first 201 again (Idempotent-Replayed: true) instead of storing a second job. Keys are per API key and live as long as their job.',
      schema: { type: 'string', minLength: 1, maxLength: 257, example: '"order-42"' },
    },
  ],
  // The body is optional (curl -X POST works); the converter would not say so by itself.
  requestBody: {
    required: false,
    content: {
      'application/json': {
        schema: resolver(RegisterRequestSchema),
        example: { message: 'hello', delay_seconds: 5, max_retry: 3 },
      },
    },
  },
  responses: {
    201: {
      description:
        'Stored: the job will run at run_at (or, with Idempotent-Replayed: true, stored by an earlier request with the same Idempotency-Key)',
      headers: { [REPLAYED_HEADER]: { description: '"true" on a replay', schema: { type: 'string', enum: ['true'] } } },
      content: { 'application/json': { schema: resolver(RegisterResponseSchema) } },
    },
    400: problem('Invalid body or Idempotency-Key: errors names each field and why'),
    409: problem('A request with the same Idempotency-Key is still being stored; Retry-After: 1'),
    413: problem('Body larger than server.body_limit_bytes'),
    415: problem('A body that is not application/json'),
    422: problem('The Idempotency-Key was used before with a different body'),
    ...COMMON_PROBLEMS,
  },
});

const describeStatus = describeRoute({
  operationId: 'getJobStatus',
  tags: TAGS,
  summary: "A job's state",
  description: 'Where the job is in its life; the payload is left out. Poll it no more than every few seconds.',
  security: [{ bearerAuth: ['read'] }],
  parameters: [
    {
      name: 'id',
      in: 'path',
      required: true,
      description: 'The job_id register answered',
      schema: { type: 'string', format: 'uuid' },
    },
  ],
  responses: {
    200: { description: 'The job', content: { 'application/json': { schema: resolver(JobStatusResponseSchema) } } },
    404: problem('No such job: never registered, or removed after its retention time'),
    ...COMMON_PROBLEMS,
  },
});

/**
 * The reference job-queue endpoints (D7), mounted at `/api/dm-jobqueue`.
 * @example app.route('/api/dm-jobqueue', createDmJobqueueRoutes({ producer, statusReader, newJobId }))
 */
export function createDmJobqueueRoutes(deps: DmJobqueueRouteDeps) {
  return new Hono()
    .post('/register', describeRegister, requireJsonBody(), jsonBody(RegisterRequestSchema), async (c) => {
      const idempotencyKey = readIdempotencyKey(c);
      if (!idempotencyKey.ok)
        return validationProblem(c, [{ field: `${IDEMPOTENCY_KEY_HEADER} (header)`, reason: idempotencyKey.reason }]);
      const body = c.req.valid('json');
      const input: RegisterJobInput = {
        payload: { message: body.message ?? DEFAULT_DEMO_MESSAGE },
        delaySeconds: body.delay_seconds,
        maxRetry: body.max_retry,
      };
      let job: RegisteredJob;
      if (idempotencyKey.key === undefined) {
        job = await registerJob(deps, demoDelayPrint, input);
      } else {
        const scope = c.get('apiKeyId')?.();
        // Keys are scoped per API key; without one, callers could collide or probe each other's keys.
        if (scope === undefined) throw new Error('Idempotency-Key needs bearerAuth in front of this route');
        const result = await registerJobIdempotently(deps, demoDelayPrint, input, { scope, key: idempotencyKey.key });
        job = result.job;
        if (result.replayed) {
          c.header(REPLAYED_HEADER, 'true');
          c.set('idempotentReplay', true);
        }
      }
      return c.json(
        {
          job_id: job.jobId,
          status: 'registered',
          job_type: job.jobType,
          delay_seconds: job.delaySeconds,
          max_retry: job.maxRetry,
          run_at: job.runAt.toISOString(),
        } satisfies RegisterResponse,
        201,
      );
    })
    .get('/jobs/:id', describeStatus, async (c) => {
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
