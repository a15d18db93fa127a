import type { Logger } from 'pino';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { createOutageLogger } from '../log/outage-logger.js';
import type { RateLimitDecision, RateLimiter, RateLimitWindow } from './rate-limiter.js';

/**
 * ioredis Cluster holds commands for a node it is reconnecting to, past the
 * per-command timeout; a request must never wait on that.
 */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rate-limit store did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface WindowLimiter {
  name: RateLimitWindow['name'];
  limit: number;
  /** A rate-limiter-flexible limiter counting this window (memory or Redis). */
  limiter: RateLimiterAbstract;
}

/**
 * A {@link RateLimiter} over rate-limiter-flexible: each request is counted in
 * every window at once (one single-key Lua call per window, so Redis Cluster
 * never sees a cross-slot script). A store error lets the request through and
 * is logged once per outage.
 * @example createFlexibleRateLimiter([{ name: 'minute', limit: 60, limiter: new RateLimiterMemory({ points: 60, duration: 60 }) }], { logger, storeLabel: 'memory' })
 */
export function createFlexibleRateLimiter(
  windows: readonly WindowLimiter[],
  /** timeoutMs: how long a networked store may take; none for memory. */
  options: { logger: Logger; storeLabel: string; timeoutMs?: number; now?: () => number },
): RateLimiter {
  const now = options.now ?? Date.now;
  const { timeoutMs } = options;
  // After a store failure, requests skip the store for this long (fail-open at once)
  // instead of each waiting up to timeoutMs; then one request probes it again.
  const pauseAfterFailureMs = Math.max(timeoutMs ?? 0, 1000);
  let skipStoreUntil = 0;
  const outage = createOutageLogger(
    options.logger,
    `rate-limit store (${options.storeLabel})`,
    'requests are let through (fail-open) until it is back',
  );

  async function count(window: WindowLimiter, key: string): Promise<RateLimitWindow> {
    try {
      // A timer per call costs a third of the throughput; only a networked store needs one.
      const pending = window.limiter.consume(key);
      const result = await (timeoutMs === undefined ? pending : withTimeout(pending, timeoutMs));
      return toWindow(window, result, false);
    } catch (rejection) {
      // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, with an Error on store failure.
      if (rejection instanceof RateLimiterRes) return toWindow(window, rejection, true);
      throw rejection;
    }
  }

  function toWindow(window: WindowLimiter, result: RateLimiterRes, exceeded: boolean): RateLimitWindow {
    return {
      name: window.name,
      limit: window.limit,
      remaining: result.remainingPoints,
      resetAt: now() + result.msBeforeNext,
      exceeded,
    };
  }

  return {
    async consume(key) {
      if (now() < skipStoreUntil) return { outcome: 'store-unavailable' };
      try {
        const counted = await Promise.all(windows.map((window) => count(window, key)));
        outage.recovered();
        return { outcome: 'counted', windows: counted } satisfies RateLimitDecision;
      } catch (error) {
        skipStoreUntil = now() + pauseAfterFailureMs;
        outage.failed(error);
        return { outcome: 'store-unavailable' };
      }
    },
  };
}
