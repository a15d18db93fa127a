import { Cluster } from 'ioredis';
import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import * as v from 'valibot';
import { AddrSchema, ConnectionFields, type AppConfig } from '../../infra/config/schema.js';
import type { CounterStore } from '../../infra/rate-limit/rate-limit.js';
import { baseRedisOptions, formatClusterLabel, reconnectDelay } from '../../infra/redis/connection.js';

/** `redis.default` in cacheserver.yaml: the rate limiter's cluster (D9). */
export const ClusterSchema = v.optional(
  v.strictObject({ cluster: v.strictObject({ addrs: v.array(AddrSchema), ...ConnectionFields }) }),
  { cluster: { addrs: [] } },
);
export type RedisClusterConfig = v.InferOutput<typeof ClusterSchema>['cluster'];

/** Fails fast (no offline queue, a command timeout): a node that is down never hangs a request. */
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

/** Bounded by `command_timeout_ms`: ioredis Cluster holds commands for a node it is reconnecting to. */
export function clusterStoreFromConfig(
  rateLimit: AppConfig['api']['rate_limit'],
  settings: RedisClusterConfig,
  logger: Logger,
) {
  const { storage_type: storage, enabled } = rateLimit;
  const wanted = storage === 'redis' || (storage === 'auto' && settings.addrs.length > 0);
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
