import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { isNotConnectionError } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { formatAddr, type RedisConnectionConfig } from '../config/schema.js';
import { sentinelOptions } from './sentinel.js';

/** ioredis options whose retry strategy always reconnects (ioredis allows `null`, BullMQ's option type does not). */
export type ClientOptions = Omit<RedisOptions, 'retryStrategy'> & { retryStrategy: (attempt: number) => number };

export function tlsOptions(tls: RedisConnectionConfig['tls']): ConnectionOptions | undefined {
  if (tls === false) return undefined;
  if (tls === true) return {};
  return {
    ...(tls.ca_file ? { ca: readFileSync(tls.ca_file) } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls.reject_unauthorized,
  };
}

/** Exponential reconnect delay within the bounds, forever: a Redis back after an hour is used without a restart. */
export function reconnectDelay(retry: RedisConnectionConfig['retry']): (attempt: number) => number {
  return (attempt) => Math.min(retry.max_delay_ms, retry.min_delay_ms * 2 ** Math.min(attempt - 1, 20));
}

type BaseConnectionConfig = Pick<
  RedisConnectionConfig,
  'username' | 'password' | 'tls' | 'connect_timeout_ms' | 'retry'
> & { db?: number };

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

export function redisLabel(config: Pick<RedisConnectionConfig, 'addr' | 'sentinel'>): string {
  if (config.sentinel)
    return `sentinel master "${config.sentinel.name}" via ${formatClusterLabel(config.sentinel.addrs)}`;
  return config.addr ? formatAddr(config.addr) : '(no address)';
}

export function formatClusterLabel(addrs: readonly { host: string; port: number }[]): string {
  return addrs.map(formatAddr).join(',');
}

export function jobqueueRedisOptions(config: RedisConnectionConfig): ClientOptions {
  const base = baseRedisOptions(config);
  if (config.sentinel) return { ...base, ...sentinelOptions(config.sentinel, config) };
  if (!config.addr)
    throw new Error('redis.jobqueue has neither addr nor sentinel (the config schema should have refused it)');
  return { ...base, host: config.addr.host, port: config.addr.port };
}

/** Request-time reads and the producer fail fast: no offline queue (rejects at once when down), a command timeout. */
export function producerRedisOptions(config: RedisConnectionConfig): ClientOptions {
  const failFast = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: config.command_timeout_ms };
  return { ...jobqueueRedisOptions(config), ...failFast };
}

/** The worker's: BullMQ requires `maxRetriesPerRequest: null`, so its blocking commands wait through reconnects. */
export function workerRedisOptions(config: RedisConnectionConfig): ClientOptions {
  return { ...jobqueueRedisOptions(config), maxRetriesPerRequest: null };
}

const NETWORK_CODES = new Set(
  'ECONNREFUSED ECONNRESET ETIMEDOUT EPIPE EHOSTUNREACH ENETUNREACH ENOTFOUND EAI_AGAIN ECONNABORTED'.split(' '),
);

const CONNECTION_MESSAGES =
  /Command timed out|Connection is closed|Stream isn't writeable|enableOfflineQueue|connect ETIMEDOUT|getaddrinfo|All sentinels are unreachable|Reached the max retries per request limit/i;

export function isRedisReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/** BullMQ's `isNotConnectionError` covers only a refused or closed connection, so codes and messages are added. */
export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code = '' } = error as NodeJS.ErrnoException;
  return NETWORK_CODES.has(code) || CONNECTION_MESSAGES.test(error.message) || !isNotConnectionError(error);
}

export interface ReopenOptions {
  label: string;
  logger: Logger;
  delayMs: (attempt: number) => number;
  isClosing: () => boolean;
}

interface ReopenableClient {
  readonly status: string;
  connect(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready' | 'end', listener: () => void): unknown;
}

/** ioredis may give up (6.0.0 did on a Sentinel switch mid-retry); `connect()` from `end` revives the same client. */
export function reopenWhenEnded(client: ReopenableClient, options: ReopenOptions): void {
  const { label, logger, isClosing } = options;
  let lastError: string | undefined;
  let attempt = 0;
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  client.on('ready', () => {
    if (attempt > 0) logger.info({ attempts: attempt }, `${label}: the reopened connection is ready`);
    attempt = 0;
  });
  client.on('end', () => {
    if (isClosing()) return;
    attempt += 1;
    const delayMs = options.delayMs(attempt);
    const tried = lastError ? `last error: ${lastError}` : 'no error was reported';
    // At error when it gives up, and every tenth reopening that fails again; the others at debug.
    logger[attempt === 1 || attempt % 10 === 0 ? 'error' : 'debug'](
      { attempt, delayMs, lastError },
      `${label}: the Redis client stopped reconnecting by itself (status "end"; ${tried}); opening it again in ${delayMs} ms`,
    );
    setTimeout(() => {
      if (!isClosing() && client.status === 'end') client.connect().catch(() => undefined);
    }, delayMs).unref();
  });
}
