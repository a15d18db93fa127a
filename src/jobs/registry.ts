import { demoDelayPrint } from './demo-delay-print.js';
import type { AnyJobDefinition, JobOf } from './job.js';

/** Every job type this service runs. Adding one: a file in src/jobs and its name in this list. */
export const jobDefinitions = [demoDelayPrint] as const;

export type KnownJobDefinition = (typeof jobDefinitions)[number];

/** The service's jobs: `name` narrows `data` (`if (job.name === 'demo:delay_print') job.data.message`). */
export type KnownJob = JobOf<KnownJobDefinition>;

/** Job types by name, for a worker. A name read from Redis may be anything (`constructor` too): a Map, not an object. */
export type JobRegistry<D extends AnyJobDefinition = AnyJobDefinition> = ReadonlyMap<string, D>;

export function createJobRegistry<D extends AnyJobDefinition>(definitions: readonly D[]): JobRegistry<D> {
  const registry = new Map<string, D>();
  for (const definition of definitions) {
    if (registry.has(definition.type)) throw new Error(`job type "${definition.type}" is defined twice`);
    registry.set(definition.type, definition);
  }
  return registry;
}

/** Every registered job type; a worker that runs only some on purpose says so with {@link runsOnlySome}. */
export type CoveringRegistry<D extends AnyJobDefinition> = string extends D['type']
  ? readonly D[] & SomeOnly<'(a widened list cannot be checked)'> // AnyJobDefinition[], a filter()
  : [Exclude<KnownJobDefinition['type'], D['type']>] extends [never]
    ? readonly D[]
    : readonly D[] & SomeOnly<Exclude<KnownJobDefinition['type'], D['type']>>;

/** What a list that leaves out registered types must carry: the error names them. */
type SomeOnly<Missing> = { readonly runsOnlySome: true; readonly missingJobTypes?: Missing };

/** A worker's definitions as a deliberate subset of the registry (e.g. one worker pool per job type). */
export function runsOnlySome<D extends AnyJobDefinition>(definitions: readonly [D, ...D[]]) {
  return Object.assign([...definitions], { runsOnlySome: true } as const);
}
