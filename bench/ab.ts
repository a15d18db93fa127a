/**
 * Quick A/B of bench server variants, for experiments (not part of npm run bench):
 *   VARIANTS='[{"name":"a","file":"full-register.ts"},{"name":"b","file":"full-register.ts",
 *     "env":{"BENCH_FAKE_PRODUCER":"1"}}]' npx tsx bench/ab.ts
 * Loads each variant in turn for ROUNDS rounds (default 2, 3 s each), then
 * prints per variant the best and median req/s and server CPU µs per request
 * (the best is the least disturbed by a noisy machine), RSS and Redis's
 * per-command CPU time (INFO commandstats). NODE_ARGS adds node flags, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { PROJECT_ROOT } from '../scripts/lib/node-process.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { startBenchServer, type BenchServer } from './lib/bench-server.js';
import { cpuSeconds, redisPid } from './lib/cpu.js';
import { postLoad } from './lib/load.js';
import { rssMiB } from './lib/rss.js';
import { spread } from './lib/stats.js';

interface Variant {
  name: string;
  file: string;
  env?: Record<string, string>;
  /** Node flags for this variant only, added to NODE_ARGS. */
  nodeArgs?: string[];
}

execFileSync(
  process.execPath,
  [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.bench.json')],
  { stdio: 'inherit' },
);
const redis = await startRedisServer({ configFile: path.join(PROJECT_ROOT, 'redis/redis.conf'), appendonly: true });
const admin = new Redis(redis.port);
const variants = JSON.parse(process.env.VARIANTS ?? '[]') as Variant[];
const nodeArgs = (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean);
const servers: BenchServer[] = [];
const rounds = Number(process.env.ROUNDS ?? 2);
const samples = new Map<string, { rps: number[]; micros: number[] }>();
const redisServerPid = await redisPid(admin);
try {
  for (const variant of variants) {
    const env = { REDIS_PORT: String(redis.port), QUEUE_NAME: `ab-${variant.name}`, RATE_LIMIT: 'off', ...variant.env };
    servers.push(await startBenchServer(variant.name, variant.file, env, [...nodeArgs, ...(variant.nodeArgs ?? [])]));
  }
  for (let round = 0; round < rounds; round++) {
    for (const server of servers) {
      await admin.flushall();
      await postLoad(server.url, { seconds: 1 });
      const pids = { server: server.pid, redis: redisServerPid, load: process.pid };
      const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
      const result = await postLoad(server.url, { seconds: 3 });
      // Share of one core each process used during the load: who is the bottleneck.
      const used = Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid) - (before[name] ?? 0)]),
      );
      const cpu = Object.entries(used).map(([name, seconds]) => `${name} ${Math.round((seconds / 3) * 100)}%`);
      const micros = ((used.server ?? 0) * 1e6) / (result.requestsPerSecond * 3);
      cpu.push(`server ${Math.round(micros)} µs/req`);
      const sample = samples.get(server.name) ?? { rps: [], micros: [] };
      sample.rps.push(result.requestsPerSecond);
      sample.micros.push(micros);
      samples.set(server.name, sample);
      console.log(
        `${server.name.padEnd(24)} ${Math.round(result.requestsPerSecond)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  non-201 ${result.failures}  cpu: ${cpu.join(', ')}`,
      );
    }
  }
  for (const server of servers) {
    const { rps, micros } = samples.get(server.name) ?? { rps: [], micros: [] };
    console.log(
      `${server.name.padEnd(24)} best ${Math.round(Math.max(...rps))} req/s, ${Math.round(Math.min(...micros))} µs/req; median ${Math.round(spread(rps).median)} req/s, ${Math.round(spread(micros).median)} µs/req; RSS ${rssMiB(server.pid).toFixed(1)} MiB`,
    );
  }
  const stats = await admin.info('commandstats');
  console.log(
    stats
      .split('\n')
      .filter((line) => /cmdstat_(evalsha|xadd|zadd)/.test(line))
      .join('\n'),
  );
} finally {
  // SIGTERM: the bench servers exit through process.exit, so --cpu-prof writes its profile.
  await Promise.all(servers.map((server) => server.process.stop('SIGTERM')));
  admin.disconnect();
  await redis.destroy();
}
