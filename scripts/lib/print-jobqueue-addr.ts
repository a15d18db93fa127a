/**
 * Prints `host:port` of the job-queue Redis as the app sees it
 * (config/{APP_ENV}/cacheserver.yaml, REDIS_JOBQUEUE_ADDR applied), so the
 * start scripts and the app are driven by one setting.
 */
import { loadConfig } from '../../src/infra/config/load-config.js';

try {
  const { addr } = loadConfig().cache.redis.jobqueue;
  process.stdout.write(`${addr.host}:${addr.port}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
