import type { AnyJobDefinition, PayloadOf } from './job-definition.js';
import { demoDelayPrint } from './demo-delay-print.js';

/** Every job type this service knows. Adding one: a new file in src/jobs and one line here. */
export const jobDefinitions = [demoDelayPrint] as const;

type KnownDefinition = (typeof jobDefinitions)[number];

/** The names of the job types this service registers (`demo:delay_print`, …): BullMQ's job name. */
export type JobName = KnownDefinition['type'];

/** What any of those job types stores as its BullMQ job data. */
export type JobData = PayloadOf<KnownDefinition>;

export type JobRegistry = ReadonlyMap<string, AnyJobDefinition>;

/** Indexes definitions by type; a duplicate type is a programming error. */
export function createJobRegistry(definitions: readonly AnyJobDefinition[] = jobDefinitions): JobRegistry {
  const registry = new Map<string, AnyJobDefinition>();
  for (const definition of definitions) {
    if (registry.has(definition.type)) throw new Error(`job type "${definition.type}" is defined twice`);
    registry.set(definition.type, definition);
  }
  return registry;
}
