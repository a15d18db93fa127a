/** Redis Sentinel, a connection mode of the job-queue Redis (`redis.jobqueue.sentinel`; docs/redis-sentinel.md). */
import type { RedisOptions } from 'ioredis';
import type { RedisConnectionConfig, RedisSentinelConfig } from '../config/schema.js';
import { reconnectDelay, tlsOptions } from './connection.js';

/**
 * ioredis options that find the master through the sentinels: asked again on every reconnect, and (failoverDetector)
 * subscribed to `+switch-master`, so a client leaves an old master that is still alive but no longer the master.
 */
export function sentinelOptions(
  sentinel: RedisSentinelConfig,
  config: RedisConnectionConfig,
): Omit<RedisOptions, 'retryStrategy'> {
  const sentinelTls = tlsOptions(sentinel.tls);
  return {
    name: sentinel.name,
    sentinels: sentinel.addrs.map(({ host, port }) => ({ host, port })),
    ...(sentinel.username ? { sentinelUsername: sentinel.username } : {}),
    ...(sentinel.password ? { sentinelPassword: sentinel.password } : {}),
    ...(sentinelTls ? { sentinelTLS: sentinelTls } : {}),
    // Without this ioredis ignores `tls` for the master it was pointed to.
    enableTLSForSentinelMode: config.tls !== false,
    sentinelRetryStrategy: reconnectDelay(config.retry),
    sentinelCommandTimeout: config.command_timeout_ms,
    failoverDetector: true,
    // A failover demotes the old master: a client still on it gets READONLY and must find the new one. The refused
    // command is not resent; its caller sees the error (a 503, a retried job).
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
}
