/** Register, read, cancel and reschedule jobs for the API key that registered them; copy it for your endpoints. */
import { Hono, type Context } from 'hono';
import { describeRoute, resolver, type DescribeRouteOptions } from 'hono-openapi';
import * as v from 'valibot';
import { DEFAULT_DEMO_MESSAGE, demoDelayPrint, MessageSchema } from '../jobs/demo-delay-print.js';
import { MAX_DELAY_SECONDS, MAX_RETRY_LIMIT } from '../jobs/job.js';
import { JOB_STATES, type JobChange, type JobStatus, type JobStore } from '../jobs/job-status.js';
import { apiResponse, named, problemAnswer } from './api-docs.js';
import {
  DateTimeSchema,
  describeRegistration,
  parseRfc3339,
  registerForRequest,
  registrationBody,
  type RegistrationDeps,
} from './registration.js';
import {
  described,
  InvalidRequestError,
  jsonBody,
  notFound,
  problemResponse,
  PROBLEM_TYPES,
} from '../infra/http/problem.js';

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
const DELAY = "Seconds until the first run; 0 = now. Absent: the job type's default (180), or run_at.";
const RUN_AT = 'When the first run is due (RFC 3339, with an offset); in the past: now. Not with delay_seconds.';
const EXPIRES_AT = 'No attempt (first run or retry) starts after it; the job then ends as expired. After the due time.';
const ms = (text: string | undefined) => (text === undefined ? undefined : parseRfc3339(text)?.getTime());
const IS_OBJECT = v.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'must be a JSON object',
);
const RETRIES = "Retries after a failed run; 0 = one attempt, no retry. Absent: the job type's default (10).";

const runAtWithin30Days = (body: { run_at?: string | undefined }) =>
  (ms(body.run_at) ?? 0) <= Date.now() + MAX_DELAY_SECONDS * 1000;

export const RegisterRequestSchema = v.pipe(
  // valibot's object schemas accept arrays; a JSON array body is not an object to us.
  IS_OBJECT,
  v.strictObject({
    message: v.optional(MessageSchema),
    delay_seconds: boundedInteger(MAX_DELAY_SECONDS, ' (30 days)', DELAY),
    run_at: v.optional(described(DateTimeSchema, RUN_AT)),
    expires_at: v.optional(described(DateTimeSchema, EXPIRES_AT)),
    max_retry: boundedInteger(MAX_RETRY_LIMIT, '', RETRIES),
  }),
  v.forward(
    v.partialCheck(
      [['run_at'], ['delay_seconds']],
      (body) => body.run_at === undefined || body.delay_seconds === undefined,
      'cannot be given together with delay_seconds: give run_at or delay_seconds',
    ),
    ['run_at'],
  ),
  v.forward(v.partialCheck([['run_at']], runAtWithin30Days, 'must be at most 30 days (2592000 s) ahead'), ['run_at']),
  v.forward(
    v.partialCheck(
      [['run_at'], ['delay_seconds'], ['expires_at']],
      (body) => {
        const dueAt = ms(body.run_at) ?? Date.now() + (body.delay_seconds ?? demoDelayPrint.delaySeconds) * 1000;
        return body.expires_at === undefined || (ms(body.expires_at) ?? 0) > Math.max(dueAt, Date.now());
      },
      'must be after the due time (run_at, or now + delay_seconds)',
    ),
    ['expires_at'],
  ),
);

export const RescheduleRequestSchema = v.pipe(
  IS_OBJECT,
  v.strictObject({
    run_at: v.optional(described(DateTimeSchema, 'The new due time (RFC 3339, with an offset); in the past: now.')),
    delay_seconds: boundedInteger(MAX_DELAY_SECONDS, ' (30 days)', 'The new due time in seconds from now.'),
  }),
  v.forward(
    v.partialCheck(
      [['run_at'], ['delay_seconds']],
      (body) => (body.run_at === undefined) !== (body.delay_seconds === undefined),
      'give exactly one of run_at and delay_seconds',
    ),
    ['run_at'],
  ),
  v.forward(v.partialCheck([['run_at']], runAtWithin30Days, 'must be at most 30 days (2592000 s) ahead'), ['run_at']),
);

