import { Queue } from 'bullmq';
import type { NodeProcess } from '../../../scripts/lib/node-process.js';
import { testSlow } from '../../jobs/test-slow.js';

/** A BullMQ queue on the scenario's Redis, to enqueue `test:slow` jobs and read counts (public API only). */
export function openQueue(redisAddr: string, queueName: string): Queue {
  const [host = '127.0.0.1', port = '6379'] = redisAddr.split(':');
  return new Queue(queueName, { connection: { host, port: Number(port), maxRetriesPerRequest: null }, prefix: 'bull' });
}

/**
 * Adds one `test:slow` job per duration; each duration is distinct, so the
 * worker's `slept N ms` line tells which job ran. Job id: `slow-N`.
 */
export async function addSlowJobs(queue: Queue, durationsMs: readonly number[]): Promise<string[]> {
  await queue.addBulk(durationsMs.map((ms) => ({ name: testSlow.type, data: { ms }, opts: { jobId: `slow-${ms}` } })));
  return durationsMs.map((ms) => `slow-${ms}`);
}

/** The `slow-N` ids whose `slept N ms` line a worker printed, once per run. */
export function sleptJobIds(worker: NodeProcess): string[] {
  return worker.stdout.flatMap((line) => {
    const match = /^slept (\d+) ms$/.exec(line);
    return match ? [`slow-${match[1]}`] : [];
  });
}
