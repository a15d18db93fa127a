import type * as v from 'valibot';
import type { Logger } from 'pino';

/** How a failed run is retried: BullMQ's built-in strategies, in milliseconds. */
export interface RetryBackoff {
  readonly type: 'fixed' | 'exponential';
  readonly delayMs: number;
  /** 0–1: the share of each delay that is randomised. */
  readonly jitter?: number;
}

/** What a job's code may use; the worker entry passes the real ones, tests fakes. */
export interface JobDeps {
  /** Writes one line to the process's stdout. */
  print: (line: string) => void;
  now: () => Date;
  logger: Logger;
}

export interface JobContext {
  readonly jobId: string;
  /** 1 for the first run, 2 for the first retry, … */
  readonly attempt: number;
  /** Aborts when the worker's shutdown timeout is up and the job is handed back; a long job may stop early. */
  readonly signal?: AbortSignal;
}

export type JobProcessor<TPayload> = (payload: TPayload, context: JobContext) => Promise<void>;

/**
 * Everything the API and the worker need to know about one job type.
 * One file per job type in `src/jobs/`, listed once in `registry.ts`.
 */
export interface JobDefinition<TPayload = unknown, TType extends string = string> {
  /** Stable name stored with every job; `namespace:action`. */
  readonly type: TType;
  /** Validates the payload in the API and again in the worker (data in Redis is input too). */
  readonly payloadSchema: v.GenericSchema<unknown, TPayload>;
  readonly delaySeconds: number;
  readonly maxRetry: number;
  readonly backoff: RetryBackoff;
  readonly createProcessor: (deps: JobDeps) => JobProcessor<TPayload>;
}

/**
 * Identity function that infers `TPayload` from the schema and the literal
 * `type`, so definitions need no annotations and queues can be typed from them.
 */
export function defineJob<TPayload, const TType extends string>(
  definition: JobDefinition<TPayload, TType>,
): JobDefinition<TPayload, TType> {
  return definition;
}

/** The payload type of a definition. */
export type PayloadOf<TDefinition> = TDefinition extends JobDefinition<infer TPayload, string> ? TPayload : never;

/**
 * A definition whose payload type is not known statically (the registry, the worker).
 * `any` because payload types differ per job type and the function parameter makes
 * `JobDefinition` invariant; the worker parses with `payloadSchema` before calling the processor.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<any>;
