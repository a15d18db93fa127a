import type { RedisConnectionConfig } from '../../src/infra/config/schema.js';

/** The job-queue connection settings the tests use, pointing at a private server. */
export function redisConfigFor(port: number, overrides: Partial<RedisConnectionConfig> = {}): RedisConnectionConfig {
  return {
    addr: { host: '127.0.0.1', port },
    db: 0,
    tls: false,
    connect_timeout_ms: 1000,
    command_timeout_ms: 1000,
    retry: { min_delay_ms: 50, max_delay_ms: 200 },
    ...overrides,
  };
}

let counter = 0;
/** A queue name no other test uses. */
export function uniqueQueueName(prefix = 'test'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}
