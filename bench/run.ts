/**
 * `npm run bench`: every benchmark against its own redis-server on loopback,
 * paired and interleaved in one run, reported as ratios in bench/RESULTS.md.
 * BENCH_ROUNDS (5) and BENCH_SECONDS (4) shorten or lengthen it: more, shorter rounds pair the
 * targets more closely on a machine whose speed drifts.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../scripts/lib/node-process.js';
import { startRedisCluster } from '../test/helpers/redis-cluster.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { ensureBenchDependencies } from './lib/bench-dependencies.js';
import { describeEnvironment } from './lib/environment.js';
import { renderReport, type ProfileBaseline } from './lib/report.js';
import { benchDelay } from './sections/delay.js';
import { benchAuthCost } from './sections/auth-cost.js';
import { benchColdStart } from './sections/cold-start.js';
import { benchEnqueue } from './sections/enqueue.js';
import { benchFailFast } from './sections/fail-fast.js';
import { benchHttp, type HttpTarget } from './sections/http.js';
import { bytesPerDelayedJob, redisBenchmark } from './sections/redis-reference.js';
import { benchWorkers } from './sections/worker.js';
import { idleCpu } from './sections/redis-idle-cpu.js';
import { benchCapacity } from './sections/capacity.js';
import { profileRegister } from './sections/profile.js';
import { checkEquivalence } from './sections/equivalence.js';
import { Redis } from 'ioredis';
import { existsSync, readFileSync } from 'node:fs';

async function configuredHz(port: number): Promise<string> {
  const admin = new Redis(port);
  try {
    return (await admin.config('GET', 'hz'))[1] ?? '?';
  } finally {
    admin.disconnect();
  }
}

const USAGE = `usage: npm run bench [-- --help]

Runs every benchmark against its own redis-server processes on loopback (about
25 minutes on 2 cores) and writes bench/RESULTS.md; bench/README.md explains
the sections and the figures.

Environment:
  BENCH_ONLY     comma-separated sections to run (a partial run writes
                 bench/RESULTS.partial.md): http, enqueue, worker, delay,
                 memory, failfast, redis, auth, coldstart, capacity, profile,
                 equivalence
  BENCH_PROFILE_BASELINE  with the profile section: also save its summary
                 as bench/profile-baseline.json under this label (e.g. a
                 commit), which later reports show as "before"
  BENCH_ROUNDS   rounds per comparison (default 5)
  BENCH_SECONDS  seconds of load per HTTP round (default 4)
`;
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`[bench] unknown argument(s): ${args.join(' ')}\n\n${USAGE}`);
  process.exit(2);
}

const rounds = Number(process.env.BENCH_ROUNDS ?? '5');
const seconds = Number(process.env.BENCH_SECONDS ?? '4');
const SECTIONS = [
  'equivalence',
  'http',
  'profile',
  'enqueue',
  'worker',
  'delay',
  'memory',
  'failfast',
  'redis',
  'auth',
  'coldstart',
  'capacity',
];
const only = (process.env.BENCH_ONLY ?? SECTIONS.join(',')).split(',').map((name) => name.trim());
const unknown = only.filter((name) => !SECTIONS.includes(name));
if (unknown.length > 0) {
  process.stderr.write(
    `[bench] unknown BENCH_ONLY section(s): ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}\n`,
  );
  process.exit(2);
}
// Only a complete run replaces the committed bench/RESULTS.md.
const resultsFile = only.length === SECTIONS.length ? 'bench/RESULTS.md' : 'bench/RESULTS.partial.md';
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const SHIPPED_CONF = path.join(PROJECT_ROOT, 'redis/redis.conf');
const CAPACITY_COUNT = 10_000;
const PROFILE_SECONDS = 10;
const PROFILE_BASELINE = path.join(PROJECT_ROOT, 'bench/profile-baseline.json');
const FULL = 'full register, limiter memory';
const FASTIFY = 'Fastify, feature-equivalent';
const PROFILED = [FULL, FASTIFY];
const CAPACITY_CONCURRENCY = 32;

export const HTTP_TARGETS: HttpTarget[] = [
  { name: 'bare Hono (no Redis)', file: 'bare-hono.ts' },
  { name: 'full register, limiter memory', file: 'full-register.ts', env: { RATE_LIMIT: 'memory' } },
  { name: 'minimal Hono + queue.add', file: 'hono-queue-add.ts' },
  { name: 'minimal Fastify + queue.add', file: 'fastify-queue-add.ts' },
  { name: 'minimal Express + queue.add', file: 'express-queue-add.ts' },
  { name: 'Fastify, feature-equivalent', file: 'fastify-equivalent.ts' },
  { name: 'Express, feature-equivalent', file: 'express-equivalent.ts' },
  { name: 'full register, limiter off', file: 'full-register.ts', env: { RATE_LIMIT: 'off' } },
  { name: 'full register, limiter cluster', file: 'full-register.ts', env: { RATE_LIMIT: 'cluster' } },
];

async function main(): Promise<void> {
  ensureBenchDependencies(log);
  log('compiling the bench servers (tsconfig.bench.json)');
  execFileSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.bench.json')],
    { stdio: 'inherit' },
  );
  // The queue's Redis as we ship it (redis/redis.conf: AOF everysec, noeviction, hz …).
  const redis = await startRedisServer({ configFile: SHIPPED_CONF, appendonly: true });
  // The same configuration at Redis's default tick: the delay section compares the two.
  const hz10Redis = await startRedisServer({ configFile: SHIPPED_CONF, appendonly: true, extraArgs: ['--hz', '10'] });
  const shippedHz = await configuredHz(redis.port);
  const cluster = only.includes('http') ? await startRedisCluster() : undefined;
  const sections: Parameters<typeof renderReport>[0] = { environment: describeEnvironment(), rounds, seconds };
  const target = (name: string) => HTTP_TARGETS.find((each) => each.name === name) as HttpTarget;
  try {
    // The peer must answer as ours does before their CPU is compared: a difference stops the run.
    if (only.includes('equivalence')) {
      sections.equivalence = await checkEquivalence(target(FULL), target(FASTIFY), { redisPort: redis.port, log });
      if (sections.equivalence.some((row) => !row.same) && process.env.BENCH_ALLOW_DIFFERENCES !== '1')
        throw new Error(
          'ours and the feature-equivalent Fastify server answer differently (above); BENCH_ALLOW_DIFFERENCES=1 runs on',
        );
    }
    if (only.includes('http'))
      sections.http = await benchHttp(HTTP_TARGETS, {
        redisPort: redis.port,
        ...(cluster ? { cluster } : {}),
        rounds,
        seconds,
        log,
      });
    if (only.includes('profile')) {
      const profiled = HTTP_TARGETS.filter((target) => PROFILED.includes(target.name));
      sections.profile = {
        current: await profileRegister(profiled, { redisPort: redis.port, seconds: PROFILE_SECONDS, log }),
        ...(existsSync(PROFILE_BASELINE)
          ? { baseline: JSON.parse(readFileSync(PROFILE_BASELINE, 'utf8')) as ProfileBaseline }
          : {}),
      };
      const label = process.env.BENCH_PROFILE_BASELINE;
      if (label) {
        const baseline = { label, date: new Date().toISOString().slice(0, 10), targets: sections.profile.current };
        writeFileSync(PROFILE_BASELINE, `${JSON.stringify(baseline, null, 1)}\n`);
        log(`profile saved as the baseline "${label}" in ${path.relative(PROJECT_ROOT, PROFILE_BASELINE)}`);
      }
    }
    if (only.includes('enqueue')) sections.enqueue = await benchEnqueue(redis.port, { count: 20_000, rounds });
    if (only.includes('worker'))
      sections.workers = await benchWorkers(redis.port, { count: 20_000, rounds, concurrency: 16, log });
    if (only.includes('delay')) {
      const variants = {
        [`plain BullMQ Worker, shipped redis.conf (hz ${shippedHz})`]: { port: redis.port, kind: 'raw' },
        'our worker, Redis default hz 10 (else shipped redis.conf)': { port: hz10Redis.port, kind: 'ours' },
        [`our worker, shipped redis.conf (hz ${shippedHz})`]: { port: redis.port, kind: 'ours' },
      } as const;
      sections.delay = await benchDelay(variants, { count: 2000, spreadMs: 2000, rounds, log });
      // The usual case: jobs come due one at a time to an idle worker.
      sections.delaySparse = await benchDelay(variants, { count: 100, spreadMs: 5000, rounds, log });
      sections.idleCpu = await idleCpu(
        Object.fromEntries(Object.entries(variants).map(([name, { port }]) => [name, port])),
        20,
      );
    }
    if (only.includes('memory')) sections.bytesPerJob = await bytesPerDelayedJob(redis.port, 10_000);
    if (only.includes('failfast')) sections.failFast = await benchFailFast(200);
    if (only.includes('redis')) sections.redisReference = redisBenchmark(redis.port);
    if (only.includes('auth')) sections.auth = await benchAuthCost(redis.port, { rounds, count: 20_000 });
    if (only.includes('coldstart')) sections.coldStart = await benchColdStart(redis.port, { starts: 10, log });
    if (only.includes('capacity'))
      sections.capacity = {
        results: await benchCapacity({
          rounds,
          count: CAPACITY_COUNT,
          concurrency: CAPACITY_CONCURRENCY,
          configFile: SHIPPED_CONF,
          log,
        }),
        count: CAPACITY_COUNT,
        concurrency: CAPACITY_CONCURRENCY,
      };
  } finally {
    await cluster?.destroy();
    await hz10Redis.destroy();
    await redis.destroy();
  }
  const report = renderReport(sections);
  writeFileSync(path.join(PROJECT_ROOT, resultsFile), report);
  log(`written to ${resultsFile}`);
  process.stdout.write(`\n${report}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
