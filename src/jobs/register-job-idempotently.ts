import { isDeepStrictEqual } from 'node:util';
import { IdempotencyConflictError } from './idempotency-conflict-error.js';
import type { IdempotencyStore, StoredRegistration } from './idempotency-store.js';
import { idempotentJobId } from './idempotent-job-id.js';
import {
  registeredJob,
  resolveRegistration,
  type KnownJobDefinition,
  type RegisterJobDeps,
  type RegisteredJob,
  type RegisterJobInput,
  type ResolvedRegistration,
} from './register-job.js';

export interface IdempotentRegisterDeps {
  producer: RegisterJobDeps['producer'];
  idempotency: IdempotencyStore;
}

export interface IdempotencyScope {
  /** Whose keys these are (a hash of the caller's API key): two callers never share a key. */
  scope: string;
  /** The `Idempotency-Key` header's value. */
  key: string;
}

export interface IdempotentRegistration {
  job: RegisteredJob;
  /** True when the job was stored by an earlier request with the same key, and this answer replays it. */
  replayed: boolean;
}

/**
 * Longest a request holds its key while it stores the job: longer than any
 * command timeout, so a claim outlives the request that made it.
 */
const CLAIM_TTL_MS = 10_000;

function sameRegistration(stored: StoredRegistration, wanted: ResolvedRegistration): boolean {
  return (
    stored.type === wanted.type &&
    stored.delayMs === wanted.delayMs &&
    stored.attempts === wanted.attempts &&
    isDeepStrictEqual(stored.payload, wanted.payload)
  );
}

/**
 * Answers a retry with the stored job. With `ack_replicas` the store has
 * confirmed it on the replicas before returning it (durable-replay.ts), so a
 * replay is never a weaker answer than the first 201 would have been.
 */
function replay(jobId: string, stored: StoredRegistration, wanted: ResolvedRegistration): IdempotentRegistration {
  if (!sameRegistration(stored, wanted)) throw new IdempotencyConflictError('mismatch');
  return { job: registeredJob(jobId, stored, stored.createdAt), replayed: true };
}

/**
 * Registers a job at most once per (API key, `Idempotency-Key`): the job id is
 * derived from the pair, so a retry after a timeout — stored or not — finds or
 * stores the same job, never a second one. A retry with the same request
 * replays the first answer; with a different one it is refused (422); while
 * the first is still being stored, 409. Keys live as long as their job does
 * (`jobqueue.keep_completed` / `keep_failed` once it has run).
 * @example await registerJobIdempotently(deps, demoDelayPrint, { payload }, { scope: apiKeyId, key: 'order-42' })
 */
export async function registerJobIdempotently(
  deps: IdempotentRegisterDeps,
  definition: KnownJobDefinition,
  input: RegisterJobInput,
  { scope, key }: IdempotencyScope,
): Promise<IdempotentRegistration> {
  const wanted = resolveRegistration(definition, input);
  const jobId = idempotentJobId(scope, key);
  const earlier = await deps.idempotency.find(jobId);
  if (earlier) return replay(jobId, earlier, wanted);
  if (!(await deps.idempotency.claim(jobId, CLAIM_TTL_MS))) throw new IdempotencyConflictError('in-progress');
  try {
    // Another request may have stored it between the look-up and the claim.
    const stored = await deps.idempotency.find(jobId);
    if (stored) return replay(jobId, stored, wanted);
    const { createdAt } = await deps.producer.enqueue({ jobId, ...wanted });
    return { job: registeredJob(jobId, wanted, createdAt), replayed: false };
  } finally {
    // A release that fails (Redis gone) leaves the claim to expire: retries get 409 until then, never a second job.
    await deps.idempotency.release(jobId).catch(() => undefined);
  }
}
