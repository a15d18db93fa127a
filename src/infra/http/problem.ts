import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldError } from '../validation/field-errors.js';

/** Problem types this service answers with (RFC 9457 `type`). */
export const PROBLEM_TYPES = {
  validation: 'urn:dm-jobqueue:problem:validation-error',
  unavailable: 'urn:dm-jobqueue:problem:queue-unavailable',
  rateLimited: 'urn:dm-jobqueue:problem:rate-limited',
  unauthorized: 'urn:dm-jobqueue:problem:unauthorized',
  forbidden: 'urn:dm-jobqueue:problem:forbidden',
  notFound: 'urn:dm-jobqueue:problem:not-found',
  idempotencyKeyInUse: 'urn:dm-jobqueue:problem:idempotency-key-in-use',
  idempotencyKeyReused: 'urn:dm-jobqueue:problem:idempotency-key-reused',
  http: 'about:blank',
} as const;

/** The media type of every problem answer, written on raw sockets too. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface Problem {
  type: string;
  title: string;
  status: ContentfulStatusCode;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** The 400 for invalid input: every field and its reason, in `detail` and in `errors`. */
export function validationProblem(c: Context, errors: readonly FieldError[]): Response {
  return problemResponse(c, {
    type: PROBLEM_TYPES.validation,
    title: 'Invalid request body',
    status: 400,
    detail: errors.map((error) => `${error.field}: ${error.reason}`).join('; '),
    errors: [...errors],
  });
}

/**
 * An `application/problem+json` response (RFC 9457).
 * @example return problemResponse(c, { type: PROBLEM_TYPES.http, title: 'Not Found', status: 404, detail: '…' });
 */
export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(problem), problem.status, {
    ...headers,
    'Content-Type': PROBLEM_CONTENT_TYPE,
  });
}