export const RegisterResponseSchema = v.object({
  job_id: v.pipe(v.string(), v.uuid(), v.description('Look the job up with GET /api/dm-jobqueue/jobs/{job_id}.')),
  status: v.literal('registered'),
  job_type: v.string(),
  delay_seconds: v.pipe(v.number(), v.integer()),
  max_retry: v.pipe(v.number(), v.integer()),
  run_at: v.pipe(v.string(), v.isoTimestamp(), v.description('When the first run is due (UTC).')),
  expires_at: described(v.nullable(v.pipe(v.string(), v.isoTimestamp())), 'No attempt starts after it; null: none.'),
});

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

export const JobStatusResponseSchema = v.object({
  job_id: v.string(),
  job_type: v.string(),
  state: described(
    v.picklist(JOB_STATES),
    'delayed: not due yet or waiting for a retry; waiting: due; active: running; completed / failed: finished for good; cancelled: ended by DELETE before it ran (again); expired: its expires_at passed before it could start.',
  ),
  run_at: described(Timestamp, 'When the first run was due.'),
  next_run_at: described(v.nullable(Timestamp), 'While delayed: the earliest the next run (first or retry) starts.'),
  attempts_made: v.pipe(v.number(), v.integer()),
  max_retry: v.pipe(v.number(), v.integer()),
  finished_at: v.nullable(Timestamp),
  failure_reason: v.nullable(v.string()),
  expires_at: described(v.nullable(Timestamp), 'No attempt starts after it; null: none.'),
});

const UNKNOWN_JOB = 'it may have finished and been removed after the retention time, or never existed';

const json = (ref: string, s: v.GenericSchema) => ({ 'application/json': { schema: resolver(named(ref, s)) } });
const UUID = { type: 'string', format: 'uuid' } as const;

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The job_id register answered',
  schema: UUID,
};

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
  parameters: [idParameter],
  responses: {
    200: apiResponse('The job', json('JobStatus', JobStatusResponseSchema)),
    404: problemAnswer('No job with that id: removed after its retention time, or never registered through this API'),
  },
});

const NOT_YOURS = 'No such job for this API key: removed after its retention time, registered by another key, or never';

const describeCancel = describeRoute({
  operationId: 'cancelJob',
  tags: ['dm-jobqueue'],
  summary: 'Cancel a job that has not started',
  description:
    'Ends a job whose current attempt has not started (not yet due, due, or waiting for a retry): it never runs (again). Repeating it answers the same.',
  parameters: [idParameter],
  responses: {
    200: apiResponse('Cancelled', json('JobStatus', JobStatusResponseSchema)),
    404: problemAnswer(NOT_YOURS),
    409: problemAnswer('It is running, or it ended already (completed, failed, expired): detail names which'),
  },
});

const describeReschedule = describeRoute({
  operationId: 'rescheduleJob',
  tags: ['dm-jobqueue'],
  summary: 'Move the due time of a job that is not yet due',
  parameters: [idParameter],
  responses: {
    200: apiResponse('Rescheduled: next_run_at is the new due time', json('JobStatus', JobStatusResponseSchema)),
    404: problemAnswer(NOT_YOURS),
    409: problemAnswer(
      'It is already due, running, or ended (completed, failed, cancelled, expired): detail names which',
    ),
  },
});

const statusBody = (status: JobStatus) =>
  ({
    job_id: status.jobId,
    job_type: status.jobType,
    state: status.state,
    run_at: status.runAt.toISOString(),
    next_run_at: status.nextRunAt?.toISOString() ?? null,
    attempts_made: status.attemptsMade,
    max_retry: status.maxRetry,
    finished_at: status.finishedAt?.toISOString() ?? null,
    failure_reason: status.failureReason ?? null,
    expires_at: status.expiresAt?.toISOString() ?? null,
  }) satisfies v.InferOutput<typeof JobStatusResponseSchema>;

