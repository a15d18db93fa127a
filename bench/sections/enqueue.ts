import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { redisCpuSeconds } from '../lib/cpu.js';
import { createSilentLogger } from '../../src/infra/log.js';
import { createBullmqProducer } from '../../src/infra/queue/bullmq-queue.js';
import { createLazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { producerRedisOptions } from '../../src/infra/redis/connection.js';
import type { EnqueueRequest } from '../../src/jobs/register-job.js';
import type { KnownJob } from '../../src/jobs/registry.js';
import { redisConfigFor } from '../../test/helpers/redis-config.js';

/** One way of storing jobs: throughput and the CPU each job cost Redis and this Node process. */
export interface EnqueueRun {
  jobsPerSecond: number;
  redisMicrosPerJob: number;
  nodeMicrosPerJob: number;
}

export type EnqueueMethod = 'add64' | 'addBulk' | 'ours64';
export const ENQUEUE_METHODS: Record<EnqueueMethod, string> = {
  add64: 'BullMQ queue.add, 64 in flight',
  addBulk: 'BullMQ queue.addBulk, 500 per call',
  ours64: 'our producer (batched script), 64 in flight',
};

/** The job the register endpoint stores, with the options it sets. */
function request(): EnqueueRequest<KnownJob> {
  return {
    jobId: randomUUID(),
    name: 'demo:delay_print',
    data: { message: 'bench job' },
    delayMs: 180_000,
    attempts: 11,
    backoff: { type: 'exponential', delayMs: 30_000, jitter: 0.2 },
  };
}
const bullmqOptions = (job: EnqueueRequest) => ({
  jobId: job.jobId,
  delay: job.delayMs,
  attempts: job.attempts,
  backoff: { type: 'exponential', delay: 30_000, jitter: 0.2 },
});

async function inFlight(count: number, concurrency: number, one: () => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        await one();
      }
    }),
  );
}

/**
 * Stores `count` delayed jobs per method and round, interleaved: BullMQ's
 * `add` (64 in flight) and `addBulk` (chunks of 500), and our producer.
 */
export async function benchEnqueue(redisPort: number, { count, rounds }: { count: number; rounds: number }) {
  const admin = new Redis(redisPort);
  const queue = new Queue('bench-enqueue', { connection: { host: '127.0.0.1', port: redisPort } });
  const logger = createSilentLogger();
  const client = new Redis(producerRedisOptions(redisConfigFor(redisPort, { command_timeout_ms: 5000 })));
  const lazyQueue = createLazyQueue({ client, location: { name: 'bench-enqueue-ours', prefix: 'bull' }, logger });
  const producer = createBullmqProducer({ queue: lazyQueue, logger });
  const methods: Record<EnqueueMethod, () => Promise<void>> = {
    add64: () =>
      inFlight(count, 64, () => {
        const job = request();
        return queue.add(job.name, job.data, bullmqOptions(job));
      }),
    addBulk: async () => {
      for (let offset = 0; offset < count; offset += 500) {
        await queue.addBulk(
          Array.from({ length: Math.min(500, count - offset) }, () => {
            const job = request();
            return { name: job.name, data: job.data, opts: bullmqOptions(job) };
          }),
        );
      }
    },
    ours64: () => inFlight(count, 64, () => producer.enqueue(request())),
  };
  const results: Record<EnqueueMethod, EnqueueRun[]> = { add64: [], addBulk: [], ours64: [] };
  try {
    await new Promise<void>((resolve) =>
      client.status === 'ready' ? resolve() : client.once('ready', () => resolve()),
    );
    for (let round = 0; round < rounds; round++) {
      for (const [method, run] of Object.entries(methods) as [EnqueueMethod, () => Promise<void>][]) {
        await admin.flushall();
        const redisBefore = await redisCpuSeconds(admin);
        const nodeBefore = process.cpuUsage();
        const started = performance.now();
        await run();
        const seconds = (performance.now() - started) / 1000;
        const node = process.cpuUsage(nodeBefore);
        const redisSeconds = (await redisCpuSeconds(admin)) - redisBefore;
        results[method].push({
          jobsPerSecond: count / seconds,
          redisMicrosPerJob: (redisSeconds * 1e6) / count,
          nodeMicrosPerJob: (node.user + node.system) / count,
        });
      }
    }
  } finally {
    await queue.close();
    await lazyQueue.close();
    client.disconnect();
    await admin.flushall();
    admin.disconnect();
  }
  return results;
}
