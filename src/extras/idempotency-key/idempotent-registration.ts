/** The job id comes from (API key, Idempotency-Key): a retry after a timeout never stores a second job. */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import * as v from 'valibot';
import type { AnyJobDefinition, InputOf, JobOf, OneJobType } from '../../jobs/job.js';
import {
  registeredJob,
  reportingOutcome,
  resolveRegistration,
  type EnqueueRequest,
  type JobLifecycle,
  type RegisterDeps,
  type RegisteredJob,
  type RegisterJobInput,
} from '../../jobs/register-job.js';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Quoted (structured-field string, IETF httpapi draft) or bare (Stripe): both are accepted. */
export const IdempotencyKeySchema = v.pipe(
  v.string(),
  v.trim(),
  v.regex(
    /^(?:"[!#-[\]-~ ]{1,255}"|[!#-[\]-~]{1,255})$/,
    'must be 1 to 255 visible ASCII characters (no quote or backslash), optionally in double quotes, e.g. "order-42"',
  ),
  v.transform((key) => (key.startsWith('"') ? key.slice(1, -1) : key)),
);

/** A job as it was registered, read back from the queue: what a replay answers and a retry is compared with. */
export interface StoredRegistration {
  readonly name: string;
  /** The payload, without the lifecycle the queue keeps beside it. */
  readonly data: unknown;
  readonly delayMs: number;
  readonly attempts: number;
  readonly lifecycle?: JobLifecycle | undefined;
  readonly createdAt: number;
}

/** What idempotent registration needs from the queue's store; every method rejects with QueueUnavailableError. */
export interface IdempotencyStore {
  find(jobId: string): Promise<StoredRegistration | undefined>;
  /** Marks `jobId` as being stored by this request for at most `ttlMs`; false when another request holds it. */
  claim(jobId: string, ttlMs: number): Promise<boolean>;
  release(jobId: string): Promise<void>;
}

/** `in-progress` (409): the first request with the key is still storing; `mismatch` (422): the key was used for another request. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';

  constructor(readonly reason: 'in-progress' | 'mismatch') {
    super(
      reason === 'in-progress'
        ? 'A request with this Idempotency-Key is still being processed; retry in a moment'
        : 'This Idempotency-Key was already used with a different request body; use a new key for a new job',
    );
  }
}

/** A version 8 UUID from SHA-256: a caller without the scope (its API key) cannot compute another's ids. */
export function idempotentJobId(scope: string, idempotencyKey: string): string {
  const hex = createHash('sha256').update(scope).update('\0').update(idempotencyKey).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Longest a request holds its key while it stores the job: longer than any command timeout. */
const CLAIM_TTL_MS = 10_000;

/** At most once per (scope, key): the same request replays, another is refused (422), 409 meanwhile. */
export async function registerJobIdempotently<D extends AnyJobDefinition>(
  deps: RegisterDeps<NoInfer<D>> & { idempotency: IdempotencyStore },
  definition: D & OneJobType<D>,
  input: RegisterJobInput<InputOf<D>>,
  { scope, key }: { scope: string; key: string },
): Promise<{ job: RegisteredJob; replayed: boolean }> {
  return reportingOutcome<{ job: RegisteredJob; replayed: boolean }>(
    deps.onRegistration,
    definition.type,
    async () => {
      const wanted = resolveRegistration(definition, input);
      const jobId = idempotentJobId(scope, key);
      const replay = (stored: StoredRegistration) => {
        // What the client sent: a run_at, not the delay derived from it (which shrinks as time passes).
        const sentRunAt = wanted.lifecycle?.runAt;
        const sameTime =
          sentRunAt === undefined
            ? stored.lifecycle?.runAt === undefined && stored.delayMs === wanted.delayMs
            : stored.lifecycle?.runAt === sentRunAt;
        const same =
          stored.name === wanted.name &&
          sameTime &&
          stored.lifecycle?.expiresAt === wanted.lifecycle?.expiresAt &&
          stored.attempts === wanted.attempts &&
          isDeepStrictEqual(stored.data, wanted.data);
        if (!same) throw new IdempotencyConflictError('mismatch');
        const job = registeredJob(jobId, stored, stored.createdAt);
        return { result: { job, replayed: true }, outcome: 'replayed' as const };
      };
      const earlier = await deps.idempotency.find(jobId);
      if (earlier) return replay(earlier);
      if (!(await deps.idempotency.claim(jobId, CLAIM_TTL_MS))) throw new IdempotencyConflictError('in-progress');
      try {
        // Another request may have stored it between the look-up and the claim.
        const stored = await deps.idempotency.find(jobId);
        if (stored) return replay(stored);
        const { createdAt } = await deps.producer.enqueue({ jobId, ...wanted } as EnqueueRequest<JobOf<D>>);
        const job = registeredJob(jobId, wanted, createdAt);
        return { result: { job, replayed: false }, outcome: 'stored' as const };
      } finally {
        // A release that fails (Redis gone) leaves the claim to expire: 409 until then, never a second job.
        await deps.idempotency.release(jobId).catch(() => undefined);
      }
    },
    (error) => error instanceof IdempotencyConflictError,
  );
}
