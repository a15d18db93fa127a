/** `POST /register` stores a `demo:delay_print` job, `GET /jobs/:id` reads it. Copy it for endpoints of your own. */
import { Hono } from 'hono';
import { describeRoute, resolver, type DescribeRouteOptions } from 'hono-openapi';
import * as v from 'valibot';
import { DEFAULT_DEMO_MESSAGE, demoDelayPrint, MessageSchema } from '../jobs/demo-delay-print.js';
import { MAX_DELAY_SECONDS, MAX_RETRY_LIMIT } from '../jobs/job.js';
import { JOB_STATES, type JobStore } from '../jobs/job-status.js';
import { apiResponse, named, problemAnswer } from './api-docs.js';
import { describeRegistration, registerForRequest, registrationBody, type RegistrationDeps } from './registration.js';
import { described, notFound } from '../infra/http/problem.js';

const boundedInteger = (max: number, unit: string, description: string) =>
  v.optional(
    v.pipe(
      v.number('must be a number'),
      v.integer('must be a whole number'),
      v.minValue(0, 'must be 0 or more'),
      v.maxValue(max, `must be at most ${max}${unit}`),
      v.description(description),
    ),
  );
const DELAY = "Seconds until the first run; 0 = now. Absent: the job type's default (180).";
const RETRIES = "Retries after a failed run; 0 = one attempt, no retry. Absent: the job type's default (10).";

/** Body of `POST /register`: every field optional (the job type's defaults). */
export const RegisterRequestSchema = v.pipe(
  // valibot's object schemas accept arrays; a JSON array body is not an object to us.
  v.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'must be a JSON object',
  ),
  v.strictObject({
    message: v.optional(MessageSchema),
    delay_seconds: boundedInteger(MAX_DELAY_SECONDS, ' (30 days)', DELAY),
    max_retry: boundedInteger(MAX_RETRY_LIMIT, '', RETRIES),
  }),
);

export const RegisterResponseSchema = v.object({
  job_id: v.pipe(v.string(), v.uuid(), v.description('Look the job up with GET /api/dm-jobqueue/jobs/{job_id}.')),
  status: v.literal('registered'),
  job_type: v.string(),
  delay_seconds: v.pipe(v.number(), v.integer()),
  max_retry: v.pipe(v.number(), v.integer()),
  run_at: v.pipe(v.string(), v.isoTimestamp(), v.description('When the first run is due (UTC).')),
});

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

export const JobStatusResponseSchema = v.object({
  job_id: v.string(),
  job_type: v.string(),
  state: described(
    v.picklist(JOB_STATES),
    'delayed: not due yet or waiting for a retry; waiting: due; active: running; completed / failed: finished for good.',
  ),
  run_at: described(Timestamp, 'When the first run was due.'),
  next_run_at: described(v.nullable(Timestamp), 'While delayed: the earliest the next run (first or retry) starts.'),
  attempts_made: v.pipe(v.number(), v.integer()),
  max_retry: v.pipe(v.number(), v.integer()),
  finished_at: v.nullable(Timestamp),
  failure_reason: v.nullable(v.string()),
});

const UNKNOWN_JOB = 'it may have finished and been removed after the retention time, or never existed';

const json = (ref: string, s: v.GenericSchema) => ({ 'application/json': { schema: resolver(named(ref, s)) } });
const UUID = { type: 'string', format: 'uuid' } as const;

// Security (the scope follows the method) and the shared problem answers come from createApiDocsRoutes.
const registerDescription = {
  operationId: 'registerJob',
  tags: ['dm-jobqueue'],
  summary: 'Register a demo:delay_print job',
  description:
    'Stores the job in Redis; the worker prints the message when it is due. Every field is optional; an empty body registers the defaults.',
  // Merged over the validator's body schema: the body is optional (curl -X POST works).
  requestBody: { required: false, content: {} },
  responses: {
    201: apiResponse('Stored: the job will run at run_at', json('RegisterResponse', RegisterResponseSchema)),
    400: problemAnswer('Invalid request: errors names each field (or header) and why'),
  },
} satisfies DescribeRouteOptions;

const describeStatus = describeRoute({
  operationId: 'getJobStatus',
  tags: ['dm-jobqueue'],
  summary: "A job's state",
  description: 'Where the job is in its life; the payload is left out. Poll it no more than every few seconds.',
  parameters: [{ name: 'id', in: 'path', required: true, description: 'The job_id register answered', schema: UUID }],
  responses: {
    200: apiResponse('The job', json('JobStatus', JobStatusResponseSchema)),
    404: problemAnswer('No job with that id: removed after its retention time, or never registered through this API'),
  },
});

export interface DmJobqueueDeps extends RegistrationDeps {
  jobStore: JobStore;
}

export function createDmJobqueueRoutes(deps: DmJobqueueDeps) {
  return new Hono()
    .post(
      '/register',
      registrationBody(named('RegisterRequest', RegisterRequestSchema), deps, demoDelayPrint),
      describeRegistration(deps, registerDescription),
      async (c) => {
        const body = c.req.valid('json');
        const job = await registerForRequest(c, deps, demoDelayPrint, {
          payload: { message: body.message ?? DEFAULT_DEMO_MESSAGE },
          delaySeconds: body.delay_seconds,
          maxRetry: body.max_retry,
        });
        const response = {
          job_id: job.jobId,
          status: 'registered',
          job_type: job.jobType,
          delay_seconds: job.delaySeconds,
          max_retry: job.maxRetry,
          run_at: job.runAt.toISOString(),
        } as const satisfies v.InferOutput<typeof RegisterResponseSchema>;
        return c.json(response, 201);
      },
    )
    .get('/jobs/:id', describeStatus, async (c) => {
      const id = c.req.param('id');
      // The API makes job ids with randomUUID; anything else is none of its jobs (and never reaches Redis).
      const uuid = v.is(v.pipe(v.string(), v.uuid()), id);
      const status = uuid ? await deps.jobStore.read(id) : undefined;
      if (!status) return notFound(c, `No job with id "${id}" (${uuid ? UNKNOWN_JOB : 'job ids are UUIDs'})`);
      // The state changes while the client polls: never serve it from a cache.
      c.header('Cache-Control', 'no-store');
      return c.json({
        job_id: status.jobId,
        job_type: status.jobType,
        state: status.state,
        run_at: status.runAt.toISOString(),
        next_run_at: status.nextRunAt?.toISOString() ?? null,
        attempts_made: status.attemptsMade,
        max_retry: status.maxRetry,
        finished_at: status.finishedAt?.toISOString() ?? null,
        failure_reason: status.failureReason ?? null,
      } satisfies v.InferOutput<typeof JobStatusResponseSchema>);
    });
}
