/**
 * `npm run status [-- --json]`: the counterpart of the original template's
 * server-status command. Checks the API, the worker, the job-queue Redis (and
 * that it is set up for a queue: AOF on, no evicting maxmemory policy), the
 * rate-limit cluster's nodes and the queue; one line per part. Exit codes
 * (docs/operations.md): 0 all up; 1 a required part is down (or registrations
 * answer 503: too few replicas for ack_replicas); 2 all up, but the Redis is
 * unsafe for a queue (it can lose jobs); 3 the check itself could not run.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/infra/config/load-config.js';
import type { Config } from '../src/infra/config/schema.js';
import { baseRedisOptions, jobqueueRedisOptions, redisLabel } from '../src/infra/redis/connection.js';

/** `unsafe`: working, but it can lose jobs (no AOF, an evicting policy): a warning, not an outage. */
type State = 'up' | 'down' | 'unsafe';

interface Check {
  name: string;
  address: string;
  state: State;
  /** A required part that is down fails the command. */
  required: boolean;
  ms: number;
  detail: string;
}

const EVICTING = /^(allkeys|volatile)-/;
const EXIT_CODES = { ok: 0, down: 1, unsafe: 2 } as const;
const SUMMARY = {
  ok: 'all up (exit 0)',
  down: 'DOWN: a required part is down (exit 1)',
  unsafe: 'up, but the job-queue Redis is unsafe for a queue: it can lose jobs (WARN above; exit 2)',
};
const TIMEOUT_MS = 2000;

async function timed<T>(step: () => Promise<T>): Promise<{ value?: T; error?: string; ms: number }> {
  const started = performance.now();
  try {
    const value = await step();
    return { value, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      error: error instanceof Error ? error.message : String(error),
      ms: Math.round(performance.now() - started),
    };
  }
}

async function httpCheck(name: string, url: string, expect: (status: number, body: string) => boolean): Promise<Check> {
  const result = await timed(async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { status: response.status, body: (await response.text()).slice(0, 200) };
  });
  const state = result.value !== undefined && expect(result.value.status, result.value.body) ? 'up' : 'down';
  const detail = result.value
    ? `${result.value.status} ${result.value.body.split('\n')[0] ?? ''}`.trim()
    : (result.error ?? '');
  return { name, address: url, state, required: true, ms: result.ms, detail };
}

function quickClient(options: ReturnType<typeof baseRedisOptions> & { host?: string; port?: number }): Redis {
  // No retries (sentinels included) and no failover subscription: one look, then the answer.
  const client = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
    failoverDetector: false,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  return client;
}

