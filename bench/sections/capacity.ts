import { Redis } from 'ioredis';
import { createSilentLogger } from '../../src/infra/log.js';
import { createBullmqProducer } from '../../src/infra/queue/bullmq-queue.js';
import { createLazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { createReplicaAck } from '../../src/extras/replica-ack/replica-ack.js';
import { producerRedisOptions } from '../../src/infra/redis/connection.js';
import type { EnqueueRequest } from '../../src/jobs/register-job.js';
import type { KnownJob } from '../../src/jobs/registry.js';
import { redisConfigFor } from '../../test/helpers/redis-config.js';
import { startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { redisCpuSeconds, redisPid, redisUsedMemory } from '../lib/cpu.js';
import { roundOrder } from '../lib/rotation.js';
import { fmt, fmtSpread, percentile, spread } from '../lib/stats.js';
import { fillQueue, runWorker } from './worker.js';

/** One round of one variant. */
export interface CapacityRun {
  registrationsPerSecond: number;
  /** Redis CPU (INFO cpu used_cpu_sys + used_cpu_user) per registration, µs. */
  redisMicrosPerRegistration: number;
  /** used_memory delta per delayed job, bytes. */
  bytesPerJob: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** WAIT commands Redis served per registration (shared WAITs: below 1). */
  waitsPerRegistration: number;
  /** Latency of registrations one at a time (no concurrency), p50, ms. */
  sequentialP50Ms: number;
  /** Redis CPU per processed job (our worker, demo:delay_print), µs; not measured for the ack variant (the worker does not WAIT). */
  redisMicrosPerJob?: number;
  jobsPerSecond?: number;
}

export type CapacityResults = Map<string, CapacityRun[]>;

interface Variant {
  name: string;
  server: 'single' | 'replicated';
  ackReplicas: number;
  processing: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'one Redis, ack_replicas 0', server: 'single', ackReplicas: 0, processing: true },
  { name: 'master + 1 replica, ack_replicas 0', server: 'replicated', ackReplicas: 0, processing: true },
  { name: 'master + 1 replica, ack_replicas 1', server: 'replicated', ackReplicas: 1, processing: false },
];

async function waitCalls(admin: Redis): Promise<number> {
  return Number(/^cmdstat_wait:calls=(\d+)/m.exec(await admin.info('commandstats'))?.[1] ?? 0);
}

/** `count` registrations of delayed demo jobs through our producer, `concurrency` at a time; Redis's CPU and memory around them. */
async function registrations(port: number, ackReplicas: number, count: number, concurrency: number) {
  const admin = new Redis(port);
  const client = new Redis(producerRedisOptions(redisConfigFor(port, { command_timeout_ms: 5000 })));
  const queue = createLazyQueue({
    client,
    location: { name: 'bench-capacity', prefix: 'bull' },
    logger: createSilentLogger(),
  });
  const producer = createBullmqProducer({
    queue,
    logger: createSilentLogger(),
    ...(ackReplicas > 0
      ? {
          afterWrite: createReplicaAck({
            client,
            replicas: ackReplicas,
            timeoutMs: 2000,
            location: queue.location,
            logger: createSilentLogger(),
          }).afterWrite,
        }
      : {}),
  });
  try {
    await admin.flushall();
    await waitFor(() => client.status === 'ready', { what: 'the bench client' });
    let next = 0;
    const request = (index: number): EnqueueRequest<KnownJob> => ({
      jobId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      name: 'demo:delay_print',
      data: { message: 'Job executed successfully' },
      delayMs: 180_000,
      attempts: 11,
      backoff: { type: 'exponential', delayMs: 30_000, jitter: 0.2 },
    });
    // Warm-up: the queue's start-up and script loading are not part of a registration.
    for (let index = 0; index < 100; index++) await producer.enqueue(request(1_000_000 + index));
    const sequential: number[] = [];
    for (let index = 0; index < 500; index++) {
      const sent = performance.now();
      await producer.enqueue(request(2_000_000 + index));
      sequential.push(performance.now() - sent);
    }
    const latencies: number[] = [];
    const waitsBefore = await waitCalls(admin);
    const cpuBefore = await redisCpuSeconds(admin);
    const memoryBefore = await redisUsedMemory(admin);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const index = next++;
          const sent = performance.now();
          await producer.enqueue(request(index));
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = (await redisCpuSeconds(admin)) - cpuBefore;
    const memory = (await redisUsedMemory(admin)) - memoryBefore;
    const waits = (await waitCalls(admin)) - waitsBefore;
    return {
      waitsPerRegistration: waits / count,
      sequentialP50Ms: percentile(sequential, 50),
      registrationsPerSecond: count / seconds,
      redisMicrosPerRegistration: (cpu * 1e6) / count,
      bytesPerJob: memory / count,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
    };
  } finally {
    await queue.close();
    client.disconnect();
    await admin.flushall();
    admin.disconnect();
  }
}

/**
 * What one Redis core sustains: Redis CPU per registration and per processed
 * job (INFO cpu deltas), and bytes per job, on one Redis and on a master with
 * a replica, with ack_replicas 0 and 1. Variants interleaved and rotated per round.
 */
export async function benchCapacity({
  rounds,
  count,
  concurrency,
  configFile,
  log,
}: {
  rounds: number;
  count: number;
  concurrency: number;
  configFile: string;
  log: (line: string) => void;
}): Promise<CapacityResults> {
  const servers: RedisServer[] = [];
  const results: CapacityResults = new Map();
  try {
    const single = await startRedisServer({ configFile, appendonly: true });
    const master = await startRedisServer({ configFile, appendonly: true });
    servers.push(single, master);
    servers.push(
      await startRedisServer({
        configFile,
        appendonly: true,
        extraArgs: ['--replicaof', '127.0.0.1', String(master.port)],
      }),
    );
    const masterAdmin = new Redis(master.port);
    await waitFor(async () => (await masterAdmin.info('replication')).includes('state=online'), {
      timeoutMs: 20_000,
      what: 'the bench replica to sync',
    });
    masterAdmin.disconnect();
    for (let round = 1; round <= rounds; round++) {
      for (const variant of roundOrder(VARIANTS, round)) {
        const port = variant.server === 'single' ? single.port : master.port;
        const run: CapacityRun = await registrations(port, variant.ackReplicas, count, concurrency);
        if (variant.processing) {
          const admin = new Redis(port);
          try {
            await fillQueue(admin, port, 'bench-capacity-worker', count, {
              name: 'demo:delay_print',
              data: { message: 'bench job' },
            });
            const worker = await runWorker(
              {
                KIND: 'ours',
                QUEUE_NAME: 'bench-capacity-worker',
                REDIS_PORT: String(port),
                CONCURRENCY: String(concurrency),
              },
              count,
              await redisPid(admin),
            );
            run.redisMicrosPerJob = worker.redisMicrosPerJob;
            run.jobsPerSecond = worker.jobsPerSecond;
            await admin.flushall();
          } finally {
            admin.disconnect();
          }
        }
        results.set(variant.name, [...(results.get(variant.name) ?? []), run]);
        log(
          `round ${round} capacity, ${variant.name}: ${Math.round(run.registrationsPerSecond)} registrations/s, Redis ${Math.round(run.redisMicrosPerRegistration)} µs and ${Math.round(run.bytesPerJob)} bytes per registration, p99 ${run.latencyP99Ms.toFixed(2)} ms` +
            (run.redisMicrosPerJob === undefined
              ? ''
              : `; Redis ${Math.round(run.redisMicrosPerJob)} µs per processed job`),
        );
      }
    }
  } finally {
    await Promise.allSettled(servers.reverse().map((server) => server.destroy()));
  }
  return results;
}

/** The capacity section of RESULTS.md: medians (min–max) over the rounds, and what one Redis core sustains from them. */
export function renderCapacity(results: CapacityResults, count: number, concurrency: number): string {
  const median = (runs: readonly CapacityRun[], pick: (run: CapacityRun) => number | undefined) => {
    const values = runs.map(pick).filter((value): value is number => value !== undefined);
    return values.length ? spread(values) : undefined;
  };
  const rows = [...results].map(([name, runs]) => {
    const registration = median(runs, (run) => run.redisMicrosPerRegistration);
    const job = median(runs, (run) => run.redisMicrosPerJob);
    const perCore = (micros: number | undefined) => (micros ? fmt(1e6 / micros) : '—');
    const show = (pick: (run: CapacityRun) => number, digits = 0) =>
      fmtSpread(median(runs, pick) ?? spread([0]), digits);
    return `| ${name} | ${show((run) => run.sequentialP50Ms, 2)} | ${show((run) => run.registrationsPerSecond)} | ${show((run) => run.latencyP50Ms, 2)} / ${show((run) => run.latencyP99Ms, 2)} | ${show((run) => run.waitsPerRegistration, 2)} | ${registration ? fmtSpread(registration, 1) : '—'} | ${perCore(registration?.median)} | ${fmtSpread(median(runs, (run) => run.bytesPerJob) ?? spread([0]))} | ${job ? fmtSpread(job, 1) : '—'} | ${perCore(job?.median)} |`;
  });
  return [
    '## 9. Redis capacity: CPU per registration and per job, with and without ack_replicas',
    '',
    `${fmt(count)} registrations of a delayed \`demo:delay_print\` job through the API's producer (${concurrency} at a time, no HTTP), after 500 registrations one at a time; then ${fmt(count)} jobs processed by our worker (concurrency ${concurrency}). Redis CPU is the INFO cpu delta (used_cpu_sys + used_cpu_user) of the master; bytes are the used_memory delta per delayed job. "Per core" is 1 s of Redis CPU divided by the CPU per operation: what one Redis core sustains if it did nothing else (the clients here share the machine's cores, so the measured rates are lower).`,
    '',
    '| variant | one at a time: latency p50 (ms) | registrations/s (measured) | latency p50 / p99 (ms) | WAITs per registration | Redis µs per registration | registrations/s per Redis core | bytes per job | Redis µs per processed job | jobs/s per Redis core |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
