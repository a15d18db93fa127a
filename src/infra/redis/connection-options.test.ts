import { describe, expect, it } from 'vitest';
import type { RedisConnectionConfig } from '../config/schema.js';
import { jobqueueRedisOptions, producerRedisOptions, redisLabel, workerRedisOptions } from './connection.js';

const base: RedisConnectionConfig = {
  db: 0,
  tls: false,
  connect_timeout_ms: 2000,
  command_timeout_ms: 1000,
  retry: { min_delay_ms: 100, max_delay_ms: 2000 },
};
const sentinel: RedisConnectionConfig = {
  ...base,
  password: 'master-secret',
  sentinel: {
    name: 'dm-jobqueue',
    addrs: [
      { host: '10.0.0.1', port: 26379 },
      { host: '::1', port: 26380 },
    ],
    password: 'sentinel-secret',
    tls: false,
  },
};

describe('jobqueueRedisOptions', () => {
  it('points at one server with addr', () => {
    const options = jobqueueRedisOptions({ ...base, addr: { host: 'redis', port: 6380 } });
    expect(options).toMatchObject({ host: 'redis', port: 6380 });
    expect(options.sentinels).toBeUndefined();
  });

  it("asks the sentinels for the master, with the sentinels' password apart from the master's", () => {
    const options = jobqueueRedisOptions(sentinel);
    expect(options).toMatchObject({
      name: 'dm-jobqueue',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      password: 'master-secret',
      sentinelPassword: 'sentinel-secret',
      failoverDetector: true,
      enableTLSForSentinelMode: false,
    });
    expect(options.host).toBeUndefined();
    expect(options.sentinelRetryStrategy?.(100)).toBe(2000);
  });

  it('reconnects on READONLY (a demoted master), on no other reply error', () => {
    const reconnect = jobqueueRedisOptions(sentinel).reconnectOnError;
    expect(reconnect?.(new Error("READONLY You can't write against a read only replica."))).toBe(true);
    expect(reconnect?.(new Error('ERR unknown command'))).toBe(false);
  });

  it('keeps the sentinel setting through the fail-fast and worker variants', () => {
    expect(producerRedisOptions(sentinel)).toMatchObject({
      name: 'dm-jobqueue',
      enableOfflineQueue: false,
      commandTimeout: 1000,
    });
    expect(workerRedisOptions(sentinel)).toMatchObject({ name: 'dm-jobqueue', maxRetriesPerRequest: null });
  });
});

describe('redisLabel', () => {
  it('names the address, or the master group and its sentinels', () => {
    expect(redisLabel({ addr: { host: 'redis', port: 6379 } })).toBe('redis:6379');
    expect(redisLabel(sentinel)).toBe('sentinel master "dm-jobqueue" via 10.0.0.1:26379,[::1]:26380');
  });
});
