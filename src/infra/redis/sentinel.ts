/** Redis Sentinel, a connection mode of the job-queue Redis (`redis.jobqueue.sentinel`; docs/redis-sentinel.md). */
import type { RedisOptions } from 'ioredis';
import type { RedisConnectionConfig, RedisSentinelConfig } from '../config/schema.js';
import { reconnectDelay, tlsOptions } from './connection.js';

/** failoverDetector subscribes to `+switch-master`: a client leaves an old master that is still alive. */
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
    // A demoted master answers READONLY; the refused command is not resent (its caller sees a 503 or a retry).
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
}
