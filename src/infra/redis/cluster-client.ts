import { Cluster } from 'ioredis';
import type { RedisClusterConfig } from '../config/schema.js';
import { baseRedisOptions, reconnectDelay } from './connection-options.js';

/**
 * An ioredis Cluster client for caches (the rate limiter): fail fast like the
 * API's producer — no offline queue, a command timeout — so a node that is
 * down costs a request at most the timeout, never a hang.
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
