/** Idempotency-Key on every registering endpoint: a retried request answers the first 201 instead of storing a second job. */
import type { Context } from 'hono';
import type { DescribeRouteOptions } from 'hono-openapi';
import * as v from 'valibot';
import { InvalidRequestError, problemResponse } from '../../infra/http/problem.js';
import { registerJob } from '../../jobs/register-job.js';
import { problemAnswer } from '../../routes/api-docs.js';
import type { RequestRegistrar } from '../../routes/registration.js';
import { defineExtra } from '../extra.js';
import { createBullmqIdempotencyStore } from './bullmq-idempotency-store.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyConflictError,
  IdempotencyKeySchema,
  registerJobIdempotently,
  type IdempotencyStore,
} from './idempotent-registration.js';

const IDEMPOTENCY_KEY_PARAMETER = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: 'header',
  required: false,
  description:
    'Makes retries safe: the same key with the same body answers the first 201 again (Idempotent-Replayed: true) instead of storing a second job. Keys are per API key and live as long as their job.',
  schema: { type: 'string', minLength: 1, maxLength: 257, example: '"order-42"' },
} as const;

/** The header, `Idempotent-Replayed` on the 201, the 409 and the 422 in a registering operation's description. */
function describeIdempotency(spec: DescribeRouteOptions): DescribeRouteOptions {
  const responses: Record<string, unknown> = {
    409: problemAnswer('A request with the same Idempotency-Key is still being stored', 'Retry-After'),
    422: problemAnswer('The Idempotency-Key was used before with a different body'),
    ...spec.responses,
  };
  // The 201 as apiResponse() made it: a plain object with its header references.
  const created = responses[201] as { headers?: Record<string, unknown> } | undefined;
  const replayHeader = { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } };
  if (created) responses[201] = { ...created, headers: { ...created.headers, ...replayHeader } };
  return {
    ...spec,
    parameters: [...(spec.parameters ?? []), IDEMPOTENCY_KEY_PARAMETER],
    responses: responses as DescribeRouteOptions['responses'],
  };
}

const PROBLEMS = {
  'in-progress': { type: 'urn:dm-jobqueue:problem:idempotency-key-in-use', title: 'Conflict', status: 409 },
  mismatch: { type: 'urn:dm-jobqueue:problem:idempotency-key-reused', title: 'Unprocessable Content', status: 422 },
} as const;

/** Registration with Idempotency-Key over `store`: 409 while the first is being stored, 422 for another body. */
export function idempotencyKeyExtension(store: IdempotencyStore) {
  const registration: RequestRegistrar = {
    async register(c, deps, definition, input) {
      const header = c.req.header(IDEMPOTENCY_KEY_HEADER);
      if (header === undefined) return registerJob(deps, definition, input);
      const key = v.safeParse(IdempotencyKeySchema, header);
      if (!key.success) {
        deps.onRegistration?.(definition.type, 'rejected');
        const field = `${IDEMPOTENCY_KEY_HEADER} (header)`;
        throw new InvalidRequestError([{ field, reason: key.issues[0].message }]);
      }
      // Keys are scoped per API key (set by bearerAuth): callers can neither collide nor probe each other's keys.
      const scope = { scope: c.get('apiKeyId'), key: key.output };
      const { job, replayed } = await registerJobIdempotently(
        { ...deps, idempotency: store },
        definition,
        input,
        scope,
      );
      if (replayed) c.header('Idempotent-Replayed', 'true');
      return job;
    },
    describe: describeIdempotency,
  };
  return {
    registration,
    errorAnswer(error: Error, c: Context) {
      if (!(error instanceof IdempotencyConflictError)) return undefined;
      const problem = { ...PROBLEMS[error.reason], detail: error.message };
      return problemResponse(c, problem, error.reason === 'in-progress' ? { 'Retry-After': '1' } : {});
    },
  };
}

export const idempotencyKey = defineExtra({
  name: 'idempotency-key',
  api: ({ queue, beforeReplay }) => idempotencyKeyExtension(createBullmqIdempotencyStore({ ...queue, beforeReplay })),
});
