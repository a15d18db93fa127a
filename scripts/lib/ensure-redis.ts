import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../../src/infra/config/schema.js';
import { jobqueueRedisOptions, redisLabel } from '../../src/infra/redis/connection.js';
import { firstFreePort } from './free-port.js';
import { PROJECT_ROOT } from './node-process.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

type Probe = { reachable: true; appendonly: string } | { reachable: false; reason: string };

async function probe(config: Config): Promise<Probe> {
  const client = new Redis({
    ...jobqueueRedisOptions(config.cache.redis.jobqueue),
    lazyConnect: true,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    const reply = (await client.config('GET', 'appendonly').catch(() => [])) as string[];
    return { reachable: true, appendonly: reply[1] ?? 'unknown' };
  } catch (error) {
    return { reachable: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    client.disconnect();
  }
}

/**
 * Makes sure the configured job-queue Redis answers. A local one that is down
 * is started with scripts/start-redis.sh (docker compose, else redis-server
 * with AOF, data in redis/data/jobqueue); a remote one is only reported.
 */
export async function ensureRedis(config: Config, say: (line: string) => void): Promise<void> {
  const { addr } = config.cache.redis.jobqueue;
  const label = redisLabel(config.cache.redis.jobqueue);
  let result = await probe(config);
  if (!result.reachable) {
    if (!addr) {
      throw new Error(
        `the job-queue Redis (${label}) is not reachable (${result.reason}); for the development setup run: npm run redis-sentinel:start`,
      );
    }
    if (!LOCAL_HOSTS.has(addr.host)) {
      throw new Error(
        `the job-queue Redis at ${label} is not reachable (${result.reason}); start it or fix redis.jobqueue.addr in config/${config.env}/cacheserver.yaml`,
      );
    }
    say(`the job-queue Redis at ${label} is not running; starting it`);
    const started = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts/start-redis.sh'), 'start'], {
      env: { ...process.env, REDIS_JOBQUEUE_ADDR: label },
      stdio: 'inherit',
    });
    if (started.status !== 0) throw new Error(`scripts/start-redis.sh start failed (exit ${started.status})`);
    say('it keeps running after this command; stop it with: npm run redis:stop');
    result = await probe(config);
    if (!result.reachable) throw new Error(`the job-queue Redis at ${label} still does not answer (${result.reason})`);
  }
  say(`job-queue Redis at ${label} is reachable`);
  if (result.appendonly !== 'yes') {
    const port = await firstFreePort(addr?.port === 6379 || !addr ? 6380 : addr.port + 1);
    say(
      `warning: the Redis at ${label} keeps nothing on disk (appendonly=${result.appendonly}): queued jobs are lost when it restarts. ` +
        `For a persistent one on a free port, run: REDIS_JOBQUEUE_ADDR=localhost:${port} npm run redis:start ` +
        `and put the same REDIS_JOBQUEUE_ADDR=localhost:${port} in front of npm run dev / npm run demo (or set redis.jobqueue.addr in config/${config.env}/cacheserver.yaml)`,
    );
  }
}
