import { demoDelayPrint } from './demo-delay-print.js';
import type { AnyJobDefinition, JobOf } from './job.js';

/** Every job type this service runs. Adding one: a file in src/jobs and its name in this list. */
export const jobDefinitions = [demoDelayPrint] as const;

export type KnownJobDefinition = (typeof jobDefinitions)[number];

/** The service's jobs: `name` narrows `data` (`if (job.name === 'demo:delay_print') job.data.message`). */
export type KnownJob = JobOf<KnownJobDefinition>;

/** Job types by name, for a worker. A name read from Redis may be anything (`constructor` too): a Map, not an object. */
export type JobRegistry<D extends AnyJobDefinition = AnyJobDefinition> = ReadonlyMap<string, D>;

/** Indexes definitions by type; a duplicate type is a programming error. */
export function createJobRegistry<D extends AnyJobDefinition>(definitions: readonly D[]): JobRegistry<D> {
  const registry = new Map<string, D>();
  for (const definition of definitions) {
    if (registry.has(definition.type)) throw new Error(`job type "${definition.type}" is defined twice`);
    registry.set(definition.type, definition);
  }
  return registry;
}
