import * as v from 'valibot';
import { defineJob } from '../../src/jobs/job.js';

/** Takes `ms` to run: lets tests stop a worker while a job is running. */
export const testSlow = defineJob({
  type: 'test:slow',
  payloadSchema: v.strictObject({ ms: v.number() }),
  delaySeconds: 0,
  maxRetry: 0,
  backoff: { type: 'fixed', delayMs: 10 },
  createProcessor: ({ print }) =>
    async function sleepThenPrint({ ms }) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      print(`slept ${ms} ms`);
    },
});
