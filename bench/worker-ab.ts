/**
 * Quick A/B of worker variants, for experiments (not part of npm run bench):
 *   WORKER_VARIANTS='[{"name":"raw","env":{"KIND":"raw"}},{"name":"ours","env":{"KIND":"ours"}}]' npx tsx bench/worker-ab.ts
 * Each round pre-fills COUNT (default 20000) no-op jobs and runs each variant
 * in turn (bench/servers/worker-runner.ts); prints jobs/s per round and the
 * median ratio to the first variant.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { PROJECT_ROOT } from '../scripts/lib/node-process.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { spread } from './lib/stats.js';
import { fillQueue, runWorker } from './sections/worker.js';

interface Variant {
  name: string;
  env: Record<string, string>;
}

execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.bench.json')], { stdio: 'inherit' });
const variants = JSON.parse(process.env.WORKER_VARIANTS ?? '[]') as Variant[];
const count = Number(process.env.COUNT ?? 20_000);
const rounds = Number(process.env.ROUNDS ?? 3);
const redis = await startRedisServer({ configFile: path.join(PROJECT_ROOT, 'redis/redis.conf'), appendonly: true });
const admin = new Redis(redis.port);
const ratios = new Map<string, number[]>();
try {
  for (let round = 1; round <= rounds; round++) {
    let first: number | undefined;
    for (const variant of variants) {
      const queueName = `worker-ab-${round}`;
      await fillQueue(admin, redis.port, queueName, count, { name: 'bench:noop', data: { n: 1 } });
      const result = await runWorker({ QUEUE_NAME: queueName, REDIS_PORT: String(redis.port), CONCURRENCY: '16', ...variant.env }, count);
      first ??= result.jobsPerSecond;
      ratios.set(variant.name, [...(ratios.get(variant.name) ?? []), result.jobsPerSecond / first]);
      console.log(`round ${round} ${variant.name.padEnd(20)} ${Math.round(result.jobsPerSecond)} jobs/s`);
    }
  }
  for (const [name, values] of ratios) {
    console.log(`${name.padEnd(20)} × first: median ${spread(values).median.toFixed(2)} (${values.map((v) => v.toFixed(2)).join(', ')})`);
  }
} finally {
  admin.disconnect();
  await redis.destroy();
}
