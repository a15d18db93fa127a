/**
 * Rate-limit counters in a Redis Cluster (`redis.default.cluster`), shared by every API process —
 * an optional extra: without it counters live in each process's memory. Removing it: this file
 * and its lines in src/api.ts.
 */
import { Cluster } from 'ioredis';
import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type { RedisClusterConfig } from '../config/schema.js';
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
 * Counters in the cluster, each call bounded by `command_timeout_ms` (ioredis Cluster holds
 * commands for a node it is reconnecting to, past the per-command timeout).
 */
export function clusterStore(cluster: Cluster, config: RedisClusterConfig): { store: CounterStore; label: string } {
  return {
    label: `Redis Cluster ${formatClusterLabel(config.addrs)}`,
    store: (options) =>
      new RLWrapperTimeouts({
        keyPrefix: options.keyPrefix,
        timeoutMs: config.command_timeout_ms,
        limiter: new RateLimiterRedis({ ...options, storeClient: cluster, rejectIfRedisNotReady: true }),
      }),
  };
}
