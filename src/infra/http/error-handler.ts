import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { IdempotencyConflictError } from '../../jobs/idempotency-conflict-error.js';
import { InvalidJobPayloadError } from '../../jobs/invalid-payload-error.js';
import { QueueUnavailableError } from '../../jobs/job-producer.js';
import { PROBLEM_TYPES, problemResponse, validationProblem } from './problem.js';

const STATUS_TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  401: 'Unauthorized',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Seconds a client should wait before retrying while Redis is down. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Node's error when a client closes its connection before its request body ended (a slow or broken client). */
function isClientAbort(error: Error): boolean {
  return error.message === 'aborted' && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
}

/**
 * The one place errors become responses: known errors as problem+json, anything
 * else as a generic 500 whose details stay in the log.
 */
export function createErrorHandler(logger: Logger): ErrorHandler {
  return function handleError(error, c) {
    if (error instanceof QueueUnavailableError) {
      return problemResponse(
        c,
        { type: PROBLEM_TYPES.unavailable, title: 'Service Unavailable', status: 503, detail: error.message },
        { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
      );
    }
    if (error instanceof IdempotencyConflictError) {
      return error.reason === 'in-progress'
        ? problemResponse(
            c,
            { type: PROBLEM_TYPES.idempotencyKeyInUse, title: 'Conflict', status: 409, detail: error.message },
            { 'Retry-After': '1' },
          )
        : problemResponse(c, {
            type: PROBLEM_TYPES.idempotencyKeyReused,
            title: 'Unprocessable Content',
            status: 422,
            detail: error.message,
          });
    }
    if (error instanceof InvalidJobPayloadError) {
      // The job type's own schema refused what the route accepted: still the caller's input.
      return validationProblem(c, error.errors);
    }
    if (error instanceof HTTPException && error.status < 500) {
      const status = error.status;
      // Basic auth's 401 carries its challenge on the exception's own response.
      const challenge = error.res?.headers.get('www-authenticate');
      return problemResponse(
        c,
        {
          type: PROBLEM_TYPES.http,
          title: STATUS_TITLES[status] ?? 'Request Error',
          status,
          detail: error.message || STATUS_TITLES[status] || 'The request cannot be served',
        },
        challenge ? { 'WWW-Authenticate': challenge } : {},
      );
    }
    if (isClientAbort(error)) {
      // Nobody is left to read an answer; not a fault of ours, so no stack trace in the error log.
      logger.debug(
        { requestId: c.get('requestId'), method: c.req.method, path: c.req.path },
        'client closed the connection before its request ended',
      );
      return problemResponse(c, {
        type: PROBLEM_TYPES.http,
        title: 'Bad Request',
        status: 400,
        detail: 'The request body ended early',
      });
    }
    logger.error(
      { err: error, requestId: c.get('requestId'), method: c.req.method, path: c.req.path },
      'unhandled error',
    );
    return problemResponse(c, {
      type: PROBLEM_TYPES.http,
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged',
    });
  };
}

export const notFoundHandler: NotFoundHandler = (c) =>
  problemResponse(c, {
    type: PROBLEM_TYPES.notFound,
    title: 'Not Found',
    status: 404,
    detail: `No route for ${c.req.method} ${c.req.path}`,
  });
