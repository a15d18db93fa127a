import { formatAddr } from '../../src/infra/config/schema.js';
import type { Config } from '../../src/infra/config/schema.js';

/** Addresses that mean "the Redis on this machine". */
const SAME_HOST = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * The job-queue Redis of docker-compose.redis.yml as other containers on the
 * shared `dm-jobqueue` network see it: its service name and container port.
 */
export const REDIS_COMPOSE_SERVICE = { host: 'redis-jobqueue', port: 6379 } as const;

export interface InsightTarget {
  /**
   * `same-host`: Redis runs here (docker-compose.redis.yml) and Insight reaches it
   * by service name over the shared network; `remote`: Redis is on another
   * server and Insight connects to the configured host:port directly (D2).
   */
  mode: 'same-host' | 'remote';
  /** `redis.jobqueue.addr` as configured, e.g. `localhost:6379`. */
  configuredAddr: string;
  /** Redis Insight's preconfigured-connection variables (`RI_REDIS_*`). */
  env: Record<string, string>;
  /** Things the operator should know (settings Insight does not take over). */
  notes: string[];
}

/**
 * Derives the Redis Insight connection for the job-queue Redis from the
 * validated configuration (D8). Pure: reads nothing, prints nothing.
 * @example insightTarget(loadConfig()).env.RI_REDIS_HOST // 'redis-jobqueue' for localhost:6379
 */
export function insightTarget(config: Config): InsightTarget {
  const redis = config.cache.redis.jobqueue;
  // With Sentinel, Insight is pointed at the first sentinel and finds the master group there itself.
  const addr = redis.sentinel?.addrs[0] ?? redis.addr ?? REDIS_COMPOSE_SERVICE;
  const mode = !redis.sentinel && SAME_HOST.has(addr.host) ? 'same-host' : 'remote';
  const target = mode === 'same-host' ? REDIS_COMPOSE_SERVICE : addr;
  const env: Record<string, string> = {
    RI_REDIS_HOST: target.host,
    RI_REDIS_PORT: String(target.port),
    RI_REDIS_ALIAS: `dm-jobqueue ${config.env} (${formatAddr(addr)})`,
    RI_REDIS_DB: String(redis.db),
    RI_REDIS_TLS: redis.tls === false ? 'false' : 'true',
  };
  if (redis.username) env.RI_REDIS_USERNAME = redis.username;
  if (redis.password) env.RI_REDIS_PASSWORD = redis.password;
  const notes: string[] = [];
  if (typeof redis.tls === 'object' && redis.tls.ca_file) {
    notes.push(
      `tls.ca_file (${redis.tls.ca_file}) is a host path the container cannot read: mount it and set RI_REDIS_TLS_CA_PATH, or add the CA in Redis Insight`,
    );
  }
  if (redis.username && !redis.password) {
    notes.push('an ACL username is set but no password (REDIS_JOBQUEUE_PASSWORD); Redis Insight will ask for it');
  }
  if (redis.sentinel) {
    notes.push(
      `redis.jobqueue uses Sentinel: Redis Insight connects to the sentinel ${formatAddr(addr)} and offers the master group "${redis.sentinel.name}" to add`,
    );
  }
  return { mode, configuredAddr: formatAddr(addr), env, notes };
}

/**
 * `KEY=value` lines for scripts/start-redis-insight.sh (one value per line, so
 * a value must not contain a line break).
 */
export function formatTargetLines(target: InsightTarget, source: string): string {
  const lines: [string, string][] = [
    ['MODE', target.mode],
    ['CONFIGURED_ADDR', target.configuredAddr],
    ['SOURCE', source],
    ...Object.entries(target.env),
    ...target.notes.map((note): [string, string] => ['NOTE', note]),
  ];
  for (const [key, value] of lines) {
    if (/[\r\n]/.test(value)) throw new Error(`${key} must not contain a line break`);
  }
  return lines.map(([key, value]) => `${key}=${value}\n`).join('');
}
