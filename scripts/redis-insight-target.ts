/**
 * Prints the Redis Insight connection for the job-queue Redis as `KEY=value`
 * lines, read from config/{APP_ENV}/cacheserver.yaml (`redis.jobqueue`) with the
 * project's YAML loader, its validation and its environment overrides (D8).
 * Used by scripts/start-redis-insight.sh:
 *   node --import tsx scripts/redis-insight-target.ts
 * A bad or missing configuration file exits 1 naming the file, key and reason.
 */
import path from 'node:path';
import { ConfigError } from '../src/infra/config/load-config.js';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../src/infra/config/load-config.js';
import { formatTargetLines, insightTarget } from './lib/redis-insight-target.js';
import { PROJECT_ROOT } from './lib/node-process.js';

function main(): void {
  const config = loadConfig();
  const dir = process.env.CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const absolute = path.resolve(dir, config.env, 'cacheserver.yaml');
  const relative = path.relative(PROJECT_ROOT, absolute);
  const file = relative.startsWith('..') ? absolute : relative;
  const source = process.env.REDIS_JOBQUEUE_ADDR
    ? `REDIS_JOBQUEUE_ADDR (overrides redis.jobqueue.addr in ${file})`
    : `redis.jobqueue.addr in ${file}`;
  process.stdout.write(formatTargetLines(insightTarget(config), source));
}

try {
  main();
} catch (error) {
  process.stderr.write(
    `${error instanceof ConfigError ? 'configuration error: ' : ''}${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
