/** How long most job types wait before their first run (D5): 3 minutes. */
export const DEFAULT_JOB_DELAY_SECONDS = 180;

/** How many times most job types are retried after a failed run (D6). */
export const DEFAULT_MAX_RETRY = 10;

/**
 * Retry delay most job types use (D6): 30 s, then doubling (30 s, 1 min, 2 min, …),
 * ±20 % jitter so a burst of failures does not retry in lock step.
 * Ten retries span about 8.5 hours in all.
 */
export const DEFAULT_RETRY_BACKOFF = { type: 'exponential', delayMs: 30_000, jitter: 0.2 } as const;

/** Upper bound of a per-job delay: 30 days. */
export const MAX_DELAY_SECONDS = 30 * 24 * 60 * 60;

/** Upper bound of a per-job retry count; beyond it exponential backoff reaches years. */
export const MAX_RETRY_LIMIT = 25;
