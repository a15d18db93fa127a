// What every registering endpoint shares: body validation, outcome listeners and the registration extra's hand.
import type { Context } from 'hono';
import { describeRoute, type DescribeRouteOptions } from 'hono-openapi';
import { HTTPException } from 'hono/http-exception';
import * as v from 'valibot';
import { jsonBody } from '../infra/http/problem.js';
import type { AnyJob, AnyJobDefinition, InputOf, JobOf, OneJobType } from '../jobs/job.js';
import { registerJob, type JobProducer, type RegisterDeps, type RegisteredJob } from '../jobs/register-job.js';
import type { RegisterJobInput, RegistrationListener } from '../jobs/register-job.js';
import type { KnownJob } from '../jobs/registry.js';

export interface RequestRegistrar {
  register<D extends AnyJobDefinition>(
    c: Context,
    deps: RegisterDeps<D>,
    definition: D & OneJobType<D>,
    input: RegisterJobInput<InputOf<D>>,
  ): Promise<RegisteredJob>;
  describe(spec: DescribeRouteOptions): DescribeRouteOptions;
}

export interface RegistrationDeps<Job extends AnyJob = KnownJob> {
  producer: JobProducer<Job>;
  registration?: RequestRegistrar | undefined;
  onRegistration?: RegistrationListener | undefined;
  newJobId?: (() => string) | undefined;
}

/** `jsonBody`, with a refused body, or one that is not JSON at all, counted as a rejected registration. */
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

/** Through the registration extra when there is one; the app's error handler answers the refusals. */
export function registerForRequest<D extends AnyJobDefinition>(
  c: Context,
  deps: RegistrationDeps<JobOf<NoInfer<D>>>,
  definition: D & OneJobType<D>,
  input: RegisterJobInput<InputOf<D>>,
): Promise<RegisteredJob> {
  // The job belongs to the API key that registers it (set by bearerAuth): only it may read and change the job.
  const owned = { ...input, owner: c.get('apiKeyId') };
  if (deps.registration) return deps.registration.register(c, deps, definition, owned);
  return registerJob(deps, definition, owned);
}

/** `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`, each part in range: what RFC 3339 allows, and nothing else. */
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** The instant an RFC 3339 date-time names, or undefined (no offset, `2026-02-30`, a space, `+0900`, …). */
export function parseRfc3339(text: string): Date | undefined {
  const match = RFC_3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = match.slice(1).map((n) => Number(n ?? 0));
  const daysInMonth = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
  const inRange = [
    [month, 1, 12],
    [day, 1, daysInMonth],
    [hour, 0, 23],
    [minute, 0, 59],
    [second, 0, 59],
    [offsetHour, 0, 23],
    [offsetMinute, 0, 59],
  ].every(([value = -1, min = 0, max = 0]) => value >= min && value <= max);
  return inRange ? new Date(text) : undefined;
}

/** A request field holding an RFC 3339 date-time with an offset (`format: date-time` in /openapi.json). */
export const DateTimeSchema = v.pipe(
  v.string('must be a string'),
  v.isoTimestamp('must be an RFC 3339 date-time with an offset, e.g. "2026-12-24T09:00:00+09:00" or "…Z"'),
  v.check(
    (text) => parseRfc3339(text) !== undefined,
    'must be an RFC 3339 date-time with an offset, e.g. "2026-12-24T09:00:00+09:00" or "…Z"',
  ),
);

export function describeRegistration(deps: Pick<RegistrationDeps, 'registration'>, spec: DescribeRouteOptions) {
  return describeRoute(deps.registration?.describe(spec) ?? spec);
}
