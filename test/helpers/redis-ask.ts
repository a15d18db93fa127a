import { Redis } from 'ioredis';

/**
 * Runs `run` on a short-lived client of the Redis (or sentinel) on `port`, then
 * drops it: for a test's questions to servers that come and go, so nothing
 * retries or queues (1 s to connect, 1 s per command).
 * @example const info = await withRedis(port, (client) => client.info('replication'));
 */
export async function withRedis<T>(port: number, run: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.disconnect();
  }
}

/** `ROLE` of the Redis on `port`: 'master', 'slave' or 'sentinel'. */
export async function roleOf(port: number): Promise<string> {
  return ((await withRedis(port, (client) => client.call('ROLE'))) as [string])[0];
}
