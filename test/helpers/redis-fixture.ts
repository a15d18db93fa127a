import { afterAll, afterEach, beforeAll } from 'vitest';
import { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js';

export interface RedisFixture {
  /** The suite's private redis-server (started in beforeAll). */
  readonly redis: RedisServer;
  /** Steps run after each test, last registered first. */
  readonly cleanup: (() => Promise<unknown> | void)[];
}

/**
 * One private redis-server for a describe block, plus per-test cleanup steps.
 * @example const fixture = useRedisFixture(); … setup(fixture.redis.port); fixture.cleanup.push(() => queue.close());
 */
export function useRedisFixture(options: RedisServerOptions = {}): RedisFixture {
  let redis: RedisServer | undefined;
  const cleanup: (() => Promise<unknown> | void)[] = [];
  beforeAll(async () => {
    redis = await startRedisServer(options);
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  afterAll(async () => {
    await redis?.destroy();
  });
  return {
    get redis() {
      if (!redis) throw new Error('the Redis fixture is used outside a test');
      return redis;
    },
    cleanup,
  };
}
