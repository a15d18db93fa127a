import { UnrecoverableError } from 'bullmq';
import * as v from 'valibot';
import type { JobDeps, JobProcessor } from '../../jobs/job-definition.js';
import type { JobRegistry } from '../../jobs/registry.js';
import { toFieldErrors } from '../validation/field-errors.js';
import { handBackOnAbort } from './hand-back.js';
import type { JobQueueProcessor } from './job-queue.js';

/**
 * The BullMQ processor: finds the job's definition by name, validates the
 * payload read from Redis, and runs the job type's processor. A job that can
 * never succeed (unknown type, invalid payload) fails at once, without retries.
 * A run the worker aborts (shutdown timeout) is handed back to the queue.
 */
export function createJobDispatcher(registry: JobRegistry, deps: JobDeps): JobQueueProcessor {
  const processors = new Map<string, JobProcessor<unknown>>();
  for (const [type, definition] of registry) processors.set(type, definition.createProcessor(deps));

  return async function dispatchJob(job, token, signal) {
    const definition = registry.get(job.name);
    const processor = processors.get(job.name);
    if (!definition || !processor) throw new UnrecoverableError(`unknown job type "${job.name}"`);
    const parsed = v.safeParse(definition.payloadSchema, job.data);
    if (!parsed.success) {
      const reasons = toFieldErrors(parsed.issues).map((error) => `${error.field}: ${error.reason}`);
      throw new UnrecoverableError(`invalid payload for "${job.name}": ${reasons.join('; ')}`);
    }
    const context = { jobId: job.id ?? '', attempt: job.attemptsMade + 1, ...(signal && { signal }) };
    await handBackOnAbort(job, token, signal, processor(parsed.output, context));
  };
}
