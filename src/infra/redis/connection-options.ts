import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import { formatAddr } from '../config/addr.js';
import type { RedisConnectionConfig, RedisSentinelConfig } from '../config/schema.js';

/**
 * ioredis options with a retry strategy that always reconnects (ioredis also
 * allows `null`, which BullMQ's option type does not).
 */
export type ClientOptions = Omit<RedisOptions, 'retryStrategy'> & { retryStrategy: (attempt: number) => number };

type TlsConfig = RedisConnectionConfig['tls'];
type RetryConfig = RedisConnectionConfig['retry'];

function tlsOptions(tls: TlsConfig): RedisOptions['tls'] {
  if (tls === false) return undefined;
  if (tls === true) return {};
  return {
    ...(tls.ca_file ? { ca: readFileSync(tls.ca_file) } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls.reject_unauthorized,
  };
}

/**
 * Exponential reconnect delay between the configured bounds, forever: a Redis
 * that comes back after an hour is picked up without a restart (D11).
 */
export function reconnectDelay(retry: RetryConfig): (attempt: number) => number {
  return (attempt) => Math.min(retry.max_delay_ms, retry.min_delay_ms * 2 ** Math.min(attempt - 1, 20));
}

/** The connection fields every Redis setting has (`redis.jobqueue`, `redis.default.cluster`). */
type BaseConnectionConfig = Pick<RedisConnectionConfig, 'username' | 'password' | 'tls' | 'connect_timeout_ms' | 'retry'> & { db?: number };

/** ioredis options shared by every connection to one Redis server or cluster node. */
export function baseRedisOptions(config: BaseConnectionConfig): ClientOptions {
  return {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(config.db ? { db: config.db } : {}),
    tls: tlsOptions(config.tls),
    connectTimeout: config.connect_timeout_ms,
    retryStrategy: reconnectDelay(config.retry),
  };
}

/**
 * The job-queue Redis, for logs: `host:port`, or the Sentinel master group and
 * the sentinels asked for it.
 * @example redisLabel(config) // 'sentinel master "dm-jobqueue" via 10.0.0.1:26379,10.0.0.2:26379'
 */
export function redisLabel(config: Pick<RedisConnectionConfig, 'addr' | 'sentinel'>): string {
  if (config.sentinel) return `sentinel master "${config.sentinel.name}" via ${config.sentinel.addrs.map(formatAddr).join(',')}`;
  return config.addr ? formatAddr(config.addr) : '(no address)';
}

/**
 * A failover demotes the old master; a client still on it gets READONLY and
 * must find the new one. The refused command is not resent: its caller sees
 * the error (a 503, a retried job).
 */
function reconnectOnReadonly(error: Error): boolean {
  return error.message.startsWith('READONLY');
}

/**
 * ioredis options that find the master through the sentinels: asked again on
 * every reconnect, and (failoverDetector) subscribed to `+switch-master`, so a
 * client leaves an old master that is still alive but no longer the master.
 */
function sentinelOptions(sentinel: RedisSentinelConfig, config: RedisConnectionConfig): Omit<RedisOptions, 'retryStrategy'> {
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
    reconnectOnError: reconnectOnReadonly,
  };
}

/**
 * ioredis options for the one job-queue Redis (`redis.jobqueue`): base options
 * plus its address, or the sentinels that name its master.
 */
export function jobqueueRedisOptions(config: RedisConnectionConfig): ClientOptions {
  const base = baseRedisOptions(config);
  if (config.sentinel) return { ...base, ...sentinelOptions(config.sentinel, config) };
  if (!config.addr) throw new Error('redis.jobqueue has neither addr nor sentinel (the config schema should have refused it)');
  return { ...base, host: config.addr.host, port: config.addr.port };
}

/**
 * `options` made to fail fast: with the offline queue off a command on a broken
 * connection rejects at once instead of waiting for a reconnect, and a command
 * on a live but stuck server times out.
 */
export function failFast(options: ClientOptions, commandTimeoutMs: number): ClientOptions {
  return { ...options, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: commandTimeoutMs };
}

/** Options for the API's producer connection (and every other request-time read): {@link failFast}. */
export function producerRedisOptions(config: RedisConnectionConfig): ClientOptions {
  return failFast(jobqueueRedisOptions(config), config.command_timeout_ms);
}

/**
 * Options for the worker's connections: BullMQ requires `maxRetriesPerRequest: null`
 * so its blocking commands wait through reconnects instead of failing.
 */
export function workerRedisOptions(config: RedisConnectionConfig): ClientOptions {
  return { ...jobqueueRedisOptions(config), maxRetriesPerRequest: null };
}
