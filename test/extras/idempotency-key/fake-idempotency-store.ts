import type {
  IdempotencyStore,
  StoredRegistration,
} from '../../../src/extras/idempotency-key/idempotent-registration.js';
import { QueueUnavailableError } from '../../../src/jobs/register-job.js';

/** An IdempotencyStore that reads jobs back through `lookup` (e.g. a fake producer's `find`) and keeps claims in a set. */
export function createFakeIdempotencyStore(
  lookup: (jobId: string) => StoredRegistration | undefined = () => undefined,
) {
  const claims = new Set<string>();
  let unavailable = false;
  const check = () => {
    if (unavailable) throw new QueueUnavailableError('Redis is not connected');
  };
  const store = {
    claims,
    setUnavailable(value: boolean) {
      unavailable = value;
    },
    async find(jobId: string) {
      check();
      return lookup(jobId);
    },
    async claim(jobId: string) {
      check();
      if (claims.has(jobId)) return false;
      claims.add(jobId);
      return true;
    },
    async release(jobId: string) {
      check();
      claims.delete(jobId);
    },
  } satisfies IdempotencyStore & Record<string, unknown>;
  return store;
}
