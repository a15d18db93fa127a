import * as v from 'valibot';
import { defineJob } from '../../src/jobs/job.js';

export const TEST_FLAKY = 'test:flaky';

/**
 * A second job type, used only by the tests: proves that a job type is one
 * file plus one registry line. Fails its first `fail_times` runs.
 */
export const testFlaky = defineJob({
  type: TEST_FLAKY,
  payloadSchema: v.strictObject({ key: v.string(), fail_times: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  delaySeconds: 0,
  maxRetry: 3,
  backoff: { type: 'fixed', delayMs: 50 },
  createProcessor: ({ print }) =>
    async function failThenSucceed({ key, fail_times }, { attempt }) {
      if (attempt <= fail_times) throw new Error(`planned failure ${attempt} of ${key}`);
      print(`${key} succeeded on attempt ${attempt}`);
    },
});