async function redisChecks(config: Config): Promise<Check[]> {
  const redisConfig = config.cache.redis.jobqueue;
  const address = redisLabel(redisConfig);
  const client = quickClient(jobqueueRedisOptions(redisConfig));
  try {
    const ping = await timed(async () => {
      await client.connect();
      return client.ping();
    });
    if (ping.error)
      return [{ name: 'job-queue Redis', address, state: 'down', required: true, ms: ping.ms, detail: ping.error }];
    const info = await client.info();
    const field = (key: string) => new RegExp(`^${key}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? 'unknown';
    const aof = field('aof_enabled') === '1';
    const policy =
      ((await client.config('GET', 'maxmemory-policy').catch(() => [])) as string[])[1] ?? field('maxmemory_policy');
    const unsafe = [
      ...(aof ? [] : ['AOF is off: jobs are lost when it restarts (appendonly yes)']),
      ...(EVICTING.test(policy) ? [`maxmemory-policy ${policy} evicts jobs (use noeviction)`] : []),
    ];
    const down: string[] = [];
    const replicas = Number(field('connected_slaves'));
    // The replica-ack extra's setting, read by its shape (the extra may have been removed).
    const ackReplicas = (config.extras?.['replica-ack'] as { replicas: number } | undefined)?.replicas ?? 0;
    // Not a risk but an outage: every registration answers 503.
    if (ackReplicas > 0 && !(replicas >= ackReplicas))
      down.push(
        `replica_ack.replicas is ${ackReplicas} but ${field('connected_slaves')} replica(s) are connected: registrations answer 503`,
      );
    // With Sentinel, say which server the sentinels named master (the one this client reached).
    const where = redisConfig.sentinel
      ? `master ${client.stream.remoteAddress ?? '?'}:${client.stream.remotePort ?? '?'}, `
      : '';
    const checks: Check[] = [
      {
        name: 'job-queue Redis',
        address,
        state: 'up',
        required: true,
        ms: ping.ms,
        detail: `${where}Redis ${field('redis_version')}, role ${field('role')}, ${field('connected_slaves')} replica(s), used memory ${field('used_memory_human')}, appendonly ${aof ? 'yes' : 'no'}, maxmemory-policy ${policy}`,
      },
      {
        name: 'job-queue Redis setup',
        address,
        state: down.length > 0 ? 'down' : unsafe.length > 0 ? 'unsafe' : 'up',
        required: true,
        ms: 0,
        detail: [...down, ...unsafe].join('; ') || 'fit for a queue (AOF on, no eviction)',
      },
    ];
    const { jobqueue } = config.app;
    const queue = new Queue(jobqueue.queue_name, { connection: client, prefix: jobqueue.prefix });
    queue.on('error', () => undefined);
    const counts = await timed(async () => ({
      counts: await queue.getJobCounts('delayed', 'waiting', 'active', 'completed', 'failed'),
      workers: (await queue.getWorkers()).length,
    }));
    const summary = counts.value
      ? `${Object.entries(counts.value.counts)
          .map(([state, count]) => `${state} ${count}`)
          .join(', ')}; ${counts.value.workers} worker connection(s)`
      : (counts.error ?? '');
    checks.push({
      name: 'queue',
      address: `${jobqueue.prefix}:${jobqueue.queue_name}`,
      state: counts.value !== undefined ? 'up' : 'down',
      required: true,
      ms: counts.ms,
      detail: summary,
    });
    return checks;
  } finally {
    client.disconnect();
  }
}

/** The rate-limit-cluster extra's nodes, read by their shape (the extra may have been removed). */
type ClusterSettings = Parameters<typeof baseRedisOptions>[0] & { addrs: { host: string; port: number }[] };

async function clusterChecks(config: Config): Promise<Check[]> {
  const cluster = (config.extras?.['rate-limit-cluster'] as { cluster: ClusterSettings } | undefined)?.cluster;
  if (!cluster) return [];
  return Promise.all(
    cluster.addrs.map(async (addr) => {
      const client = quickClient({ ...baseRedisOptions(cluster), host: addr.host, port: addr.port });
      try {
        const ping = await timed(async () => {
          await client.connect();
          return client.ping();
        });
        return {
          name: 'rate-limit cluster node',
          address: `${addr.host}:${addr.port}`,
          state: ping.error ? 'down' : 'up',
          required: true,
          ms: ping.ms,
          detail: ping.error ?? 'PONG',
        };
      } finally {
        client.disconnect();
      }
    }),
  );
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const config = loadConfig();
  const { server, jobqueue } = config.app;
  const api = `http://${server.host}:${server.port}`;
  const worker = `http://${jobqueue.host}:${jobqueue.port}`;
  const checks = [
    ...(await Promise.all([
      httpCheck('API liveness', `${api}/health`, (status, body) => status === 200 && body === 'OK'),
      httpCheck('API readiness', `${api}/ready`, (status) => status === 200),
      httpCheck('worker liveness', `${worker}/health`, (status, body) => status === 200 && body === 'OK'),
      httpCheck('worker readiness', `${worker}/ready`, (status) => status === 200),
    ])),
    ...(await redisChecks(config)),
    ...(await clusterChecks(config)),
  ];
  const status: 'ok' | 'down' | 'unsafe' = checks.some((check) => check.required && check.state === 'down')
    ? 'down'
    : checks.some((check) => check.state === 'unsafe')
      ? 'unsafe'
      : 'ok';
  if (json) {
    process.stdout.write(`${JSON.stringify({ env: config.env, ok: status === 'ok', status, checks }, null, 2)}\n`);
  } else {
    const label = { up: 'up', down: 'DOWN', unsafe: 'WARN' };
    for (const check of checks)
      process.stdout.write(
        `${label[check.state].padEnd(4)}  ${check.name.padEnd(24)} ${check.address.padEnd(36)} ${String(check.ms).padStart(5)} ms  ${check.detail}\n`,
      );
    process.stdout.write(`status: ${SUMMARY[status]}\n`);
  }
  process.exitCode = EXIT_CODES[status];
}

main().catch((error: unknown) => {
  process.stderr.write(`status: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 3;
});
