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

/**
 * How far to believe forwarding headers: `false` (the socket address only),
 * `true` (one reverse proxy in front), or the number of proxies in front.
 */
export type TrustProxy = boolean | number;

/** What the rate-limit middleware needs: the limiter and how to find the client's address. */
export interface RateLimitOptions {
  limiter: RateLimiter;
  trustProxy: TrustProxy;
  /** The per-minute limit, sent as X-RateLimit-Limit even when the store is down. */
  perMinute: number;
}
