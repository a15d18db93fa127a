/**
 * Rate-limit counters in a Redis Cluster (`redis.default.cluster`), shared by every API process —
 * an optional extra: without it counters live in each process's memory. Removing it: this file
 * and its lines in src/api.ts.
 */
import { Cluster } from 'ioredis';
import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { Config, RedisClusterConfig } from '../config/schema.js';
import { baseRedisOptions, formatClusterLabel, reconnectDelay } from '../redis/connection.js';
import type { CounterStore } from './rate-limit.js';

/**
 * An ioredis Cluster client that fails fast like the API's producer — no offline queue, a command
 * timeout — so a node that is down costs a request at most the timeout, never a hang.
 * @example const cluster = createClusterClient(config.cache.redis.default.cluster);
 */
export function createClusterClient(config: RedisClusterConfig): Cluster {
  const { addrs, ...connection } = config;
  return new Cluster(
    addrs.map(({ host, port }) => ({ host, port })),
    {
      redisOptions: {
        ...baseRedisOptions(connection),
        commandTimeout: connection.command_timeout_ms,
        maxRetriesPerRequest: 0,
      },
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay(connection.retry),
      // Re-read the slot map soon after a node fails, so recovery is picked up.
      slotsRefreshInterval: 5_000,
      retryDelayOnClusterDown: 100,
      retryDelayOnFailover: 100,
    },
  );
}

/**
 * Counters in the cluster when `api.rate_limit.storage_type` is `redis`, or `auto` with nodes in
 * `redis.default.cluster.addrs`; undefined otherwise (memory). Each call is bounded by
 * `command_timeout_ms`: ioredis Cluster holds commands for a node it is reconnecting to.
 * @example createRateLimit(config, logger, clusterStoreFromConfig(config, logger))
 */
export function clusterStoreFromConfig(config: Config, logger: Logger) {
  const { storage_type: storage, enabled } = config.app.api.rate_limit;
  const { cluster: settings } = config.cache.redis.default;
  const wanted = storage === 'redis' || (storage === 'auto' && settings.addrs.length > 0);
  logger.info({ storage: enabled ? (wanted ? 'redis' : 'memory') : 'off' }, 'rate limiting');
  if (!enabled || !wanted) return undefined;
  const cluster = createClusterClient(settings);
  // The limiter logs the store's outages once; this only keeps ioredis quiet on every retry.
  cluster.on('error', (error) => logger.debug({ err: error }, 'rate-limit cluster error'));
  return {
    cluster,
    label: `Redis Cluster ${formatClusterLabel(settings.addrs)}`,
    close: () => cluster.disconnect(),
    store: (options) =>
      new RLWrapperTimeouts({
        keyPrefix: options.keyPrefix,
        timeoutMs: settings.command_timeout_ms,
        limiter: new RateLimiterRedis({ ...options, storeClient: cluster, rejectIfRedisNotReady: true }),
      }),
  } satisfies { cluster: Cluster; store: CounterStore; label: string; close: () => void };
}
