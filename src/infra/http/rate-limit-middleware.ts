import type { Context, MiddlewareHandler } from 'hono';
import type { RateLimitOptions, RateLimitWindow } from '../rate-limit/rate-limiter.js';
import { clientIp } from './client-ip.js';
import { PROBLEM_TYPES, problemResponse } from './problem.js';

export type { RateLimitOptions } from '../rate-limit/rate-limiter.js';

/** The headers each window is reported in (SPEC: X-RateLimit-* and X-RateLimit-Hour-*). */
const HEADER_NAMES: Record<RateLimitWindow['name'], { limit: string; remaining: string; reset: string }> = {
  minute: { limit: 'X-RateLimit-Limit', remaining: 'X-RateLimit-Remaining', reset: 'X-RateLimit-Reset' },
  hour: { limit: 'X-RateLimit-Hour-Limit', remaining: 'X-RateLimit-Hour-Remaining', reset: 'X-RateLimit-Hour-Reset' },
};

/** Sets each window's headers; returns the windows whose limit was exceeded. */
function reportWindows(windows: readonly RateLimitWindow[], c: Context): RateLimitWindow[] {
  const exceeded: RateLimitWindow[] = [];
  for (const window of windows) {
    const names = HEADER_NAMES[window.name];
    c.header(names.limit, String(window.limit));
    c.header(names.remaining, String(window.remaining));
    c.header(names.reset, String(Math.ceil(window.resetAt / 1000)));
    if (window.exceeded) exceeded.push(window);
  }
  return exceeded;
}

/**
 * Per-client-IP limits on every request it is mounted on, with
 * `X-RateLimit-*` headers; over a limit: 429 problem+json with Retry-After.
 * When the store is down the request is let through (fail-open).
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const perMinute = String(options.perMinute);
  return async function rateLimitMiddleware(c, next) {
    const decision = await options.limiter.consume(clientIp(c, options.trustProxy));
    if (decision.outcome === 'store-unavailable') {
      c.header(HEADER_NAMES.minute.limit, perMinute);
      await next();
      return;
    }
    const exceeded = reportWindows(decision.windows, c);
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
