import { Redis } from 'ioredis';
import { roundOrder } from '../lib/rotation.js';
import { runWorker } from './worker.js';

/** A worker (bench/servers/worker-runner.ts KIND) on a Redis. */
export interface DelayVariant {
  port: number;
  kind: 'ours' | 'raw';
}

/**
 * Lateness (actual start − due time) of `count` jobs due evenly over `spreadMs`,
 * for each worker and Redis (e.g. a plain BullMQ worker on default settings vs
 * ours), interleaved and rotated per round.
 */
export async function benchDelay(
  variants: Record<string, DelayVariant>,
  { count, spreadMs, rounds, log }: { count: number; spreadMs: number; rounds: number; log: (line: string) => void },
) {
  const lateness = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const [name, { port, kind }] of roundOrder(Object.entries(variants), round)) {
      const admin = new Redis(port);
      await admin.flushall();
      admin.disconnect();
      const queueName = `bench-delay-${round}`;
      // The runner registers the jobs once its worker runs: the usual case, jobs registered while workers are up.
      // (Jobs already delayed when a worker starts run on BullMQ's own timing, up to a Redis tick late: docs/operations.md.)
      const result = await runWorker(
        {
          KIND: kind,
          QUEUE_NAME: queueName,
          REDIS_PORT: String(port),
          CONCURRENCY: '16',
          DELAYED_SPREAD_MS: String(spreadMs),
        },
        count,
      );
      lateness.set(name, [...(lateness.get(name) ?? []), ...result.lateness]);
      log(`round ${round} ${name}: ${result.lateness.length} lateness samples`);
    }
  }
  return lateness;
}
