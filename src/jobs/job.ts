import type { Logger } from 'pino';
import * as v from 'valibot';

/** How long most job types wait before their first run: 3 minutes. */
export const DEFAULT_JOB_DELAY_SECONDS = 180;
/** How many times most job types are retried after a failed run. */
export const DEFAULT_MAX_RETRY = 10;
/**
 * Retry delay most job types use: 30 s, then doubling (30 s, 1 min, 2 min, …), ±20 % jitter so a
 * burst of failures does not retry in lock step. Ten retries span about 8.5 hours in all.
 */
export const DEFAULT_RETRY_BACKOFF = { type: 'exponential', delayMs: 30_000, jitter: 0.2 } as const;
/** Upper bound of a per-job delay: 30 days. */
export const MAX_DELAY_SECONDS = 30 * 24 * 60 * 60;
/** Upper bound of a per-job retry count; beyond it exponential backoff reaches years. */
export const MAX_RETRY_LIMIT = 25;

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

/**
 * Everything the API and the worker need to know about one job type: one file per job type in
 * `src/jobs/`, listed once in `registry.ts`. Write it with {@link defineJob}.
 */
export interface JobDefinition<Type extends string = string, Payload = unknown> {
  /** Stable name stored with every job (BullMQ's job name); `namespace:action`. */
  readonly type: Type;
  /** Validates the payload in the API and again in the worker (data in Redis is input too). */
  readonly payloadSchema: v.GenericSchema<unknown, Payload>;
  readonly delaySeconds: number;
  readonly maxRetry: number;
  readonly backoff: RetryBackoff;
  readonly createProcessor: (deps: JobDeps) => (payload: Payload, context: JobContext) => Promise<void>;
}

/**
 * Infers the literal `type` and the payload from the schema, so definitions need no annotations.
 * @example export const sendWelcomeMail = defineJob({ type: 'mail:send_welcome', payloadSchema, …, createProcessor })
 */
export function defineJob<const Type extends string, Payload>(
  definition: JobDefinition<Type, Payload>,
): JobDefinition<Type, Payload> {
  return definition;
}

/**
 * Any definition. `any` because the payload is both read (schema) and written (processor), which
 * makes `JobDefinition` invariant in it: no other type admits every definition.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<string, any>;

/** The payload type of a definition. */
export type PayloadOf<D> = D extends JobDefinition<string, infer Payload> ? Payload : never;

/** A job as the queue holds it: a name and its data. */
export interface AnyJob {
  readonly name: string;
  readonly data: unknown;
}

/**
 * The jobs of a union of definitions as a discriminated union: checking `name` narrows `data`.
 * @example type KnownJob = JobOf<typeof demoDelayPrint | typeof sendWelcomeMail>
 */
export type JobOf<D extends AnyJobDefinition> = D extends AnyJobDefinition
  ? { readonly name: D['type']; readonly data: PayloadOf<D> }
  : never;

/** One invalid input field (dotted path; `(body)` for the value itself) and why: a 400's `errors`, a failed job's reason. */
export type FieldError = { field: string; reason: string };

/** Validation issues (valibot's, or any Standard Schema's) as `{ field, reason }`, one per field. */
export function toFieldErrors(issues: readonly { message: string; path?: readonly unknown[] | undefined }[]) {
  const errors = new Map<string, string>();
  for (const issue of issues) {
    const keys = (issue.path ?? []).map((item) =>
      typeof item === 'object' && item && 'key' in item ? item.key : item,
    );
    const field = keys.length > 0 ? keys.join('.') : '(body)';
    // strictObject reports an unknown key as "expected never"; say it plainly.
    const reason = (issue as { expected?: unknown }).expected === 'never' ? 'is not a known field' : issue.message;
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
    super(`invalid payload for "${jobType}": ${errors.map((error) => `${error.field}: ${error.reason}`).join('; ')}`);
  }
}

/** Validates `data` with the job type's schema; throws {@link InvalidJobPayloadError}. */
export function parsePayload<D extends AnyJobDefinition>(definition: D, data: unknown): PayloadOf<D> {
  const parsed = v.safeParse(definition.payloadSchema, data);
  if (!parsed.success) throw new InvalidJobPayloadError(definition.type, toFieldErrors(parsed.issues));
  return parsed.output as PayloadOf<D>;
}
