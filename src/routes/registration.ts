/**
 * What every registering endpoint does the same way: its JSON body (a refused one counts as a
 * rejected registration), the registration outcome for listeners (metrics), and whatever an extra
 * adds to every registration (Idempotency-Key) in the answer and in /openapi.json.
 */
import type { Context } from 'hono';
import { describeRoute, type DescribeRouteOptions } from 'hono-openapi';
import { HTTPException } from 'hono/http-exception';
import type * as v from 'valibot';
import { jsonBody } from '../infra/http/problem.js';
import type { AnyJob, AnyJobDefinition, InputOf, JobOf, OneJobType } from '../jobs/job.js';
import {
  registerJob,
  type RegisterDeps,
  type RegisteredJob,
  type RegisterJobInput,
  type JobProducer,
  type RegistrationListener,
} from '../jobs/register-job.js';
import type { KnownJob } from '../jobs/registry.js';

/** How an extra takes part in every endpoint's registrations and their description. */
export interface RequestRegistrar {
  /** Registers `definition`'s job for the request in `c`; `register` is the plain way. */
  register<D extends AnyJobDefinition>(
    c: Context,
    deps: RegisterDeps<D>,
    definition: D & OneJobType<D>,
    input: RegisterJobInput<InputOf<D>>,
  ): Promise<RegisteredJob>;
  /** Adds what it answers (headers, statuses) to a registering operation's OpenAPI description. */
  describe(spec: DescribeRouteOptions): DescribeRouteOptions;
}

/** The ports a registering endpoint takes from the app's deps. */
export interface RegistrationDeps<Job extends AnyJob = KnownJob> {
  /** Stores the service's jobs (src/jobs/registry.ts): a producer of other job types does not type-check. */
  producer: JobProducer<Job>;
  /** An extra's hand in every registration (Idempotency-Key); absent: registerJob as it is. */
  registration?: RequestRegistrar | undefined;
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
 * Registers one job for the request in `c`, through the registration extra when there is one.
 * Refusals become 400 (bad payload), 503 (no Redis) and the extra's own through the app's error handler.
 * @example const job = await registerForRequest(c, deps, sendWelcomeMail, { payload: { to, name } });
 */
export function registerForRequest<D extends AnyJobDefinition>(
  c: Context,
  deps: RegistrationDeps<JobOf<NoInfer<D>>>,
  definition: D & OneJobType<D>,
  input: RegisterJobInput<InputOf<D>>,
): Promise<RegisteredJob> {
  if (deps.registration) return deps.registration.register(c, deps, definition, input);
  return registerJob(deps, definition, input);
}

/**
 * `describeRoute` for an endpoint that calls {@link registerForRequest}: what the registration extra
 * adds goes in /openapi.json too. The route states its own: its 201 body, tags, summary.
 * @example describeRegistration(deps, { operationId: 'sendWelcomeMail', tags: ['mail'], responses: { 201: … } })
 */
export function describeRegistration(deps: Pick<RegistrationDeps, 'registration'>, spec: DescribeRouteOptions) {
  return describeRoute(deps.registration?.describe(spec) ?? spec);
}
