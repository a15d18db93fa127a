/**
 * What every registering endpoint does the same way: its JSON body (a refused one counts as a
 * rejected registration), Idempotency-Key with the `Idempotent-Replayed` header, and the
 * registration outcome for the metrics.
 */
import type { Context } from 'hono';
import { describeRoute, type DescribeRouteOptions } from 'hono-openapi';
import { HTTPException } from 'hono/http-exception';
import * as v from 'valibot';
import { InvalidRequestError, jsonBody } from '../infra/http/problem.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKeySchema,
  registerJobIdempotently,
  type IdempotencyStore,
} from '../jobs/idempotent-registration.js';
import type { AnyJob, AnyJobDefinition, InputOf, JobOf, OneJobType } from '../jobs/job.js';
import {
  registerJob,
  type RegisteredJob,
  type RegisterJobInput,
  type JobProducer,
  type RegistrationListener,
} from '../jobs/register-job.js';
import type { KnownJob } from '../jobs/registry.js';
import { problemAnswer } from './api-docs.js';

/** The ports a registering endpoint takes from the app's deps. */
export interface RegistrationDeps<Job extends AnyJob = KnownJob> {
  /** Stores the service's jobs (src/jobs/registry.ts): a producer of other job types does not type-check. */
  producer: JobProducer<Job>;
  /** Backs `Idempotency-Key` (an optional extra). */
  idempotency: IdempotencyStore;
  /** Told of each registration's outcome (the metrics extra counts them by job type). */
  onRegistration?: RegistrationListener | undefined;
  /** Job ids; random UUIDs unless a test needs fixed ones. */
  newJobId?: (() => string) | undefined;
}

/**
 * The JSON body of an endpoint that registers `definition`'s jobs: `jsonBody` (400 naming each
 * field, documented in /openapi.json), with a refused body, or one that is not JSON at all, counted
 * as a rejected registration of that job type.
 * @example app.post('/welcome', registrationBody(WelcomeRequestSchema, deps, sendWelcomeMail), …)
 */
export function registrationBody<Schema extends v.GenericSchema>(
  schema: Schema,
  deps: Pick<RegistrationDeps, 'onRegistration'>,
  definition: AnyJobDefinition,
) {
  const refused = () => deps.onRegistration?.(definition.type, 'rejected');
  const validate = jsonBody(schema, refused);
  const counted: typeof validate = async (c, next) => {
    let validated = false;
    try {
      return await validate(c, () => {
        validated = true;
        return next();
      });
    } catch (error) {
      // Hono's validator throws its 400 for a body that does not parse; later errors are the handler's.
      if (!validated && error instanceof HTTPException && error.status === 400) refused();
      throw error;
    }
  };
  // Keeps what hono-openapi reads off the validator (the body's schema).
  return Object.assign(counted, validate);
}

/**
 * Registers one job for the request in `c`: stored once per `Idempotency-Key` (scoped per API key)
 * when the caller sends one, replayed with `Idempotent-Replayed: true`. Refusals become 400 (bad
 * payload or key), 409/422 (key in use or reused) and 503 (no Redis) through the app's error handler.
 * @example const job = await registerForRequest(c, deps, sendWelcomeMail, { payload: { to, name } });
 */
export async function registerForRequest<D extends AnyJobDefinition>(
  c: Context,
  deps: RegistrationDeps<JobOf<NoInfer<D>>>,
  definition: D & OneJobType<D>,
  input: RegisterJobInput<InputOf<D>>,
): Promise<RegisteredJob> {
  const header = c.req.header(IDEMPOTENCY_KEY_HEADER);
  if (header === undefined) return registerJob(deps, definition, input);
  const key = v.safeParse(IdempotencyKeySchema, header);
  if (!key.success) {
    deps.onRegistration?.(definition.type, 'rejected');
    throw new InvalidRequestError([{ field: `${IDEMPOTENCY_KEY_HEADER} (header)`, reason: key.issues[0].message }]);
  }
  // Keys are scoped per API key (set by bearerAuth): callers can neither collide nor probe each other's keys.
  const scope = { scope: c.get('apiKeyId'), key: key.output };
  const { job, replayed } = await registerJobIdempotently(deps, definition, input, scope);
  if (replayed) c.header('Idempotent-Replayed', 'true');
  return job;
}

const IDEMPOTENCY_KEY_PARAMETER = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: 'header',
  required: false,
  description:
    'Makes retries safe: the same key with the same body answers the first 201 again (Idempotent-Replayed: true) instead of storing a second job. Keys are per API key and live as long as their job.',
  schema: { type: 'string', minLength: 1, maxLength: 257, example: '"order-42"' },
} as const;

/**
 * `describeRoute` for an endpoint that calls {@link registerForRequest}: what that call adds to the
 * endpoint goes in /openapi.json too (the Idempotency-Key header, `Idempotent-Replayed` on the 201,
 * the 409 and 422). The route states its own: its 201 body, tags, summary.
 * @example describeRegistration({ operationId: 'sendWelcomeMail', tags: ['mail'], responses: { 201: … } })
 */
export function describeRegistration(spec: DescribeRouteOptions) {
  const responses: Record<string, unknown> = {
    409: problemAnswer('A request with the same Idempotency-Key is still being stored', 'Retry-After'),
    422: problemAnswer('The Idempotency-Key was used before with a different body'),
    ...spec.responses,
  };
  // The 201 as apiResponse() made it: a plain object with its header references.
  const created = responses[201] as { headers?: Record<string, unknown> } | undefined;
  const replayHeader = { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } };
  if (created) responses[201] = { ...created, headers: { ...created.headers, ...replayHeader } };
  return describeRoute({
    ...spec,
    parameters: [...(spec.parameters ?? []), IDEMPOTENCY_KEY_PARAMETER],
    responses: responses as DescribeRouteOptions['responses'],
  });
}
