/** One counting window's state after a request was counted. */
export interface RateLimitWindow {
  readonly name: 'minute' | 'hour';
  readonly limit: number;
  readonly remaining: number;
  /** When the window starts afresh (ms since epoch). */
  readonly resetAt: number;
  /** True when this request went over the window's limit. */
  readonly exceeded: boolean;
}

export type RateLimitDecision =
  | { readonly outcome: 'counted'; readonly windows: readonly RateLimitWindow[] }
  /** The store could not be asked; the request is let through (fail-open). */
  | { readonly outcome: 'store-unavailable' };

/**
 * Counts requests per client key. Never rejects: a store failure is reported
 * as `store-unavailable` so the caller can fail open.
 */
export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
}
