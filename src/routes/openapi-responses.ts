import { resolver } from 'hono-openapi';
import { ProblemSchema } from '../infra/http/problem-schema.js';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: resolver(ProblemSchema) } },
});

/** The problem+json answers every `/api/*` operation can give, by status, for `describeRoute`. */
export const COMMON_PROBLEMS = {
  401: problem(
    'No API key, or one that is malformed, forged, expired, revoked or for another APP_ENV (WWW-Authenticate: Bearer)',
  ),
  403: problem('The API key lacks the scope this operation needs'),
  429: problem('Rate limited (per client IP, per minute and per hour); Retry-After says when to try again'),
  503: problem('Job queue service is unavailable: Redis is not connected (or did not answer in time); Retry-After: 5'),
} as const;

export { problem };
