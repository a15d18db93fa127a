import type { Logger } from 'pino';
import * as v from 'valibot';

export const DEFAULT_JOB_DELAY_SECONDS = 180;
export const DEFAULT_MAX_RETRY = 10;
/** 30 s, then doubling; ±20 % jitter so a burst of failures does not retry in lock step (ten retries: ~8.5 h). */
export const DEFAULT_RETRY_BACKOFF = { type: 'exponential', delayMs: 30_000, jitter: 0.2 } as const;
export const MAX_DELAY_SECONDS = 30 * 24 * 60 * 60;
/** Upper bound of a per-job retry count; beyond it exponential backoff reaches years. */
export const MAX_RETRY_LIMIT = 25;

export interface RetryBackoff {
  readonly type: 'fixed' | 'exponential';
  readonly delayMs: number;
  /** 0–1: the share of each delay that is randomised. */
  readonly jitter?: number;
}

export interface JobDeps {
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

/** The worker parses the payload again, so it must be valid input too (a trim is fine, a type change is not). */
export interface JobDefinition<Type extends string = string, Payload = unknown, Input = Payload> {
  /** Stable name stored with every job (BullMQ's job name); `namespace:action`. */
  readonly type: Type;
  readonly payloadSchema: v.GenericSchema<Input, Payload>;
  readonly delaySeconds: number;
  /** Retries after a failed run: runs in all = 1 + maxRetry (4 means 5 attempts); 0 to {@link MAX_RETRY_LIMIT}. */
  readonly maxRetry: number;
  readonly backoff: RetryBackoff;
  readonly createProcessor: (deps: JobDeps) => (payload: Payload, context: JobContext) => Promise<void>;
}

/** What is wrong with a delay and retry count (a definition's defaults or a caller's choice); empty when both are in range. */
export function timingErrors(timing: { delaySeconds: number; maxRetry: number }): FieldError[] {
  const errors: FieldError[] = [];
  const inRange = (field: string, value: number, max: number, unit = '') => {
    if (!Number.isInteger(value) || value < 0 || value > max)
      errors.push({ field, reason: `must be a whole number from 0 to ${max}${unit}, not ${value}` });
  };
  inRange('delaySeconds', timing.delaySeconds, MAX_DELAY_SECONDS, ' (30 days)');
  inRange('maxRetry', timing.maxRetry, MAX_RETRY_LIMIT);
  return errors;
}

/** Refuses a payload that is not valid input (compile time) and out-of-range settings (module load). */
export function defineJob<const Type extends string, Input, Payload extends Input>(
  definition: JobDefinition<Type, Payload, Input>,
): JobDefinition<Type, Payload, Input> {
  const { delayMs, jitter = 0 } = definition.backoff;
  const errors = timingErrors(definition);
  if (!Number.isInteger(delayMs) || delayMs < 0)
    errors.push({ field: 'backoff.delayMs', reason: `must be a whole number of 0 or more, not ${delayMs}` });
  if (!(jitter >= 0 && jitter <= 1))
    errors.push({ field: 'backoff.jitter', reason: `must be from 0 to 1, not ${jitter}` });
  if (errors.length > 0) {
    const list = errors.map(({ field, reason }) => `${field} ${reason}`).join('; ');
    throw new RangeError(`job type "${definition.type}": ${list}`);
  }
  return definition;
}

/** `any`: the payload is both read (schema) and written (processor), so no other type admits every definition. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<string, any, any>;

export type PayloadOf<D> = D extends { readonly payloadSchema: v.GenericSchema<unknown, infer P> } ? P : never;

export type InputOf<D> = D extends { readonly payloadSchema: v.GenericSchema<infer Input, unknown> } ? Input : never;

type IsUnion<T, All = T> = T extends unknown ? ([All] extends [T] ? false : true) : never;

/** A union (`cond ? a : b`, `find(…)!`) would let one type's payload pass for another's: it gets a type naming that. */
export type OneJobType<D> =
  true extends IsUnion<D> ? { error: 'pass one job definition, not a union of them' } : unknown;

export interface AnyJob {
  readonly name: string;
  readonly data: unknown;
}

export type JobOf<D extends AnyJobDefinition> = D extends AnyJobDefinition
  ? { readonly name: D['type']; readonly data: PayloadOf<D> }
  : never;

/** One invalid input field (dotted path; `(body)` for the value itself) and why: a 400's `errors`, a failed job's reason. */
export type FieldError = { field: string; reason: string };

export const fieldErrorsText = (errors: readonly FieldError[]) =>
  errors.map((error) => `${error.field}: ${error.reason}`).join('; ');

/** valibot's issues as `{ field, reason }`, one per field (the first issue of each). */
export function toFieldErrors(issues: readonly v.BaseIssue<unknown>[]) {
  const errors = new Map<string, string>();
  for (const issue of issues) {
    const field = v.getDotPath(issue) || '(body)';
    // strictObject reports an unknown key as "expected never"; say it plainly.
    const reason = issue.expected === 'never' ? 'is not a known field' : issue.message;
    if (!errors.has(field)) errors.set(field, reason);
  }
  return [...errors].map(([field, reason]): FieldError => ({ field, reason }));
}

/** The payload does not pass its job type's schema: nothing was stored. 400 in the API. */
export class InvalidJobPayloadError extends Error {
  override readonly name = 'InvalidJobPayloadError';

  constructor(
    readonly jobType: string,
    readonly errors: readonly FieldError[],
  ) {
    super(`invalid payload for "${jobType}": ${fieldErrorsText(errors)}`);
  }
}

export function parsePayload<D extends AnyJobDefinition>(definition: D, data: unknown): PayloadOf<D> {
  const parsed = v.safeParse(definition.payloadSchema, data);
  if (!parsed.success) throw new InvalidJobPayloadError(definition.type, toFieldErrors(parsed.issues));
  return parsed.output as PayloadOf<D>;
}
