/**
 * Quick A/B of worker variants, for experiments (not part of npm run bench):
 *   WORKER_VARIANTS='[{"name":"raw","env":{"KIND":"raw"}},{"name":"ours","env":{"KIND":"ours"}}]' npx tsx bench/worker-ab.ts
 * Each round pre-fills COUNT (default 20000) no-op jobs and runs each variant
 * in turn (bench/servers/worker-runner.ts); prints jobs/s and the worker's and
 * Redis's CPU per job per round, then the medians and the ratio to the first
 * variant (CPU per job moves far less than jobs/s on a noisy machine).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { PROJECT_ROOT } from '../scripts/lib/node-process.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { spread } from './lib/stats.js';
import { redisPid } from './lib/cpu.js';
import { describeRun, fillQueue, runWorker } from './sections/worker.js';

interface Variant {
  name: string;
  env: Record<string, string>;
  /** Node flags for this variant's worker, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]. */
  nodeArgs?: string[];
}

execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.bench.json')], { stdio: 'inherit' });
const variants = JSON.parse(process.env.WORKER_VARIANTS ?? '[]') as Variant[];
const count = Number(process.env.COUNT ?? 20_000);
const rounds = Number(process.env.ROUNDS ?? 3);
const redis = await startRedisServer({ configFile: path.join(PROJECT_ROOT, 'redis/redis.conf'), appendonly: true });
const admin = new Redis(redis.port);
const ratios = new Map<string, number[]>();
const cpu = new Map<string, { worker: number[]; redis: number[] }>();
const redisServerPid = await redisPid(admin);
try {
  for (let round = 1; round <= rounds; round++) {
    let first: number | undefined;
    for (const variant of variants) {
      const queueName = `worker-ab-${round}`;
      await fillQueue(admin, redis.port, queueName, count, { name: 'bench:noop', data: { n: 1 } });
      const result = await runWorker({ QUEUE_NAME: queueName, REDIS_PORT: String(redis.port), CONCURRENCY: '16', ...variant.env }, count, redisServerPid, variant.nodeArgs);
      first ??= result.jobsPerSecond;
      ratios.set(variant.name, [...(ratios.get(variant.name) ?? []), result.jobsPerSecond / first]);
      const micros = cpu.get(variant.name) ?? { worker: [], redis: [] };
      micros.worker.push(result.workerMicrosPerJob);
      micros.redis.push(result.redisMicrosPerJob ?? 0);
      cpu.set(variant.name, micros);
      console.log(`round ${round} ${variant.name.padEnd(20)} ${describeRun(result)}`);
    }
  }
  for (const [name, values] of ratios) {
    const micros = cpu.get(name) ?? { worker: [], redis: [] };
    console.log(
      `${name.padEnd(20)} × first: median ${spread(values).median.toFixed(2)} (${values.map((v) => v.toFixed(2)).join(', ')}); CPU per job, median: worker ${Math.round(spread(micros.worker).median)} µs, Redis ${Math.round(spread(micros.redis).median)} µs`,
    );
  }
} finally {
  admin.disconnect();
  await redis.destroy();
}
