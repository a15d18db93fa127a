import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { validator } from 'hono-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import * as v from 'valibot';
import { InvalidJobPayloadError, fieldErrorsText, toFieldErrors, type FieldError } from '../../jobs/job.js';
import { QueueUnavailableError } from '../../jobs/register-job.js';

export const PROBLEM_TYPES = {
  validation: 'urn:dm-jobqueue:problem:validation-error',
  unavailable: 'urn:dm-jobqueue:problem:queue-unavailable',
  rateLimited: 'urn:dm-jobqueue:problem:rate-limited',
  unauthorized: 'urn:dm-jobqueue:problem:unauthorized',
  forbidden: 'urn:dm-jobqueue:problem:forbidden',
  notFound: 'urn:dm-jobqueue:problem:not-found',
  jobStateConflict: 'urn:dm-jobqueue:problem:job-state-conflict',
  http: 'about:blank',
} as const;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export const described = <S extends v.GenericSchema>(schema: S, text: string) => v.pipe(schema, v.description(text));

export const ProblemSchema = v.object({
  type: described(v.string(), 'A URN naming the kind of problem, or about:blank.'),
  title: v.string(),
  status: v.pipe(v.number(), v.integer()),
  detail: described(v.string(), 'What went wrong and what to do about it.'),
  errors: v.optional(
    described(
      v.array(v.object({ field: v.string(), reason: v.string() })),
      'On 400: each invalid field (dotted path; "(body)" for the body itself) and why.',
    ),
  ),
  retry_after_seconds: v.optional(
    described(v.pipe(v.number(), v.integer()), 'On 429: when to try again; also in Retry-After.'),
  ),
  message: v.optional(
    described(v.string(), "On 401/403: detail again, where the original Go template's client looks."),
  ),
});

export type Problem = v.InferOutput<typeof ProblemSchema> & { status: ContentfulStatusCode };

export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(problem), problem.status, { ...headers, 'Content-Type': PROBLEM_CONTENT_TYPE });
}

const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export function tooManyRequests(c: Context, msBeforeNext: number, detail: (seconds: number) => string): Response {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const problem = { type: PROBLEM_TYPES.rateLimited, title: 'Too Many Requests', status: 429 } as const;
  const body = { ...problem, detail: detail(seconds), retry_after_seconds: seconds };
  return problemResponse(c, body, { 'Retry-After': String(seconds) });
}

export function queueUnavailable(c: Context, detail: string): Response {
  const problem = { type: PROBLEM_TYPES.unavailable, title: 'Service Unavailable', status: 503, detail } as const;
  return problemResponse(c, problem, { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) });
}

export function validationProblem(c: Context, errors: readonly FieldError[]): Response {
  const problem = { type: PROBLEM_TYPES.validation, title: 'Invalid request body', status: 400 } as const;
  return problemResponse(c, { ...problem, detail: fieldErrorsText(errors), errors: [...errors] });
}

export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';

  constructor(readonly errors: readonly FieldError[]) {
    super(fieldErrorsText(errors));
  }
}

export function jsonBody<Schema extends v.GenericSchema>(schema: Schema, onInvalid?: () => void) {
  return validator('json', schema, (result, c) => {
    if (result.success) return;
    onInvalid?.();
    // The schemas are valibot's, so the Standard Schema issues are valibot issues.
    return validationProblem(c, toFieldErrors(result.error as readonly v.BaseIssue<unknown>[]));
  });
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Fails on the first invalid byte instead of turning it into U+FFFD (which would change the caller's text unseen). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Hono's JSON validator ignores a non-JSON body and decodes bad UTF-8 leniently; no body passes (`curl -X POST`). */
export function strictJson(): MiddlewareHandler {
  return async function strictJsonMiddleware(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
    // Reading is bounded by the body-limit middleware; Hono caches the bytes for the validator.
    const body = await c.req.arrayBuffer();
    if (body.byteLength === 0) return next();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      const message = `Content-Type must be application/json, not "${mediaType || '(none)'}"`;
      throw new HTTPException(415, { message });
    }
    let text: string;
    try {
      text = STRICT_UTF8.decode(body);
    } catch {
      throw new HTTPException(400, { message: 'The request body is not valid UTF-8' });
    }
    // The validator's c.req.json() reads this text; else Hono decodes the bytes again through a new web Response.
    // Hono's cache holds promises, though its type names the values (its own json() calls .then on the entry).
    c.req.bodyCache.text = Promise.resolve(text) as unknown as string;
    await next();
  };
}

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

type ErrorAnswer = (error: Error, c: Context) => Response | undefined;

export function createErrorHandler(logger: Logger, answers: readonly ErrorAnswer[] = []): ErrorHandler {
  return function handleError(error, c) {
    if (error instanceof QueueUnavailableError) return queueUnavailable(c, error.message);
    for (const answer of answers) {
      const response = answer(error, c);
      if (response) return response;
    }
    // The job type's own schema refused what the route accepted: still the caller's input.
    if (error instanceof InvalidJobPayloadError || error instanceof InvalidRequestError)
      return validationProblem(c, error.errors);
    if (error instanceof HTTPException && error.status < 500) {
      const title = TITLES[error.status] ?? 'Request Error';
      // Basic auth's 401 carries its challenge on the exception's own response.
      const challenge = error.res?.headers.get('www-authenticate');
      const problem = { type: PROBLEM_TYPES.http, title, status: error.status, detail: error.message || title };
      return problemResponse(c, problem, challenge ? { 'WWW-Authenticate': challenge } : {});
    }
    const where = { requestId: c.get('requestId'), method: c.req.method, path: c.req.path };
    if (error.message === 'aborted' && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      // The client hung up mid-body: nobody reads an answer, and it is no fault of ours (no stack trace).
      logger.debug(where, 'client closed the connection before its request ended');
      const detail = 'The request body ended early';
      return problemResponse(c, { type: PROBLEM_TYPES.http, title: 'Bad Request', status: 400, detail });
    }
    logger.error({ err: error, ...where }, 'unhandled error');
    const detail = 'An unexpected error occurred; it has been logged';
    return problemResponse(c, { type: PROBLEM_TYPES.http, title: 'Internal Server Error', status: 500, detail });
  };
}

export function notFound(c: Context, detail: string): Response {
  return problemResponse(c, { type: PROBLEM_TYPES.notFound, title: 'Not Found', status: 404, detail });
}

export const notFoundHandler: NotFoundHandler = (c) => notFound(c, `No route for ${c.req.method} ${c.req.path}`);
