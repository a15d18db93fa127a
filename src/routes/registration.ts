/**
 * What every registering endpoint does the same way: Idempotency-Key (when the service has its
 * store), the `Idempotent-Replayed` header, and the registration outcome for the metrics.
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import { InvalidRequestError } from '../infra/http/problem.js';
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

/** The ports a registering endpoint takes from the app's deps. */
export interface RegistrationDeps<Job extends AnyJob = KnownJob> {
  /** Stores the service's jobs (src/jobs/registry.ts): a producer of other job types does not type-check. */
  producer: JobProducer<Job>;
  /** Backs `Idempotency-Key` (an optional extra); without it the header is not looked at. */
  idempotency?: IdempotencyStore | undefined;
  /** Told of each registration's outcome (the metrics extra counts them by job type). */
  onRegistration?: RegistrationListener | undefined;
  /** Job ids; random UUIDs unless a test needs fixed ones. */
  newJobId?: (() => string) | undefined;
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
  const header = deps.idempotency && c.req.header(IDEMPOTENCY_KEY_HEADER);
  if (header === undefined || !deps.idempotency) return registerJob(deps, definition, input);
  const key = v.safeParse(IdempotencyKeySchema, header);
  if (!key.success) {
    deps.onRegistration?.(definition.type, 'rejected');
    throw new InvalidRequestError([{ field: `${IDEMPOTENCY_KEY_HEADER} (header)`, reason: key.issues[0].message }]);
  }
  // Keys are scoped per API key (set by bearerAuth): callers can neither collide nor probe each other's keys.
  const scope = { scope: c.get('apiKeyId'), key: key.output };
  const { job, replayed } = await registerJobIdempotently(
    { ...deps, idempotency: deps.idempotency },
    definition,
    input,
    scope,
  );
  if (replayed) c.header('Idempotent-Replayed', 'true');
  return job;
}

/** For `jsonBody(schema, refusedAs(deps, definition))`: a body the endpoint refuses counts as a rejected registration. */
export function refusedAs(deps: Pick<RegistrationDeps, 'onRegistration'>, definition: AnyJobDefinition) {
  return () => deps.onRegistration?.(definition.type, 'rejected');
}
