import * as v from 'valibot';
import { defineJob } from '../../src/jobs/job.js';

/**
 * Blocks the worker's event loop for `ms` (a CPU-bound job, a long GC pause):
 * its lock is not renewed meanwhile, which lets tests show what a lock shorter
 * than such a pause does.
 */
export const testBusy = defineJob({
  type: 'test:busy',
  payloadSchema: v.strictObject({ ms: v.number() }),
  delaySeconds: 0,
  maxRetry: 0,
  backoff: { type: 'fixed', delayMs: 10 },
  createProcessor: ({ print }) =>
    async function blockThenPrint({ ms }) {
      // Atomics.wait blocks the thread without burning the CPU the other processes need.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      print(`busy ${ms} ms`);
    },
});