export interface DmJobqueueDeps extends RegistrationDeps {
  jobStore: JobStore;
}

/** Another key's job is answered as unknown (404), so ids cannot be probed. */
async function visibleJob(c: Context, jobStore: JobStore, id: string): Promise<JobStatus | Response> {
  // The API makes job ids with randomUUID; anything else is none of its jobs (and never reaches Redis).
  const uuid = v.is(v.pipe(v.string(), v.uuid()), id);
  const status = uuid ? await jobStore.read(id) : undefined;
  if (status && (status.owner === undefined || status.owner === c.get('apiKeyId'))) return status;
  return notFound(c, `No job with id "${id}" (${uuid ? UNKNOWN_JOB : 'job ids are UUIDs'})`);
}

/** A cancel or reschedule's answer: 200 with the status, 409 naming why not, 404 when the job went meanwhile. */
function changeAnswer(c: Context, id: string, what: string, change: JobChange | undefined) {
  if (!change) return notFound(c, `No job with id "${id}" (${UNKNOWN_JOB})`);
  c.header('Cache-Control', 'no-store');
  if (change.done) return c.json(statusBody(change.status), 200);
  const detail = `Job "${id}" cannot be ${what}: ${change.reason}`;
  return problemResponse(c, { type: PROBLEM_TYPES.jobStateConflict, title: 'Conflict', status: 409, detail });
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
          runAt: body.run_at === undefined ? undefined : parseRfc3339(body.run_at),
          expiresAt: body.expires_at === undefined ? undefined : parseRfc3339(body.expires_at),
          maxRetry: body.max_retry,
        });
        const response = {
          job_id: job.jobId,
          status: 'registered',
          job_type: job.jobType,
          delay_seconds: job.delaySeconds,
          max_retry: job.maxRetry,
          run_at: job.runAt.toISOString(),
          expires_at: job.expiresAt?.toISOString() ?? null,
        } as const satisfies v.InferOutput<typeof RegisterResponseSchema>;
        return c.json(response, 201);
      },
    )
    .get('/jobs/:id', describeStatus, async (c) => {
      const status = await visibleJob(c, deps.jobStore, c.req.param('id'));
      if (status instanceof Response) return status;
      // The state changes while the client polls: never serve it from a cache.
      c.header('Cache-Control', 'no-store');
      return c.json(statusBody(status));
    })
    .delete('/jobs/:id', describeCancel, async (c) => {
      const id = c.req.param('id');
      const status = await visibleJob(c, deps.jobStore, id);
      if (status instanceof Response) return status;
      return changeAnswer(c, id, 'cancelled', await deps.jobStore.cancel(id));
    })
    .patch(
      '/jobs/:id',
      jsonBody(named('RescheduleRequest', RescheduleRequestSchema)),
      describeReschedule,
      async (c) => {
        const id = c.req.param('id');
        const body = c.req.valid('json');
        const status = await visibleJob(c, deps.jobStore, id);
        if (status instanceof Response) return status;
        const dueAt = new Date(
          body.run_at === undefined ? Date.now() + (body.delay_seconds ?? 0) * 1000 : (ms(body.run_at) ?? Date.now()),
        );
        if (status.expiresAt && dueAt >= status.expiresAt) {
          const field = body.run_at === undefined ? 'delay_seconds' : 'run_at';
          const reason = `is at or after the job's expires_at (${status.expiresAt.toISOString()})`;
          throw new InvalidRequestError([{ field, reason }]);
        }
        return changeAnswer(c, id, 'rescheduled', await deps.jobStore.reschedule(id, dueAt));
      },
    );
}
