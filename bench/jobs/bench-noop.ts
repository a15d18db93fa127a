import * as v from 'valibot';
import { defineJob } from '../../src/jobs/job.js';

/** A job type that does nothing: measures the worker's own overhead. */
export const benchNoop = defineJob({
  type: 'bench:noop',
  payloadSchema: v.object({ n: v.number() }),
  delaySeconds: 0,
  maxRetry: 0,
  backoff: { type: 'fixed', delayMs: 1000 },
  createProcessor: () => async function noop() {},
});
