import type { MiddlewareHandler } from 'hono';
import type { RateLimiter, RateLimitWindow } from '../rate-limit/rate-limiter.js';
import { clientIp, type TrustProxy } from './client-ip.js';
import { PROBLEM_TYPES, problemResponse } from './problem.js';
import { setResponseHeaders } from './response-headers.js';

export interface RateLimitOptions {
  limiter: RateLimiter;
  trustProxy: TrustProxy;
  /** The per-minute limit, sent as X-RateLimit-Limit even when the store is down. */
  perMinute: number;
}

const HEADER_PREFIX: Record<RateLimitWindow['name'], string> = { minute: 'X-RateLimit', hour: 'X-RateLimit-Hour' };

function windowHeaders(windows: readonly RateLimitWindow[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const window of windows) {
    const prefix = HEADER_PREFIX[window.name];
    headers[`${prefix}-Limit`] = String(window.limit);
    headers[`${prefix}-Remaining`] = String(window.remaining);
    headers[`${prefix}-Reset`] = String(Math.ceil(window.resetAt / 1000));
  }
  return headers;
}

/**
 * Per-client-IP limits on every request it is mounted on, with
 * `X-RateLimit-*` headers; over a limit: 429 problem+json with Retry-After.
 * When the store is down the request is let through (fail-open).
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  return async function rateLimitMiddleware(c, next) {
    const decision = await options.limiter.consume(clientIp(c, options.trustProxy));
    if (decision.outcome === 'store-unavailable') {
      setResponseHeaders(c, { 'X-RateLimit-Limit': String(options.perMinute) });
      await next();
      return;
    }
    setResponseHeaders(c, windowHeaders(decision.windows));
    const exceeded = decision.windows.filter((window) => window.exceeded);
    if (exceeded.length === 0) {
      await next();
      return;
    }
    const resetAt = Math.max(...exceeded.map((window) => window.resetAt));
    const retryAfter = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
    return problemResponse(
      c,
      {
        type: PROBLEM_TYPES.rateLimited,
        title: 'Too Many Requests',
        status: 429,
        detail: `Rate limit of ${exceeded.map((window) => `${window.limit} requests per ${window.name}`).join(' and ')} exceeded; retry in ${retryAfter} s`,
        retry_after_seconds: retryAfter,
      },
      { 'Retry-After': String(retryAfter) },
    );
  };
}
