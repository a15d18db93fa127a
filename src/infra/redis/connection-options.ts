import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import type { RedisConnectionConfig } from '../config/schema.js';

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

/** ioredis options shared by every connection to one Redis server or cluster node. */
export function baseRedisOptions(
  config: Omit<RedisConnectionConfig, 'addr' | 'db'> & { db?: number },
): ClientOptions {
  return {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(config.db ? { db: config.db } : {}),
    tls: tlsOptions(config.tls),
    connectTimeout: config.connect_timeout_ms,
    retryStrategy: reconnectDelay(config.retry),
  };
}

/** `host:port` of the job-queue Redis, for logs. */
export function redisLabel(config: Pick<RedisConnectionConfig, 'addr'>): string {
  return `${config.addr.host}:${config.addr.port}`;
}

/** ioredis options for the one job-queue Redis (`redis.jobqueue`): base options plus its address. */
export function jobqueueRedisOptions(config: RedisConnectionConfig): ClientOptions {
  return { ...baseRedisOptions(config), host: config.addr.host, port: config.addr.port };
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
