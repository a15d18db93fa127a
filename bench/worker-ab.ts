/**
 * Quick A/B of worker variants, for experiments (not part of npm run bench):
 *   WORKER_VARIANTS='[{"name":"raw","env":{"KIND":"raw"}},{"name":"ours","env":{"KIND":"ours"}}]' npx tsx bench/worker-ab.ts
 * Each round pre-fills COUNT (default 20000) no-op jobs and runs each variant
 * in turn (bench/servers/worker-runner.ts), starting one variant later each
 * round (A B, B A, …); prints jobs/s and the worker's and Redis's CPU per job
 * per round, then the medians and the ratio to the first variant listed (CPU
 * per job moves far less than jobs/s on a noisy machine).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { PROJECT_ROOT } from '../scripts/lib/node-process.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { spread } from './lib/stats.js';
import { redisPid } from './lib/cpu.js';
import { roundOrder } from './lib/rotation.js';
import { describeRun, fillQueue, medianCpuPerJob, runWorker, type WorkerRun } from './sections/worker.js';

interface Variant {
  name: string;
  env: Record<string, string>;
  /** Node flags for this variant's worker, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]. */
  nodeArgs?: string[];
}

execFileSync(
  process.execPath,
  [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.bench.json')],
  { stdio: 'inherit' },
);
const variants = JSON.parse(process.env.WORKER_VARIANTS ?? '[]') as Variant[];
const count = Number(process.env.COUNT ?? 20_000);
const rounds = Number(process.env.ROUNDS ?? 3);
const redis = await startRedisServer({ configFile: path.join(PROJECT_ROOT, 'redis/redis.conf'), appendonly: true });
const admin = new Redis(redis.port);
const runs = new Map<string, WorkerRun[]>();
const redisServerPid = await redisPid(admin);
try {
  for (let round = 1; round <= rounds; round++) {
    for (const variant of roundOrder(variants, round)) {
      const queueName = `worker-ab-${round}`;
      await fillQueue(admin, redis.port, queueName, count, { name: 'bench:noop', data: { n: 1 } });
      const result = await runWorker(
        { QUEUE_NAME: queueName, REDIS_PORT: String(redis.port), CONCURRENCY: '16', ...variant.env },
        count,
        redisServerPid,
        variant.nodeArgs,
      );
      runs.set(variant.name, [...(runs.get(variant.name) ?? []), result]);
      console.log(`round ${round} ${variant.name.padEnd(20)} ${describeRun(result)}`);
    }
  }
  const baseline = (runs.get(variants[0]?.name ?? '') ?? []).map((run) => run.jobsPerSecond);
  for (const [name, results] of runs) {
    const ratios = results.map((run, round) => run.jobsPerSecond / (baseline[round] ?? Number.NaN));
    const cpu = medianCpuPerJob(results);
    console.log(
      `${name.padEnd(20)} × first: median ${spread(ratios).median.toFixed(2)} (${ratios.map((v) => v.toFixed(2)).join(', ')}); CPU per job, median: worker ${Math.round(cpu.worker)} µs, Redis ${Math.round(cpu.redis)} µs`,
    );
  }
} finally {
  admin.disconnect();
  await redis.destroy();
}
