import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { createClusterClient } from '../redis/cluster-client.js';
import { createRateLimiter, resolveStorage } from './create-rate-limiter.js';
import type { RateLimitOptions } from './rate-limiter.js';

export interface ConfiguredRateLimit {
  /** Middleware options; undefined when `api.rate_limit.enabled` is false. */
  options: RateLimitOptions | undefined;
  /** Closes the cluster connection, if one was opened. */
  close(): void;
}

/**
 * Creates the rate limiter config.yaml asks for, with its Redis Cluster client
 * when the storage is `redis` (explicitly, or `auto` with nodes configured).
 * @example const rateLimit = rateLimitFromConfig(config, logger); createApp({ ..., rateLimit: rateLimit.options });
 */
export function rateLimitFromConfig(config: Config, logger: Logger): ConfiguredRateLimit {
  const settings = config.app.api.rate_limit;
  const storage = settings.enabled ? resolveStorage(config) : 'off';
  logger.info({ storage }, 'rate limiting');
  if (storage === 'off') return { options: undefined, close: () => undefined };

  const cluster = storage === 'redis' ? createClusterClient(config.cache.redis.default.cluster) : undefined;
  // The limiter logs the store's outages once; this only keeps ioredis quiet on every retry.
  cluster?.on('error', (error) => logger.debug({ err: error }, 'rate-limit cluster error'));
  const limiter = createRateLimiter(config, { logger, ...(cluster ? { cluster } : {}) });
  return {
    options: limiter && { limiter, trustProxy: config.app.api.trust_proxy, perMinute: settings.requests_per_minute },
    close: () => cluster?.disconnect(),
  };
}
