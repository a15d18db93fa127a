/**
 * Prints `host:port` of the job-queue Redis as the app sees it
 * (config/{APP_ENV}/cacheserver.yaml, REDIS_JOBQUEUE_ADDR applied), so the
 * start scripts and the app are driven by one setting. With `--sentinel` it
 * prints the Sentinel setting instead: the master group name on the first
 * line, the sentinels' `host:port` on the next ones (scripts/start-redis-sentinel.sh).
 */
import { loadConfig } from '../../src/infra/config/load-config.js';

try {
  const { addr, sentinel } = loadConfig().cache.redis.jobqueue;
  if (process.argv.includes('--sentinel')) {
    if (!sentinel) throw new Error('redis.jobqueue has no sentinel setting (it uses addr)');
    process.stdout.write(`${sentinel.name}\n${sentinel.addrs.map(({ host, port }) => `${host}:${port}\n`).join('')}`);
  } else {
    if (!addr)
      throw new Error(
        'redis.jobqueue uses Sentinel, not one addr: start the development setup with npm run redis-sentinel:start',
      );
    process.stdout.write(`${addr.host}:${addr.port}\n`);
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
