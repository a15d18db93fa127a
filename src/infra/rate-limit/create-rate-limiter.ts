import type { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/schema.js';
import { createFlexibleRateLimiter, type WindowLimiter } from './flexible-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

export type RateLimitStorage = 'memory' | 'redis';

/** `auto` means the cluster when nodes are configured, else memory (D10). */
export function resolveStorage(config: Config): RateLimitStorage {
  const { storage_type: storageType } = config.app.api.rate_limit;
  if (storageType !== 'auto') return storageType;
  return config.cache.redis.default.cluster.addrs.length > 0 ? 'redis' : 'memory';
}

const WINDOWS = [
  { name: 'minute', seconds: 60, setting: 'requests_per_minute' },
  { name: 'hour', seconds: 3600, setting: 'requests_per_hour' },
] as const;

/**
 * The limiter config.yaml asks for; undefined when rate limiting is off.
 * `cluster` is required for redis storage (the entry creates it).
 * @example createRateLimiter(config, { logger, cluster: createClusterClient(config.cache.redis.default.cluster) })
 */
export function createRateLimiter(
  config: Config,
  deps: { logger: Logger; cluster?: Cluster; keyPrefix?: string },
): RateLimiter | undefined {
  const settings = config.app.api.rate_limit;
  if (!settings.enabled) return undefined;
  const storage = resolveStorage(config);
  if (storage === 'redis' && !deps.cluster) throw new Error('rate limit storage "redis" needs a cluster client');
  const prefix = deps.keyPrefix ?? 'dm-jobqueue:rl';

  const windows: WindowLimiter[] = WINDOWS.filter((window) => settings[window.setting] > 0).map((window) => {
    const options = {
      points: settings[window.setting],
      duration: window.seconds,
      keyPrefix: `${prefix}:${window.name}`,
    };
    const limiter: RateLimiterAbstract =
      storage === 'redis'
        ? new RateLimiterRedis({ ...options, storeClient: deps.cluster, rejectIfRedisNotReady: true })
        : new RateLimiterMemory(options);
    return { name: window.name, limit: settings[window.setting], limiter };
  });
  const storeLabel =
    storage === 'redis'
      ? `Redis Cluster ${config.cache.redis.default.cluster.addrs.map((a) => `${a.host}:${a.port}`).join(',')}`
      : 'memory';
  const timeout = storage === 'redis' ? { timeoutMs: config.cache.redis.default.cluster.command_timeout_ms } : {};
  return createFlexibleRateLimiter(windows, { logger: deps.logger, storeLabel, ...timeout });
}
